"""The bcc-compatible front end: `BPF(text=...)` / `BPF(src_file=...)`.

The work happens in the C type `_bpfy.BPF`; this subclass adds bcc's
constructor signature and the conveniences that are not hot paths
(trace_pipe reading, tracepoint listing, program type constants).
"""
import os
import sys

from . import _bpfy, paths, tracefs
from .attach import AttachMixin, _count_links
from .events import EventsMixin

# bcc's debug flags
DEBUG_LLVM_IR = 0x1
DEBUG_BPF = 0x2
DEBUG_PREPROCESSOR = 0x4
DEBUG_SOURCE = 0x8
DEBUG_BPF_REGISTER_STATE = 0x10
DEBUG_BTF = 0x20


class Function:
    """A loaded function: what bcc's load_func returns."""

    __slots__ = ("bpf", "name", "fd", "sock")

    def __init__(self, bpf, name, fd):
        self.bpf = bpf
        self.name = name
        self.fd = fd
        self.sock = None  # attach_raw_socket sets the socket fd, as bcc does

    def __repr__(self):
        return f"Function(name={self.name!r}, fd={self.fd})"


def _as_text(value):
    return value.decode() if isinstance(value, bytes) else value


def _find_source_file(src_file):
    """bcc looks for a relative src_file beside the running script too."""
    if os.path.exists(src_file):
        return src_file
    script_dir = os.path.dirname(os.path.abspath(sys.argv[0] or "."))
    candidate = os.path.join(script_dir, src_file)
    return candidate if os.path.exists(candidate) else src_file


