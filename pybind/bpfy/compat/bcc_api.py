"""The `bcc` module of bpfy's bcc compatibility (import bcc -> this)."""
import errno
import re
import time

from .. import BPFError, UnsupportedError
from .. import bpf as _bpf
from ..bpf import BPF as _BPF
from ..bpf import Function  # noqa: F401  (bcc exposes it on BPF too)
from . import bcc_containers as containers  # noqa: F401
from . import bcc_exec as exec  # noqa: F401,A001  (bcc's module name)
from . import bcc_syscall as syscall  # noqa: F401
from . import bcc_table as table  # noqa: F401
from . import bcc_tcp as tcp  # noqa: F401
from . import bcc_usdt as usdt  # noqa: F401
from . import bcc_utils as utils  # noqa: F401
from .bcc_usdt import USDT  # noqa: F401
from .bcc_utils import ArgString, StrcmpRewrite  # noqa: F401

DEBUG_LLVM_IR = _bpf.DEBUG_LLVM_IR
DEBUG_BPF = _bpf.DEBUG_BPF
DEBUG_PREPROCESSOR = _bpf.DEBUG_PREPROCESSOR
DEBUG_SOURCE = _bpf.DEBUG_SOURCE
DEBUG_BPF_REGISTER_STATE = _bpf.DEBUG_BPF_REGISTER_STATE
DEBUG_BTF = _bpf.DEBUG_BTF

LINUX_VERSION_CODE = None  # bcc computes it from uname; bpfy programs get CO-RE


class PerfType:
    """perf_event_attr.type values (linux/perf_event.h)."""
    HARDWARE = 0
    SOFTWARE = 1
    TRACEPOINT = 2
    HW_CACHE = 3
    RAW = 4
    BREAKPOINT = 5


class PerfHWConfig:
    """PERF_TYPE_HARDWARE configs."""
    CPU_CYCLES = 0
    INSTRUCTIONS = 1
    CACHE_REFERENCES = 2
    CACHE_MISSES = 3
    BRANCH_INSTRUCTIONS = 4
    BRANCH_MISSES = 5
    BUS_CYCLES = 6
    STALLED_CYCLES_FRONTEND = 7
    STALLED_CYCLES_BACKEND = 8
    REF_CPU_CYCLES = 9


class PerfSWConfig:
    """PERF_TYPE_SOFTWARE configs."""
    CPU_CLOCK = 0
    TASK_CLOCK = 1
    PAGE_FAULTS = 2
    CONTEXT_SWITCHES = 3
    CPU_MIGRATIONS = 4
    PAGE_FAULTS_MIN = 5
    PAGE_FAULTS_MAJ = 6
    ALIGNMENT_FAULTS = 7
    EMULATION_FAULTS = 8
    DUMMY = 9
    BPF_OUTPUT = 10


class BPFProgType:
    """enum bpf_prog_type, as bcc names it: bcc's subset of bpfy.BPF's constants."""


for _name in ("SOCKET_FILTER", "KPROBE", "SCHED_CLS", "SCHED_ACT", "TRACEPOINT", "XDP",
              "PERF_EVENT", "CGROUP_SKB", "CGROUP_SOCK", "LWT_IN", "LWT_OUT", "LWT_XMIT",
              "SOCK_OPS", "SK_SKB", "CGROUP_DEVICE", "SK_MSG", "RAW_TRACEPOINT",
              "CGROUP_SOCK_ADDR", "TRACING", "LSM"):
    setattr(BPFProgType, _name, getattr(_BPF, _name))
del _name


class BPFAttachType:
    """enum bpf_attach_type, as bcc names it."""
    CGROUP_INET_INGRESS = 0
    CGROUP_INET_EGRESS = 1
    CGROUP_INET_SOCK_CREATE = 2
    CGROUP_SOCK_OPS = 3
    SK_SKB_STREAM_PARSER = 4
    SK_SKB_STREAM_VERDICT = 5
    CGROUP_DEVICE = 6
    SK_MSG_VERDICT = 7
    CGROUP_INET4_BIND = 8
    CGROUP_INET6_BIND = 9
    CGROUP_INET4_CONNECT = 10
    CGROUP_INET6_CONNECT = 11
    CGROUP_INET4_POST_BIND = 12
    CGROUP_INET6_POST_BIND = 13
    CGROUP_UDP4_SENDMSG = 14
    CGROUP_UDP6_SENDMSG = 15
    LIRC_MODE2 = 16
    FLOW_DISSECTOR = 17
    CGROUP_SYSCTL = 18
    CGROUP_UDP4_RECVMSG = 19
    CGROUP_UDP6_RECVMSG = 20
    CGROUP_GETSOCKOPT = 21
    CGROUP_SETSOCKOPT = 22
    TRACE_RAW_TP = 23
    TRACE_FENTRY = 24
    TRACE_FEXIT = 25
    MODIFY_RETURN = 26
    LSM_MAC = 27
    TRACE_ITER = 28


def _text(value):
    return value.decode() if isinstance(value, bytes) else value


class BPF(_BPF):
    """bcc's BPF on bpfy: bpfy.BPF plus the static helpers bcc tools call."""

    Function = Function

    @staticmethod
    def support_raw_tracepoint():
        """Raw tracepoints: always there on the kernels bpfy supports (BTF)."""
        return True

    @staticmethod
    def support_raw_tracepoint_in_module():
        return True

    @staticmethod
    def monotonic_time():
        """CLOCK_MONOTONIC in nanoseconds (bpf_ktime_get_ns's clock)."""
        return time.monotonic_ns()

    @staticmethod
    def free_bcc_memory():
        """bcc frees its LLVM memory here; bpfy holds none: a no-op."""
        return 0

    @staticmethod
    def add_module(modname):
        """bcc reloads kernel symbols of a module; bpfy reads /proc/kallsyms
        on demand: a no-op."""
        return True

    @staticmethod
    def get_user_functions_and_addresses(name, sym_re):
        """[(name bytes, file offset)] of functions in binary/library name
        whose names match sym_re."""
        from .. import _bpfy, syms
        path = syms.resolve_binary(name)
        pattern = re.compile(_text(sym_re))
        return [(n.encode(), off) for n, _, off in _bpfy.BPF._elf_symbols(path)
                if pattern.match(n)]

    @staticmethod
    def get_user_functions(name, sym_re):
        return {n for n, _ in BPF.get_user_functions_and_addresses(name, sym_re)}

    @staticmethod
    def get_user_addresses(name, sym_re):
        return {a for _, a in BPF.get_user_functions_and_addresses(name, sym_re)}

    def dump_func(self, func_name):
        raise UnsupportedError(errno.ENOTSUP, "dump_func: use bpftool prog dump xlated")

    def decode_table(self, table_name, sizeinfo=False):
        raise UnsupportedError(errno.ENOTSUP, "decode_table is not supported by bpfy")


class _Unsupported:
    """Stands for a bcc name bpfy does not provide: any use raises
    UnsupportedError naming it."""

    def __init__(self, name, why):
        self._name, self._why = name, why

    def _fail(self, *args, **kwargs):
        raise UnsupportedError(errno.ENOTSUP, f"bcc.{self._name}: {self._why} "
                                              "(see docs/migrating-from-bcc.md)")

    __call__ = _fail

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        self._fail()


lib = _Unsupported("lib", "libbcc's C functions (ctypes) are not available; bpfy has its "
                          "own C core")

__all__ = ["BPF", "USDT", "ArgString", "StrcmpRewrite", "PerfType", "PerfHWConfig",
           "PerfSWConfig", "BPFProgType", "BPFAttachType", "BPFError", "UnsupportedError"]
