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
from .bpf import BPF, Function
from . import histogram as _histogram

_histogram.install()  # print_log2_hist & co., _repr_html_, plot, to_pandas on tables
from .reader import Reader

__all__ = [
    "BPF",
    "BPFError",
    "BPFPermissionError",
    "CompileError",
    "Function",
    "Reader",
    "UnsupportedError",
    "VerifierError",
]
