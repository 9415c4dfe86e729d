"""bpfy: a bcc-style eBPF runtime for Python with a C core.

    from bpfy import BPF
    b = BPF(text='BPF_HASH(counts, u32, u64); ...')

See README.md and docs/ for the user guide.
"""
from ._bpfy import (
    BPFError,
    BPFPermissionError,
    CompileError,
    UnsupportedError,
    VerifierError,
)
from .bpf import BPF, Function

__all__ = [
    "BPF",
    "BPFError",
    "BPFPermissionError",
    "CompileError",
    "Function",
    "UnsupportedError",
    "VerifierError",
]
