"""Run unmodified bcc Python tools on bpfy.

    python3 -m bpfy.compat tool.py [args...]

install() puts a meta path finder first on sys.meta_path that makes
`import bcc` and its submodules resolve to bpfy's implementations (modules
bpfy.compat.bcc_*); nothing named bcc is installed on the system. A bcc
module bpfy does not provide fails to import with an ImportError naming it,
and bcc features bpfy does not have raise bpfy.UnsupportedError saying so.
See docs/migrating-from-bcc.md.
"""
import importlib
import importlib.abc
import importlib.util
import sys

# bcc module -> bpfy module that implements it
ALIASES = {
    "bcc": "bpfy.compat.bcc_api",
    "bcc.utils": "bpfy.compat.bcc_utils",
    "bcc.syscall": "bpfy.compat.bcc_syscall",
    "bcc.containers": "bpfy.compat.bcc_containers",
    "bcc.exec": "bpfy.compat.bcc_exec",
    "bcc.tcp": "bpfy.compat.bcc_tcp",
    "bcc.table": "bpfy.compat.bcc_table",
    "bcc.usdt": "bpfy.compat.bcc_usdt",
}

# bcc modules that exist in bcc but not here, and why
UNSUPPORTED = {
    "bcc.libbcc": "bcc's C library (libbcc) is not used: bpfy has its own C core",
    "bcc.perf": "bcc.perf (raw perf_event_open through ctypes) is not provided",
    "bcc.disassembler": "the BPF disassembler is not provided (use bpftool prog dump)",
    "bcc.remote": "remote targets (adb, ssh) are not supported",
    "bcc.dwarf": "DWARF reading is not provided",
    "bcc.ctf": "CTF reading is not provided",
    "bcc.procstat": "bcc.procstat is not provided",
    "bcc.usyms": "bcc.usyms is not provided: use BPF.sym()",
    "bcc.topclass": "bcc.topclass is not provided",
    "bcc.tracepoint": "bcc.tracepoint (the old perf-based Tracepoint class) is not provided",
}

DOC = "see docs/migrating-from-bcc.md"


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        return importlib.import_module(self.target)

    def exec_module(self, module):
        pass  # already executed under its bpfy name


class BccFinder(importlib.abc.MetaPathFinder):
    """Resolves bcc and bcc.* to bpfy.compat modules."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "bcc" and not fullname.startswith("bcc."):
            return None
        alias = ALIASES.get(fullname)
        if alias is None:
            why = UNSUPPORTED.get(fullname) or UNSUPPORTED.get(".".join(fullname.split(".")[:2]))
            why = why or "bpfy's bcc compatibility has no such module"
            raise ImportError(f"{fullname}: {why} ({DOC})", name=fullname)
        spec = importlib.util.spec_from_loader(fullname, _AliasLoader(alias),
                                               is_package=(fullname == "bcc"))
        return spec


_finder = BccFinder()


def install():
    """Make `import bcc` resolve to bpfy (idempotent). Also adds bcc's
    histogram methods to bpfy's tables."""
    from .. import histogram
    histogram.install()
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)


def uninstall():
    """Undo install() and forget the bcc modules imported through it."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in [n for n in sys.modules if n == "bcc" or n.startswith("bcc.")]:
        del sys.modules[name]
