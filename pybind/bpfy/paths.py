"""Where bpfy finds its BPF-side headers: installed beside the package, or in
the source tree for an in-place build."""
import os

_HERE = os.path.dirname(os.path.abspath(__file__))


def include_dir():
    """The directory holding bpfy/dialect.h, bpfy/prelude.h and compat/."""
    override = os.environ.get("BPFY_INCLUDE_DIR")
    if override:
        return override
    installed = os.path.join(_HERE, "include")
    if os.path.isdir(installed):
        return installed
    return os.path.normpath(os.path.join(_HERE, "..", "..", "programs", "include"))