class BPF(AttachMixin, EventsMixin, _bpfy.BPF):
    """Compile, load and attach a BPF program.

    BPF(src_file="", hdr_file="", text=None, debug=0, cflags=(), ...)

    Exactly one of text (a str or bytes of BPF C) or src_file (a path) gives
    the program. Functions named tracepoint__<cat>__<event>,
    raw_tracepoint__<name>, or with a libbpf SEC("tracepoint/...") section are
    attached at once; others attach through attach_* methods.
    """

    # enum bpf_prog_type, under bcc's names
    SOCKET_FILTER = 1
    KPROBE = 2
    SCHED_CLS = 3
    SCHED_ACT = 4
    TRACEPOINT = 5
    XDP = 6
    PERF_EVENT = 7
    CGROUP_SKB = 8
    CGROUP_SOCK = 9
    LWT_IN = 10
    LWT_OUT = 11
    LWT_XMIT = 12
    SOCK_OPS = 13
    SK_SKB = 14
    CGROUP_DEVICE = 15
    SK_MSG = 16
    RAW_TRACEPOINT = 17
    CGROUP_SOCK_ADDR = 18
    SK_REUSEPORT = 21
    FLOW_DISSECTOR = 22
    CGROUP_SYSCTL = 23
    CGROUP_SOCKOPT = 25
    TRACING = 26
    STRUCT_OPS = 27
    EXT = 28
    LSM = 29
    SK_LOOKUP = 30
    SYSCALL = 31
    NETFILTER = 32

    _trace_pipe = None

    def __init__(self, src_file="", hdr_file="", text=None, debug=0, cflags=(),
                 usdt_contexts=(), allow_rlimit=True, device=None,
                 attach_usdt_ignore_pid=False, cache_dir=None, no_cache=False,
                 obj_file=None):
        src_file = _as_text(src_file)
        hdr_file = _as_text(hdr_file)
        if sum(1 for given in (text is not None, bool(src_file), obj_file is not None) if given) > 1:
            raise ValueError("give one of text, src_file or obj_file")
        self.debug = debug
        if obj_file is not None:
            # compiled ahead of time (python3 -m bpfy compile): no compiler needed
            with open(obj_file, "rb") as f:
                elf = f.read()
            super().__init__("", source_name=os.fspath(obj_file), elf=elf)
            for context in usdt_contexts:
                context.attach(self)
            return
        if text is not None:
            source, source_name = _as_text(text), "<text>"
        elif src_file:
            source_name = _find_source_file(src_file)
            with open(source_name, encoding="utf-8") as f:
                source = f.read()
        else:
            raise ValueError("BPF needs text=, src_file= or obj_file=")
        if hdr_file:
            with open(_find_source_file(hdr_file), encoding="utf-8") as f:
                source = f.read() + "\n" + source
        if device is not None:
            raise NotImplementedError("device offload is not supported")
        super().__init__(
            source,
            source_name=source_name,
            cflags=[_as_text(flag) for flag in cflags],
            include_dir=paths.include_dir(),
            cache_dir=cache_dir,
            no_cache=no_cache,
            keep_source=bool(debug & (DEBUG_PREPROCESSOR | DEBUG_SOURCE)),
            log_level=2 if debug & DEBUG_BPF_REGISTER_STATE else (1 if debug & DEBUG_BPF else 0),
        )
        if self.generated_source is not None:
            print(self.generated_source, file=sys.stderr)
        for context in usdt_contexts:
            context.attach(self)

    # -- attaching (bcc's keyword names) ---------------------------------------

    def attach_tracepoint(self, tp=b"", tp_re=b"", fn_name=b""):
        """Attach fn_name to tracepoint tp ("category:event"), or to every
        tracepoint matching the regular expression tp_re."""
        targets = tracefs.get_tracepoints(tp_re) if tp_re else [_as_text(tp)]
        if tp_re and not targets:
            raise _bpfy.BPFError(2, f"no tracepoint matches {_as_text(tp_re)!r}")
        for target in targets:
            super().attach_tracepoint(target, fn_name)
        return self

    def detach_tracepoint(self, tp=b"", fn_name=None):
        """Detach what attach_tracepoint attached at tp."""
        super().detach_tracepoint(tp, fn_name)

    def attach_raw_tracepoint(self, tp=b"", fn_name=b""):
        """Attach fn_name to raw tracepoint tp (e.g. "sched_switch")."""
        super().attach_raw_tracepoint(tp, fn_name)
        return self

    def detach_raw_tracepoint(self, tp=b"", fn_name=None):
        """Detach what attach_raw_tracepoint attached at tp."""
        super().detach_raw_tracepoint(tp, fn_name)

    def load_func(self, func_name, prog_type, device=None, attach_type=-1):
        """Load func_name as a program of prog_type (BPF.TRACEPOINT, ...) and
        return a Function whose fd stays owned by this object."""
        if device is not None:
            raise NotImplementedError("device offload is not supported")
        fd = self._load_func(func_name, prog_type, attach_type if attach_type >= 0 else 0)
        return Function(self, _as_text(func_name), fd)

    def num_open_tracepoints(self):
        """How many tracepoint attachments (auto or explicit) are alive."""
        return _count_links(self, ("tracepoint",), sections=("tracepoint/", "tp/"))

    def __getitem__(self, name):
        return super().__getitem__(name)

    def get_table(self, name, keytype=None, leaftype=None, reducer=None):
        """The table named name; same as b[name]. Keys and values are decoded
        from BTF, so keytype/leaftype (bcc's ctypes hints) are not needed and
        are ignored. With reducer (per-CPU tables), reading an entry gives
        functools.reduce(reducer, per_cpu_values) instead of the list."""
        table = super().get_table(name)
        if reducer is None:
            return table
        from .reduced import ReducedTable
        return ReducedTable(table, reducer)

    def __iter__(self):
        return iter(self.tables())

    # -- kernel types (from the running kernel's BTF) ------------------------------

    @staticmethod
    def kernel_struct_has_field(struct_name, field_name):
        """1 when the running kernel's struct struct_name has field_name, else 0."""
        return int(_bpfy.kernel_struct_has_field(_as_text(struct_name), _as_text(field_name)))

    @staticmethod
    def kernel_enum_has_val(enum_name, value_name):
        """1 when the running kernel's enum enum_name ("" for any) has value_name, else 0."""
        return int(_bpfy.kernel_enum_has_val(_as_text(enum_name), _as_text(value_name)))

    # -- tracepoints -----------------------------------------------------------

    @staticmethod
    def tracepoint_exists(tp_category, tp_event):
        """True when the kernel has tracepoint tp_category:tp_event."""
        return tracefs.tracepoint_exists(tp_category, tp_event)

    @staticmethod
    def get_tracepoints(tp_re):
        """Every "category:event" matching the regular expression tp_re."""
        return tracefs.get_tracepoints(tp_re)

    # -- trace_pipe (bpf_trace_printk output) -------------------------------------

    def trace_open(self, nonblocking=False):
        """Open the kernel's trace_pipe (shared by every bpf_trace_printk user
        on the machine); closed by close()."""
        if self._trace_pipe is None:
            path = os.path.join(tracefs.ensure_mounted(), "trace_pipe")
            self._trace_pipe = open(path, "rb", buffering=0)
            self._trace_buffer = bytearray()
        os.set_blocking(self._trace_pipe.fileno(), not nonblocking)
        return self._trace_pipe

    def trace_readline(self, nonblocking=False):
        """One line of trace_pipe as bytes, without its newline; None when
        nonblocking and nothing is waiting (as bcc)."""
        pipe = self.trace_open(nonblocking)
        while True:
            newline = self._trace_buffer.find(b"\n")
            if newline >= 0:
                line = bytes(self._trace_buffer[:newline])
                del self._trace_buffer[:newline + 1]
                return line
            try:
                chunk = pipe.read(65536)
            except BlockingIOError:
                chunk = None
            if not chunk:
                if nonblocking or chunk == b"":
                    return None
                continue
            self._trace_buffer += chunk

    def trace_fields(self, nonblocking=False):
        """(task, pid, cpu, flags, ts, msg) of the next bpf_trace_printk line;
        six Nones when nonblocking and nothing is waiting. Lines that are not
        trace records (blank lines after messages ending in a newline, lost-
        event notices) are skipped."""
        while True:
            line = self.trace_readline(nonblocking)
            if line is None:
                return (None,) * 6
            fields = tracefs.parse_trace_line(line)
            if fields:
                return fields

    def trace_print(self, fmt=None):
        """Print trace_pipe lines until interrupted; fmt may use the fields
        task, pid, cpu, flags, ts and msg by position, e.g. "{1} {5}"."""
        while True:
            if fmt:
                fields = self.trace_fields()
                line = fmt.format(*[f.decode(errors="replace") if isinstance(f, bytes) else f
                                    for f in fields])
            else:
                line = self.trace_readline()
                if not line:
                    continue  # the blank line after a message ending in a newline
                line = line.decode(errors="replace")
            print(line, flush=True)

    def close(self):
        """Detach every program, release every fd (and the trace pipe). Idempotent."""
        if self._trace_pipe is not None:
            self._trace_pipe.close()
            self._trace_pipe = None
        super().close()

    cleanup = close
