"""The events soak: a separate process makes getpgrp() syscalls as fast as
it can for SOAK seconds (default 10; BPFY_EVENTS_SOAK=0 skips), each one a
burst of records into a perf buffer and a ring buffer small enough to
overflow, while this process drains both with read(). Afterwards
delivered + lost must equal the records the BPF side tried to write,
exactly, for both kinds."""
import os
import subprocess
import sys
import time

import pytest

from bpfy import BPF

SOAK = float(os.environ.get("BPFY_EVENTS_SOAK", "10"))
BURST = 8           # records per syscall into each buffer

PROGRAM = r'''
struct event { u64 seq; u32 pid; u32 cpu; };

BPF_PERF_OUTPUT(perf);
BPF_RINGBUF_OUTPUT(ring, 4);   /* 16 KiB: overflows at this rate */
/* records tried per CPU: [0] perf, [1] ring */
BPF_PERCPU_ARRAY(tried, u64, 2);

SEC("tracepoint/syscalls/sys_enter_getpgrp")
int on_getpgrp(void *ctx)
{
    struct event e = {};
    u32 k0 = 0, k1 = 1;
    u64 *perf_tried = tried.lookup(&k0), *ring_tried = tried.lookup(&k1);

    if ((bpf_get_current_pid_tgid() >> 32) != PRODUCER || !perf_tried || !ring_tried)
        return 0;
    e.pid = PRODUCER;
    e.cpu = bpf_get_smp_processor_id();
    for (int i = 0; i < BURST; i++) {
        e.seq = i;
        perf.perf_submit(ctx, &e, sizeof(e));
        *perf_tried += 1;
        ring.ringbuf_output(&e, sizeof(e), 0);
        *ring_tried += 1;
    }
    return 0;
}
'''

# Stops on its own when the test process is gone (a crashed run must not
# leave it spinning) or after a deadline.
PRODUCER = r'''
import os, sys, time
parent, deadline = os.getppid(), time.monotonic() + float(sys.argv[1])
sys.stdin.read(1)
g = os.getpgrp
while os.getppid() == parent and time.monotonic() < deadline:
    for _ in range(512):
        g(); g(); g(); g(); g(); g(); g(); g()
'''


@pytest.mark.skipif(SOAK <= 0, reason="soak disabled by BPFY_EVENTS_SOAK=0")
def test_soak_perf_and_ring_delivered_plus_lost_is_produced():
    child = subprocess.Popen([sys.executable, "-c", PRODUCER, str(SOAK + 60)],
                             stdin=subprocess.PIPE)
    try:
        with BPF(text=PROGRAM, cflags=[f"-DPRODUCER={child.pid}", f"-DBURST={BURST}"]) as b:
            perf, ring = b["perf"], b["ring"]
            perf.open_perf_buffer(None, page_cnt=2, wakeup_events=16)
            ring.open_ring_buffer(None)
            delivered = {"perf": 0, "ring": 0}
            child.stdin.write(b"g")
            child.stdin.close()
            end = time.monotonic() + SOAK
            while time.monotonic() < end:
                delivered["perf"] += len(perf.read(timeout=0.01))
                delivered["ring"] += len(ring.read(timeout=0.01))
            child.kill()
            child.wait()
            # everything written is in the buffers now: take the rest
            delivered["perf"] += len(perf.read())
            delivered["ring"] += len(ring.read())
            tried = {"perf": sum(b["tried"].getvalue(0)), "ring": sum(b["tried"].getvalue(1))}
            lost = {"perf": perf.lost, "ring": ring.lost}
            print(f"\nsoak {SOAK:g}s: tried {tried}, delivered {delivered}, lost {lost}")
            for kind in ("perf", "ring"):
                assert delivered[kind] > 0, f"{kind}: nothing delivered"
                assert delivered[kind] + lost[kind] == tried[kind], kind
            assert lost["ring"] > 0, "a 16 KiB ring at full rate should overflow"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
