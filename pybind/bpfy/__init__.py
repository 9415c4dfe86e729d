"""bpfy: a bcc-style eBPF runtime for Python with a C core.

    from bpfy import BPF
    b = BPF(text='BPF_HASH(counts, u32, u64); ...')

See README.md and docs/ for the user guide.
"""
import os as _os

# A side build of the extension (cmake -DBPFY_EXT_OUTPUT_DIR=...) is used
# instead of the in-place one when BPFY_EXT_DIR names its directory.
if _os.environ.get("BPFY_EXT_DIR"):
    __path__.insert(0, _os.environ["BPFY_EXT_DIR"])

from ._bpfy import (  # noqa: E402
    BPFError,
    BPFPermissionError,
    CompileError,
    UnsupportedError,
    VerifierError,
)
from . import histogram as _histogram  # noqa: E402
from .bpf import BPF, Function  # noqa: E402
from .maps import Map  # noqa: E402
from .reader import Reader  # noqa: E402

_histogram.install()  # print_log2_hist & co., _repr_html_ and plot on tables

__all__ = [
    "BPF",
    "BPFError",
    "BPFPermissionError",
    "CompileError",
    "Function",
    "Map",
    "Reader",
    "UnsupportedError",
    "VerifierError",
]
