"""python3 -m bpfy: one-liners and ahead-of-time compilation.

    python3 -m bpfy -e 'TRACEPOINT_PROBE(raw_syscalls, sys_enter) { ... }' -d 5
    python3 -m bpfy -f prog.c -p 1234 --json
    python3 -m bpfy compile prog.c -o prog.bpfy.o

A one-liner is compiled, loaded and auto-attached (TRACEPOINT_PROBE,
RAW_TRACEPOINT_PROBE, tracepoint__cat__event, libbpf SEC() programs); it runs
until Ctrl-C, SIGTERM or -d SECONDS, printing bpf_trace_printk output as it
comes, then prints every map: BPF_HISTOGRAM maps as log2 bar charts, others
sorted by value, syscall numbers as names, stack ids as symbols. With --json
each trace line and the final maps are JSON objects, one per line.

Exit status: 0 on success, 1 when compiling, verifying or attaching failed
(the error is printed on stderr), 2 on bad usage.
"""
import argparse
import json
import os
import select
import signal
import sys
import time

from . import display, histogram

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


class _Stopper:
    """SIGINT/SIGTERM set a flag and wake select() through a pipe (signal's
    wakeup fd), so that no read is ever cut in half by an exception."""

    def __init__(self):
        self.stopped = False
        self.rfd, self.wfd = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self.old = {}

    def _handler(self, signum, frame):
        self.stopped = True

    def __enter__(self):
        for sig in (signal.SIGINT, signal.SIGTERM):
            self.old[sig] = signal.signal(sig, self._handler)
        self.old_wakeup = signal.set_wakeup_fd(self.wfd, warn_on_full_buffer=False)
        return self

    def __exit__(self, *exc):
        signal.set_wakeup_fd(self.old_wakeup)
        for sig, handler in self.old.items():
            signal.signal(sig, handler)
        os.close(self.rfd)
        os.close(self.wfd)

    def wait(self, fds, timeout):
        """select() on fds and the wakeup pipe: the fds that are readable."""
        if self.stopped:
            return []
        ready, _, _ = select.select(list(fds) + [self.rfd], [], [], max(timeout, 0))
        return [fd for fd in ready if fd != self.rfd]


def _run_parser():
    parser = argparse.ArgumentParser(
        prog="python3 -m bpfy",
        description="Run a BPF C one-liner: compile, attach, print trace_printk output as it "
                    "comes and every map at exit. 'python3 -m bpfy compile -h' compiles ahead "
                    "of time.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("-e", "--expr", metavar="SOURCE", help="BPF C source text")
    source.add_argument("-f", "--file", metavar="FILE", help="BPF C source file (or .bpfy.o)")
    parser.add_argument("-d", "--duration", type=float, metavar="SECONDS",
                        help="stop after SECONDS (default: at Ctrl-C)")
    parser.add_argument("-p", "--pid", type=int, help="define FILTER_PID=PID for the program")
    parser.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME[=VAL]",
                        help="define a macro (repeatable)")
    parser.add_argument("-I", dest="includes", action="append", default=[], metavar="DIR",
                        help="add an include directory (repeatable)")
    parser.add_argument("--json", action="store_true",
                        help="machine output: one JSON object per line")
    parser.add_argument("--syscall-keys", action="append", default=[], metavar="MAP",
                        help="decode MAP's integer keys as syscall names (repeatable); maps "
                             "named like 'syscalls' or 'syscall_ids' are decoded anyway")
    parser.add_argument("--top", type=int, default=None, metavar="N",
                        help="print only the N largest entries of each map")
    parser.add_argument("--no-trace", action="store_true",
                        help="do not read trace_pipe even if the program prints")
    return parser


def _compile_parser():
    parser = argparse.ArgumentParser(
        prog="python3 -m bpfy compile",
        description="Compile BPF C ahead of time into a CO-RE object that "
                    "BPF(obj_file=...) loads without clang.")
    parser.add_argument("source", help="BPF C source file")
    parser.add_argument("-o", "--output", help="output file (default: SOURCE with .bpfy.o)")
    parser.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME[=VAL]")
    parser.add_argument("-I", dest="includes", action="append", default=[], metavar="DIR")
    return parser


def _cflags(args):
    flags = [f"-D{d}" for d in args.defines] + [f"-I{i}" for i in args.includes]
    if getattr(args, "pid", None) is not None:
        flags.append(f"-DFILTER_PID={args.pid}")
    return flags


def _error(exc):
    """Print a bpfy error for a user: the message, then clang's or the
    verifier's log when it says more."""
    message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    print(f"bpfy: error: {message}", file=sys.stderr)
    log = getattr(exc, "log", None)
    if log:
        log = log.decode(errors="replace") if isinstance(log, bytes) else str(log)
        if log.strip() and log.strip() not in message:
            print(log.rstrip(), file=sys.stderr)


def output_path(source):
    """prog.c -> prog.bpfy.o (beside the source)."""
    base = source[:-2] if source.endswith(".c") else source
    return base + ".bpfy.o"


