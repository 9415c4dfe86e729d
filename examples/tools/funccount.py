#!/usr/bin/python3
"""funccount: count events matching a pattern: tracepoints (t:cat:event,
wildcards allowed) or user functions (u:lib_or_path:function, wildcards).

    funccount.py 't:syscalls:sys_enter_get*' -d 3
    funccount.py 'u:c:str*' -p 1234
"""
import argparse
import fnmatch
import re

from bpfy import BPF
from bpfy import tracefs

from _common import filter_cflags, wait_until_interrupted

HEADER = r'''
BPF_ARRAY(counts, u64, NPROBES);
'''

PROBE = r'''
int trace_count_{i}(void *ctx) {{
#ifdef FILTER_PID
    if ((bpf_get_current_pid_tgid() >> 32) != FILTER_PID)
        return 0;
#endif
    int index = {i};
    u64 *val = counts.lookup(&index);
    if (val)
        __sync_fetch_and_add(val, 1);
    return 0;
}}
'''


def parse(pattern):
    """(kind, library, glob) from t:cat:event / u:lib:func / cat:event."""
    parts = pattern.split(":")
    if parts[0] == "u" and len(parts) == 3:
        return "u", parts[1], parts[2]
    if parts[0] == "t" and len(parts) == 3:
        return "t", None, f"{parts[1]}:{parts[2]}"
    if len(parts) == 2:
        return "t", None, pattern
    raise SystemExit(f"funccount: cannot parse pattern {pattern!r} "
                     "(t:cat:event or u:lib:func; kprobes are not available here)")


def main():
    parser = argparse.ArgumentParser(description="Count tracepoints or user functions")
    parser.add_argument("pattern", help="t:cat:event* or u:lib:func*")
    parser.add_argument("-p", "--pid", type=int, help="only this process")
    parser.add_argument("-d", "--duration", type=float, help="seconds to trace")
    args = parser.parse_args()
    kind, library, glob = parse(args.pattern)
    regex = fnmatch.translate(glob)
    if kind == "t":
        targets = sorted(tracefs.get_tracepoints(regex))
    else:
        targets = sorted(set(name for name, _ in BPF.get_user_functions_and_addresses(
            library, regex))) if hasattr(BPF, "get_user_functions_and_addresses") else None
        if targets is None:
            from bpfy import _bpfy, syms
            path = syms.resolve_binary(library)
            targets = sorted({n for n, _, _ in _bpfy.BPF._elf_symbols(path)
                              if re.match(regex, n)})
    if not targets:
        raise SystemExit(f"funccount: nothing matches {args.pattern!r}")
    text = HEADER + "".join(PROBE.format(i=i) for i in range(len(targets)))
    cflags = [f"-DNPROBES={len(targets)}"] + filter_cflags(FILTER_PID=args.pid)
    b = BPF(text=text, cflags=cflags)
    for i, target in enumerate(targets):
        if kind == "t":
            b.attach_tracepoint(tp=target, fn_name=f"trace_count_{i}")
        else:
            b.attach_uprobe(name=library, sym=target, fn_name=f"trace_count_{i}",
                            pid=args.pid if args.pid else -1)
    wait_until_interrupted(f"Tracing {len(targets)} functions for \"{args.pattern}\"... "
                           "Hit Ctrl-C to end.", args.duration)
    counts = b["counts"]
    print(f"{'FUNC':<36} {'COUNT':>8}")
    rows = [(targets[i], counts[i].value) for i in range(len(targets)) if counts[i].value]
    for name, count in sorted(rows, key=lambda r: r[1]):
        print(f"{name:<36} {count:>8}")
    b.close()


if __name__ == "__main__":
    main()
