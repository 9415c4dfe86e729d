"""python3 -m bpfy.compat script.py [args...]: run a bcc tool on bpfy."""
import os
import runpy
import sys

from . import install
from .. import UnsupportedError


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: python3 -m bpfy.compat SCRIPT.py [ARGS...]\n\n"
              "Runs an unmodified bcc Python tool: `import bcc` resolves to bpfy.",
              file=sys.stderr if not argv else sys.stdout)
        return 2 if not argv else 0
    script = argv[0]
    if not os.path.exists(script):
        print(f"bpfy.compat: no such script: {script}", file=sys.stderr)
        return 2
    install()
    sys.argv = list(argv)
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    try:
        runpy.run_path(script, run_name="__main__")
    except UnsupportedError as exc:
        print(f"bpfy.compat: {os.path.basename(script)} uses what bpfy does not support: "
              f"{exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