def compile_main(argv):
    """python3 -m bpfy compile SOURCE [-o OUT]: write the ELF object."""
    from . import BPFError, _bpfy, paths
    args = _compile_parser().parse_args(argv)
    try:
        with open(args.source, encoding="utf-8") as f:
            source = f.read()
    except OSError as exc:
        print(f"bpfy: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    try:
        elf = _bpfy.compile(source, source_name=args.source, cflags=_cflags(args),
                            include_dir=paths.include_dir())
    except BPFError as exc:
        _error(exc)
        return EXIT_ERROR
    out = args.output or output_path(args.source)
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(elf)
    os.replace(tmp, out)
    print(f"{out}: {len(elf)} bytes", file=sys.stderr)
    return EXIT_OK


def _load(args):
    from . import BPF
    if args.file and args.file.endswith(".o"):
        return BPF(obj_file=args.file), None  # source unknown: trace_pipe is read
    if args.file:
        with open(args.file, encoding="utf-8") as f:
            source = f.read()
        return BPF(text=source, cflags=_cflags(args)), source
    return BPF(text=args.expr, cflags=_cflags(args)), args.expr


def _prints(source):
    if source is None:
        return True
    return "trace_printk" in source or "bpf_printk" in source or "bpf_trace_vprintk" in source


class _TraceReader:
    """Lines of trace_pipe as they come, without blocking past a deadline.

    Reads the pipe itself rather than through trace_readline(nonblocking=True),
    whose b"" means both "nothing waiting" and an empty line (the kernel ends
    each message with a newline of its own, so "msg\n" gives one)."""

    def __init__(self, bpf):
        self.pipe = bpf.trace_open(nonblocking=True)
        self.buffer = b""

    def lines(self):
        while True:
            try:
                chunk = os.read(self.pipe.fileno(), 65536)
            except BlockingIOError:
                chunk = b""
            if not chunk:
                break
            self.buffer += chunk
        *complete, self.buffer = self.buffer.split(b"\n")
        for line in complete:
            if line.strip() and not line.startswith(b"CPU:"):
                yield line


def _emit_trace(line, as_json):
    from . import tracefs
    if not as_json:
        print(line.decode(errors="replace"), flush=True)
        return
    fields = tracefs.parse_trace_line(line)
    if fields:
        task, pid, cpu, flags, ts, msg = fields
        obj = {"type": "trace", "task": display.plain(task), "pid": pid, "cpu": cpu,
               "ts": ts, "msg": display.plain(msg)}
    else:
        obj = {"type": "trace", "line": line.decode(errors="replace")}
    print(json.dumps(obj), flush=True)


def _trace_loop(stopper, reader, args):
    deadline = time.monotonic() + args.duration if args.duration else None
    fds = [reader.pipe] if reader is not None else []
    while not stopper.stopped:
        left = deadline - time.monotonic() if deadline else 3600.0
        if left <= 0:
            return
        if stopper.wait(fds, min(left, 3600.0)):
            _drain(reader, args)


def _drain(reader, args):
    for line in reader.lines():
        _emit_trace(line, args.json)


def _print_maps(bpf, source, args):
    declared = display.histogram_names(source)
    flagged = set(args.syscall_keys)
    names = [n for n in bpf.tables() if not n.startswith(".")]
    unknown = flagged - set(names)
    if unknown:
        print(f"bpfy: warning: --syscall-keys names no map: {', '.join(sorted(unknown))}",
              file=sys.stderr)
    if args.json:
        maps = {}
        for name in names:
            table = bpf[name]
            if not hasattr(table, "items"):
                continue  # event buffers: nothing to dump
            maps[name] = display.table_data(table, bpf, flagged=flagged, declared=declared,
                                            top=args.top)
        print(json.dumps({"type": "maps", "maps": maps}), flush=True)
        return
    blocks = []
    for name in names:
        table = bpf[name]
        if not hasattr(table, "items"):
            continue
        blocks.append(display.render(bpf, name, flagged=flagged, declared=declared,
                                     top=args.top))
    if blocks:
        print("\n" + "\n\n".join(blocks), flush=True)


def run_main(argv):
    """python3 -m bpfy -e SOURCE | -f FILE [...]: see the module docstring."""
    from . import BPFError
    histogram.install()
    args = _run_parser().parse_args(argv)
    if args.duration is not None and args.duration < 0:
        print("bpfy: error: -d must not be negative", file=sys.stderr)
        return EXIT_USAGE
    with _Stopper() as stopper:
        try:
            bpf, source = _load(args)
        except (BPFError, OSError, NotImplementedError, TypeError, ValueError) as exc:
            _error(exc)
            return EXIT_ERROR
        with bpf:
            who = f"pid {args.pid}" if args.pid is not None else "all processes"
            span = f"{args.duration:g} s" if args.duration else "until Ctrl-C"
            print(f"Tracing ({who}) for {span}...", file=sys.stderr, flush=True)
            reader = _TraceReader(bpf) if _prints(source) and not args.no_trace else None
            _trace_loop(stopper, reader, args)
            if reader is not None:
                _drain(reader, args)  # what came while stopping
            _print_maps(bpf, source, args)
    return EXIT_OK


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] == "compile":
        return compile_main(argv[1:])
    return run_main(argv)
