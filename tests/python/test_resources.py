"""Resource safety: a BPF object loaded, attached, used and released 1,000
times leaves the process's fds and the kernel's programs and links as they
were, and its memory flat; the same when objects are dropped without
close() or closed by `with`. close() is idempotent and everything used after
it raises ValueError.

The program is a raw tracepoint (detach costs ~0.1 ms here, a tracepoint's
~60 ms) with a hash map, a ring buffer and a perf buffer, all fed by this
process's getppid() calls."""
import gc
import os
import subprocess

import pytest

from bpfy import BPF
from bpfy_guards import kernel_baseline, leaked_kernel_objects, open_fds

PID = os.getpid()
SYS_GETPPID = 110
ROUNDS = 1000
WARMUP = 20
RSS_BUDGET = 1 << 20

PROGRAM = r'''
struct event { u32 pid; u32 nr; };
BPF_HASH(counts, u32, u64, 64);
BPF_RINGBUF_OUTPUT(ring, 1);
BPF_PERF_OUTPUT(perf);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != TARGET_PID)
        return 0;
    u32 nr = ctx->args[1];
    counts.increment(nr);
    if (nr != SYS_GETPPID_NR)
        return 0;
    struct event e = { .pid = TARGET_PID, .nr = nr };
    ring.ringbuf_output(&e, sizeof(e), 0);
    perf.perf_submit(ctx, &e, sizeof(e));
    return 0;
}

/* attached explicitly, so that the loop also makes and destroys a link of its own */
int on_exit(struct bpf_raw_tracepoint_args *ctx) {
    if ((bpf_get_current_pid_tgid() >> 32) != TARGET_PID)
        return 0;
    u32 key = 0xffffffff;
    counts.increment(key);
    return 0;
}
'''
CFLAGS = [f"-DTARGET_PID={PID}", f"-DSYS_GETPPID_NR={SYS_GETPPID}"]


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def use(b):
    """Attach, trigger, read every kind of map; returns nothing kept alive."""
    b.attach_raw_tracepoint(tp="sys_exit", fn_name="on_exit")
    ring_events, perf_events = [], []
    b["ring"].open_ring_buffer(lambda ctx, data, size: ring_events.append(size))
    b["perf"].open_perf_buffer(lambda cpu, data, size: perf_events.append(size))
    os.getppid()
    counts = b["counts"]
    assert counts[SYS_GETPPID].value >= 1
    assert counts[0xffffffff].value >= 1
    b.ring_buffer_consume()
    b.perf_buffer_consume()
    assert ring_events and perf_events


def cycle_close():
    b = BPF(text=PROGRAM, cflags=CFLAGS)
    use(b)
    b.close()


def cycle_with():
    with BPF(text=PROGRAM, cflags=CFLAGS) as b:
        use(b)


@pytest.mark.parametrize("cycle", [cycle_close, cycle_with], ids=["close", "with"])
def test_thousand_cycles_keep_fds_kernel_and_memory_flat(cycle):
    check_thousand_cycles(cycle)


def check_thousand_cycles(cycle, collect_every=0):
    """Runs cycle() ROUNDS times after a warm-up; fds, kernel objects and RSS
    must end where they started. collect_every: run the cycle collector every
    that many cycles (0: never explicitly)."""
    for _ in range(WARMUP):     # caches, codecs, arenas reach their steady size
        cycle()
    gc.collect()
    fds, kernel, memory = open_fds(), kernel_baseline(), rss()
    for i in range(ROUNDS):
        cycle()
        if collect_every and i % collect_every == 0:
            gc.collect()
    gc.collect()
    assert open_fds() == fds
    assert not leaked_kernel_objects(kernel)
    grown = rss() - memory
    assert grown < RSS_BUDGET, f"RSS grew {grown} bytes over {ROUNDS} cycles"


def test_close_is_idempotent_and_closed_objects_raise():
    b = BPF(text=PROGRAM, cflags=CFLAGS)
    use(b)
    counts, ring, perf = b["counts"], b["ring"], b["perf"]
    b.close()
    b.close()
    assert b.closed and counts.closed and ring.closed and perf.closed
    with pytest.raises(ValueError):     # as sqlite3: a closed object cannot be entered
        with b:
            pass
    ops = [
        lambda: b["counts"],
        lambda: b.attach_raw_tracepoint(tp="sys_exit", fn_name="on_exit"),
        lambda: b.detach_raw_tracepoint(tp="sys_exit"),
        lambda: b.attach_tracepoint(tp="syscalls:sys_enter_getppid", fn_name="on_exit"),
        lambda: b.load_func("on_exit", BPF.RAW_TRACEPOINT),
        lambda: b.tables(),
        lambda: b.ring_buffer_poll(0),
        lambda: b.perf_buffer_poll(0),
        lambda: b.ring_buffer_consume(),
        lambda: b.perf_buffer_consume(),
        lambda: counts[SYS_GETPPID],
        lambda: counts.__setitem__(1, 1),
        lambda: counts.__delitem__(1),
        lambda: list(counts.items()),
        lambda: len(counts),
        lambda: counts.clear(),
        lambda: ring.open_ring_buffer(lambda *a: None),
        lambda: perf.open_perf_buffer(lambda *a: None),
        lambda: ring.fileno(),
        lambda: perf.fileno(),
    ]
    for i, op in enumerate(ops):
        with pytest.raises(ValueError, match="closed"):
            op()
    for table in (counts, ring, perf):
        table.close()
        table.close()


def test_context_manager_closes_on_exception():
    with pytest.raises(ZeroDivisionError):
        with BPF(text=PROGRAM, cflags=CFLAGS) as b:
            use(b)
            1 / 0
    assert b.closed
    with pytest.raises(ValueError):
        b["counts"]


def test_kernel_guard_sees_a_pinned_program(tmp_path):
    """The conftest guard's own check: a program kept alive by a pin (as a
    netlink XDP or a cgroup attachment without a link would keep it) is found,
    and forgotten once the pin goes."""
    kernel = kernel_baseline()
    pin = f"/sys/fs/bpf/bpfy-test-{PID}"
    with BPF(text=PROGRAM, cflags=CFLAGS) as b:
        fn = b.load_func("on_exit", BPF.RAW_TRACEPOINT)
        with open(f"/proc/self/fdinfo/{fn.fd}") as f:
            prog_id = next(line.split()[1] for line in f if line.startswith("prog_id:"))
        subprocess.run(["bpftool", "prog", "pin", "id", prog_id, pin], check=True)
        assert fn.fd > 2
    try:
        left = leaked_kernel_objects(kernel, settle=0.5)
        assert left == {"prog": [int(prog_id)]}
    finally:
        os.unlink(pin)
    assert not leaked_kernel_objects(kernel)
