"""bcc.utils on bpfy: printb, ArgString, CPU lists, StrcmpRewrite (refused)."""
import errno
import sys
import traceback
import warnings

from .. import UnsupportedError


def _read_cpu_range(path):
    cpus = []
    with open(path) as f:
        for part in f.read().strip().split(","):
            if not part:
                continue
            if "-" in part:
                low, high = part.split("-")
                cpus.extend(range(int(low), int(high) + 1))
            else:
                cpus.append(int(part))
    return cpus


def get_online_cpus():
    """Online CPU numbers, from /sys/devices/system/cpu/online."""
    return _read_cpu_range("/sys/devices/system/cpu/online")


def get_possible_cpus():
    """Possible CPU numbers, from /sys/devices/system/cpu/possible."""
    return _read_cpu_range("/sys/devices/system/cpu/possible")


def printb(s, file=None, nl=1):
    """Write bytes s (str is encoded) to file's (default: sys.stdout's)
    binary buffer, with a newline unless nl is false, and flush: bcc tools
    print kernel strings this way."""
    file = sys.stdout if file is None else file
    if isinstance(s, str):
        s = s.encode()
    buf = getattr(file, "buffer", None)
    if buf is None:
        file.write(s.decode(errors="replace") + ("\n" if nl else ""))
        file.flush()
        return
    file.flush()
    buf.write(s)
    if nl:
        buf.write(b"\n")
    buf.flush()


class ArgString:
    """An argparse type that keeps the text and gives bytes through
    bytes(arg), as bcc tools expect for strings passed into BPF C."""

    def __init__(self, s):
        self.s = s

    def __bytes__(self):
        return self.s.encode() if isinstance(self.s, str) else bytes(self.s)

    def __str__(self):
        return self.s.decode() if isinstance(self.s, bytes) else self.s

    def __repr__(self):
        return f"ArgString({self.s!r})"


def warn_with_traceback(message, category, filename, lineno, file=None, line=None):
    log = file if hasattr(file, "write") else sys.stderr
    traceback.print_stack(f=sys._getframe(2), file=log)
    log.write(warnings.formatwarning(message, category, filename, lineno, line))


def _assert_is_bytes(arg):
    """bcc's helper: str becomes bytes (bcc warns), None stays None."""
    if arg is None or isinstance(arg, bytes):
        return arg
    return str(arg).encode()


def detect_language(candidates, pid):
    raise UnsupportedError(errno.ENOTSUP, "bcc.utils.detect_language is not supported by bpfy")


class StrcmpRewrite:
    """bcc's rewriter of STRCMP() in probe expressions (trace.py, argdist.py)
    is not provided: bpfy refuses it clearly rather than mistranslating."""

    @staticmethod
    def rewrite_expr(*args, **kwargs):
        raise UnsupportedError(errno.ENOTSUP, "StrcmpRewrite.rewrite_expr (STRCMP in probe "
                                              "expressions) is not supported by bpfy")
