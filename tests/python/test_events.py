"""Perf buffers, ring buffers and user ring buffers against the running
kernel: real, pid-filtered producers (this process's syscalls), losses
accounted exactly under deliberate overflow, exceptions, Ctrl-C, selectors
and asyncio. One BPF object is shared by the module (detach costs ~60 ms);
each test opens and closes the buffers it uses."""
import asyncio
import ctypes
import errno
import os
import selectors
import signal
import threading

import pytest

from bpfy import BPF, BPFError

PID = os.getpid()
CPUS = sorted(os.sched_getaffinity(0))
BURST = 600          # records per getpgrp() burst into the one-page perf buffer
RING_BURST = 200     # ... into each 4 KiB ring (128 records of 32 bytes fit)

PROGRAM = r'''
struct event { u32 pid; u32 cpu; u64 seq; u64 tag; };
struct echo { u64 a; u64 b; u64 sum; };

/* dialect declarations: events.perf_submit()/rb.ringbuf_output() record
 * the struct they carry, and (once the dialect counts ring buffer losses)
 * BPF_RINGBUF_OUTPUT(x, n) declares x__lost and bumps it on failure */
BPF_PERF_OUTPUT(events);
BPF_RINGBUF_OUTPUT(rb, 64);
BPF_RINGBUF_OUTPUT(small, 1);
BPF_RINGBUF_OUTPUT(echoes, 1);
struct { __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY); __uint(key_size, 4); __uint(value_size, 4); } pfull SEC(".maps");
/* a ring declared by hand, with the loss counter the table sums, bumped by hand */
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 1 << 12); } rawring SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 1); __type(key, u32); __type(value, u64); } rawring__lost SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_USER_RINGBUF); __uint(max_entries, 1 << 12); } u SEC(".maps");
/* records the program tried to write: [0] pfull, [1] small, [2] rawring */
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 3); __type(key, u32); __type(value, u64); } produced SEC(".maps");

u64 seq;

static __always_inline int mine(void)
{
    return (bpf_get_current_pid_tgid() >> 32) == TARGET_PID;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int on_getppid(void *ctx)
{
    struct event e = {};

    if (!mine())
        return 0;
    e.pid = TARGET_PID;
    e.cpu = bpf_get_smp_processor_id();
    e.seq = __sync_fetch_and_add(&seq, 1);
    events.perf_submit(ctx, &e, sizeof(e));
    rb.ringbuf_output(&e, sizeof(e), 0);
    return 0;
}

SEC("tracepoint/syscalls/sys_enter_getpgrp")
int on_getpgrp(void *ctx)
{
    struct event e = {};
    u32 k0 = 0, k1 = 1, k2 = 2;
    u64 *p0, *p1, *p2, *lost;

    if (!mine())
        return 0;
    p0 = bpf_map_lookup_elem(&produced, &k0);
    p1 = bpf_map_lookup_elem(&produced, &k1);
    p2 = bpf_map_lookup_elem(&produced, &k2);
    lost = bpf_map_lookup_elem(&rawring__lost, &k0);
    if (!p0 || !p1 || !p2 || !lost)
        return 0;
    e.pid = TARGET_PID;
    e.cpu = bpf_get_smp_processor_id();
    for (int i = 0; i < BURST; i++) {
        e.seq = i;
        bpf_perf_event_output(ctx, &pfull, BPF_F_CURRENT_CPU, &e, sizeof(e));
        __sync_fetch_and_add(p0, 1);
    }
    /* separate, shorter loops keep the verifier's work small */
    for (int i = 0; i < RING_BURST; i++) {
        e.seq = i;
        small.ringbuf_output(&e, sizeof(e), 0);
        __sync_fetch_and_add(p1, 1);
    }
    for (int i = 0; i < RING_BURST; i++) {
        e.seq = i;
        if (bpf_ringbuf_output(&rawring, &e, sizeof(e), 0))
            *lost += 1;
        __sync_fetch_and_add(p2, 1);
    }
    return 0;
}

/* one record to pfull: after an overflow, the kernel writes its "lost"
 * notice ahead of the next record that fits */
SEC("tracepoint/syscalls/sys_enter_getuid")
int on_getuid(void *ctx)
{
    struct event e = {};
    u32 k0 = 0;
    u64 *p0;

    if (!mine())
        return 0;
    p0 = bpf_map_lookup_elem(&produced, &k0);
    if (!p0)
        return 0;
    e.pid = TARGET_PID;
    bpf_perf_event_output(ctx, &pfull, BPF_F_CURRENT_CPU, &e, sizeof(e));
    __sync_fetch_and_add(p0, 1);
    return 0;
}

static long echo_one(struct bpf_dynptr *dynptr, void *ctx)
{
    struct echo in = {};

    if (bpf_dynptr_read(&in, sizeof(in), dynptr, 0, 0))
        return 1;
    in.sum = in.a + in.b;
    echoes.ringbuf_output(&in, sizeof(in), 0);
    return 0;
}

SEC("tracepoint/syscalls/sys_enter_getsid")
int on_getsid(void *ctx)
{
    if (!mine())
        return 0;
    bpf_user_ringbuf_drain(&u, echo_one, NULL, 0);
    return 0;
}
'''


@pytest.fixture(scope="module")
def b():
    with BPF(text=PROGRAM, cflags=[f"-DTARGET_PID={PID}", f"-DBURST={BURST}",
                           f"-DRING_BURST={RING_BURST}"]) as obj:
        yield obj


@pytest.fixture
def perf(b):
    """The `events` perf table, closed after the test."""
    table = b["events"]
    yield table
    table.close_perf_buffer()


@pytest.fixture
def ring(b):
    """The `rb` ring table, drained of earlier tests' records first."""
    table = b["rb"]
    table.close_ring_buffer()
    table.read()
    yield table
    table.close_ring_buffer()


def getppid_on(cpu, count):
    """`count` getppid() calls from this thread, pinned to `cpu`."""
    old = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu})
    try:
        for _ in range(count):
            os.getppid()
    finally:
        os.sched_setaffinity(0, old)


def poll_until(b, predicate, method="poll", rounds=50):
    for _ in range(rounds):
        if predicate():
            return True
        getattr(b, method)(100)
    return predicate()


# ---------------------------------------------------------------- perf buffers

def test_perf_callback_gets_every_record_decoded(b, perf):
    got = []
    perf.open_perf_buffer(lambda cpu, data, size: got.append((cpu, perf.event(data), size)))
    os.getppid()
    first = None
    assert poll_until(b, lambda: got, "perf_buffer_poll")
    first = got[0][1].seq
    for _ in range(99):
        os.getppid()
    assert poll_until(b, lambda: len(got) >= 100, "perf_buffer_poll")
    assert len(got) == 100
    assert sorted(ev.seq for _, ev, _ in got) == list(range(first, first + 100))
    cpu, ev, size = got[0]
    assert ev.pid == PID and ev.cpu == cpu
    assert size >= ctypes.sizeof(ctypes.c_uint64) * 3
    assert perf.lost == 0


def test_perf_events_from_every_cpu(b, perf):
    seen = []
    perf.open_perf_buffer(lambda cpu, data, size: seen.append((cpu, perf.event(data).cpu)))
    for cpu in CPUS:
        getppid_on(cpu, 20)
    assert poll_until(b, lambda: len(seen) >= 20 * len(CPUS), "perf_buffer_poll")
    assert {cpu for cpu, _ in seen} == set(CPUS)
    assert all(cpu == ev_cpu for cpu, ev_cpu in seen)


def test_perf_consume_and_wakeup_events(b, perf):
    got = []
    perf.open_perf_buffer(lambda cpu, data, size: got.append(size), wakeup_events=4)
    fd = perf.fileno()
    sel = selectors.DefaultSelector()
    sel.register(fd, selectors.EVENT_READ)
    try:
        getppid_on(CPUS[0], 3)
        assert sel.select(0.2) == [], "woken before wakeup_events records"
        getppid_on(CPUS[0], 1)
        assert sel.select(5), "not woken after wakeup_events records"
    finally:
        sel.close()
    assert b.perf_buffer_consume() == 4
    assert len(got) == 4


def test_perf_overflow_is_accounted_exactly(b):
    """A burst into a one-page buffer: `lost` is exact as soon as the
    records are drained (the kernel's count, PERF_FORMAT_LOST), before the
    kernel announces the loss; the announcement then reaches lost_cb."""
    table = b["pfull"]
    lost_notices = []
    delivered = []
    before = b["produced"][0].value
    table.open_perf_buffer(lambda cpu, data, size: delivered.append(cpu), page_cnt=1,
                           lost_cb=lost_notices.append)
    old = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {CPUS[0]})
    try:
        os.getpgrp()            # BURST records into a one-page buffer
        while b.perf_buffer_poll(0):
            pass
        assert b["produced"][0].value - before == BURST
        assert table.lost > 0, "the burst should overflow a one-page buffer"
        assert lost_notices == [], "no record since the overflow: no notice yet"
        assert len(delivered) + table.lost == BURST
        os.getuid()             # one more: the kernel's lost notice precedes it
        while b.perf_buffer_poll(0):
            pass
        produced = b["produced"][0].value - before
        assert produced == BURST + 1
        assert sum(lost_notices) == table.lost
        assert len(delivered) + table.lost == produced
    finally:
        os.sched_setaffinity(0, old)
        table.close_perf_buffer()


def test_perf_overflow_notice_during_read_reaches_lost_cb(b):
    """read() drains into a list, and the kernel's lost notice met on the
    way still goes to lost_cb (it once went to the list sink's memory)."""
    table = b["pfull"]
    lost_notices = []
    before, lost_before = b["produced"][0].value, table.lost
    table.open_perf_buffer(None, page_cnt=1, lost_cb=lost_notices.append)
    old = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {CPUS[0]})
    try:
        os.getpgrp()            # overflows the one-page buffer
        delivered = len(table.read())
        os.getuid()             # one more record, after the kernel's notice
        delivered += len(table.read())
        produced = b["produced"][0].value - before
        lost = table.lost - lost_before
        assert lost > 0 and sum(lost_notices) == lost
        assert delivered + lost == produced
    finally:
        os.sched_setaffinity(0, old)
        table.close_perf_buffer()


def test_perf_overflow_read_numpy_counts_losses(b):
    np = pytest.importorskip("numpy")
    table = b["pfull"]
    table.event_type = "struct event"
    before, lost_before = b["produced"][0].value, table.lost
    table.open_perf_buffer(None, page_cnt=1)
    old = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {CPUS[0]})
    try:
        os.getpgrp()
        arr = table.read_numpy()
        os.getuid()
        arr = np.concatenate([arr, table.read_numpy()])
        produced = b["produced"][0].value - before
        lost = table.lost - lost_before
        assert lost > 0 and len(arr) + lost == produced
        assert (arr["pid"] == PID).all()
        assert list(arr["seq"][:10]) == list(range(10))
    finally:
        os.sched_setaffinity(0, old)
        table.close_perf_buffer()


# ---------------------------------------------------------------- ring buffers

def test_ring_order_preserved(b, ring):
    got = []
    ring.open_ring_buffer(lambda ctx, data, size: got.append(ring.event(data).seq))
    for cpu in CPUS:
        getppid_on(cpu, 50)
    assert poll_until(b, lambda: len(got) >= 50 * len(CPUS), "ring_buffer_poll")
    assert len(got) == 50 * len(CPUS)
    assert got == sorted(got) and len(set(got)) == len(got)
    assert got[-1] - got[0] == len(got) - 1


def test_ring_callback_ctx_and_consume(b, ring):
    got = []
    token = object()
    ring.open_ring_buffer(lambda ctx, data, size: got.append((ctx, size)), ctx=token)
    for _ in range(10):
        os.getppid()
    assert b.ring_buffer_consume() == 10
    assert got == [(token, 24)] * 10


def ring_overflow(b, name, index, read):
    """Two bursts into a 4 KiB ring: (delivered, lost, produced)."""
    table = b[name]
    read(table)
    before_prod, before_lost = b["produced"][index].value, table.lost
    os.getpgrp()
    delivered = len(read(table))
    os.getpgrp()
    delivered += len(read(table))
    return delivered, table.lost - before_lost, b["produced"][index].value - before_prod


@pytest.mark.parametrize("mode", ["read", "read_numpy"])
def test_ring_overflow_is_accounted_exactly(b, mode):
    """The table sums the per-CPU `<name>__lost` counter a program bumps."""
    if mode == "read_numpy":
        pytest.importorskip("numpy")
        b["rawring"].event_type = "struct event"
    delivered, lost, produced = ring_overflow(b, "rawring", 2, lambda t: getattr(t, mode)())
    assert produced == 2 * RING_BURST
    assert lost > 0, "a 4 KiB ring should overflow"
    assert delivered + lost == produced


def test_ring_overflow_counted_by_the_dialect(b):
    """BPF_RINGBUF_OUTPUT(small, 1) + small.ringbuf_output(): the dialect
    counts failed writes in small__lost; the table exposes them as `lost`."""
    if "small__lost" not in b:
        pytest.skip("the dialect does not declare <name>__lost for BPF_RINGBUF_OUTPUT yet "
                    "(programs/include/bpfy/dialect.h, BPFY__TABLE_ringbuf)")
    delivered, lost, produced = ring_overflow(b, "small", 1, lambda t: t.read())
    assert produced == 2 * RING_BURST
    assert lost > 0, "a 4 KiB ring should overflow"
    assert delivered + lost == produced


def test_read_returns_decoded_records_and_respects_max(b, ring):
    for _ in range(30):
        os.getppid()
    first = ring.read(max_events=10)
    rest = ring.read()
    assert len(first) == 10 and len(rest) == 20
    seqs = [ev.seq for ev in first + rest]
    assert seqs == list(range(seqs[0], seqs[0] + 30))
    assert ring.read(timeout=0) == []


def test_read_numpy(b, ring):
    np = pytest.importorskip("numpy")
    for _ in range(25):
        os.getppid()
    arr = ring.read_numpy()
    assert arr.dtype.names == ("pid", "cpu", "seq", "tag")
    assert len(arr) == 25
    assert (arr["pid"] == PID).all()
    assert (np.diff(arr["seq"].astype(np.int64)) == 1).all()


def test_event_type_by_name_and_ctypes(b, perf):
    class Event(ctypes.Structure):
        _fields_ = [("pid", ctypes.c_uint32), ("cpu", ctypes.c_uint32),
                    ("seq", ctypes.c_uint64), ("tag", ctypes.c_uint64)]

    raw = bytes(Event(pid=7, cpu=1, seq=9))
    perf.event_type = Event
    ev = perf.event(raw)
    assert isinstance(ev, Event) and (ev.pid, ev.seq) == (7, 9)
    perf.event_type = "struct event"
    assert perf.event(raw).seq == 9 and perf.event_size == 24
    perf.event_type = None
    assert perf.event(raw) == raw
    with pytest.raises(TypeError):
        perf.event_type = "struct no_such_thing"
    with pytest.raises(TypeError):
        perf.event_type = 42
    perf.event_type = "event"
    assert perf.event(raw[:8]).seq == 0, "short records are zero-padded"


def test_event_type_set_on_a_dropped_table_is_kept(b):
    """b[name] is cached weakly (no cycle with b), so the table object of
    b["x"].event_type = T is gone at once: the next b["x"] must still use T."""
    import gc

    class Event(ctypes.Structure):
        _fields_ = [("pid", ctypes.c_uint32), ("cpu", ctypes.c_uint32),
                    ("seq", ctypes.c_uint64), ("tag", ctypes.c_uint64)]

    raw = bytes(Event(pid=7, cpu=1, seq=9))
    b["pfull"].event_type = Event
    gc.collect()
    assert b["pfull"].event_type is Event
    assert isinstance(b["pfull"].event(raw), Event)
    b["pfull"].event_type = "struct event"
    gc.collect()
    assert b["pfull"].event(raw).seq == 9
    b["pfull"].event_type = None
    gc.collect()
    assert b["pfull"].event(raw) == raw
    b["pfull"].event_type = "struct event"   # as the other tests of pfull expect


# ----------------------------------------------------------- object-wide polls

def test_exception_in_callback_raised_once_rest_kept(b, ring):
    got = []

    def callback(ctx, data, size):
        got.append(ring.event(data).seq)
        if len(got) == 3:
            raise RuntimeError("boom")

    ring.open_ring_buffer(callback)
    for _ in range(10):
        os.getppid()
    with pytest.raises(RuntimeError, match="boom"):
        b.ring_buffer_poll(1000)
    assert len(got) == 3
    assert b.ring_buffer_consume() == 7
    assert got == list(range(got[0], got[0] + 10))


def test_poll_covers_perf_and_ring_and_fileno_with_selectors(b, perf, ring):
    kinds = []
    perf.open_perf_buffer(lambda cpu, data, size: kinds.append("perf"))
    ring.open_ring_buffer(lambda ctx, data, size: kinds.append("ring"))
    sel = selectors.DefaultSelector()
    sel.register(b.fileno(), selectors.EVENT_READ)
    try:
        os.getppid()
        assert sel.select(5), "the object's fd did not become readable"
        while len(kinds) < 2:
            assert b.poll(1000) > 0
    finally:
        sel.close()
    assert sorted(kinds) == ["perf", "ring"]


def test_asyncio_stream_and_reader(b, ring):
    async def collect(n):
        out = []
        async for ev in ring.stream():
            out.append(ev.seq)
            if len(out) == n:
                return out

    async def main():
        task = asyncio.ensure_future(collect(20))
        await asyncio.sleep(0)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, lambda: [os.getppid() for _ in range(10)])
        for _ in range(10):
            os.getppid()
        return await asyncio.wait_for(task, 10)

    seqs = asyncio.run(main())
    assert len(seqs) == 20 and seqs == sorted(seqs)


def test_ctrl_c_interrupts_blocking_poll(b, perf):
    perf.open_perf_buffer(lambda cpu, data, size: None)
    main = threading.get_ident()
    timer = threading.Timer(0.2, signal.pthread_kill, (main, signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            b.perf_buffer_poll(-1)
    finally:
        timer.cancel()


def test_close_inside_callback_stops_cleanly(b, ring):
    got = []

    def callback(ctx, data, size):
        got.append(size)
        ring.close_ring_buffer()

    ring.open_ring_buffer(callback)
    for _ in range(5):
        os.getppid()
    b.ring_buffer_poll(1000)
    assert got == [24]
    assert not ring.is_open


# ------------------------------------------------------------ user ring buffer

def test_user_ring_buffer_round_trip(b):
    u, echoes = b["u"], b["echoes"]
    u.event_type = "struct echo"    # a user ring's type is not recorded by the dialect
    echoes.read()
    u.write({"a": 1, "b": 2})
    u.write(bytes(echoes.event_type(a=10, b=20)))
    sample = u.reserve()
    view = memoryview(sample)
    view[:8] = (100).to_bytes(8, "little")
    view[8:16] = (200).to_bytes(8, "little")
    with pytest.raises(BufferError):
        u.submit(sample)
    view.release()
    u.submit(sample)
    with pytest.raises(ValueError):
        u.submit(sample)
    u.reserve(24).discard()
    os.getsid(0)
    got = [(e.a, e.b, e.sum) for e in echoes.read(timeout=5)]
    assert got == [(1, 2, 3), (10, 20, 30), (100, 200, 300)]


def test_user_ring_buffer_full_raises_enospc(b):
    u = b["u"]
    with pytest.raises(BPFError) as info:
        for _ in range(1000):
            u.write(b"\0" * 24)
    assert info.value.errno == errno.ENOSPC
    b["echoes"].read()
    os.getsid(0)  # drain it again
    b["echoes"].read()


# ------------------------------------------------------------------ bad input

def test_bad_arguments_raise_typed_errors(b, perf):
    with pytest.raises(TypeError):
        perf.open_perf_buffer(42)
    with pytest.raises(TypeError):
        perf.open_perf_buffer(print, lost_cb="nope")
    with pytest.raises(ValueError, match="power of two"):
        perf.open_perf_buffer(print, page_cnt=3)
    with pytest.raises(ValueError):
        perf.open_perf_buffer(print, wakeup_events=0)
    with pytest.raises(ValueError, match="no ring buffer"):
        b.ring_buffer_poll(0)
    perf.open_perf_buffer(print)
    with pytest.raises(BPFError) as info:
        perf.open_perf_buffer(print)
    assert info.value.errno == errno.EEXIST
    with pytest.raises(ValueError):
        perf.read(max_events=0)


def test_closed_object_raises_value_error():
    with BPF(text=PROGRAM, cflags=[f"-DTARGET_PID={PID}", "-DBURST=1", "-DRING_BURST=1"]) as obj:
        table, ring, user = obj["events"], obj["rb"], obj["u"]
        table.open_perf_buffer(print)
        ring.open_ring_buffer(print)
    for call in (lambda: table.open_perf_buffer(print), table.read, ring.read,
                 lambda: ring.lost, lambda: user.write(b"x"), lambda: obj.poll(0),
                 obj.fileno):
        with pytest.raises(ValueError):
            call()
    assert table.closed and ring.closed


def test_background_reader(b, ring):
    from bpfy.reader import Reader

    got = []
    done = threading.Event()

    def callback(ctx, data, size):
        got.append(ring.event(data).seq)
        if len(got) == 10:
            done.set()

    ring.open_ring_buffer(callback)
    with Reader(b, timeout_ms=50):
        for _ in range(10):
            os.getppid()
        assert done.wait(10)
    assert len(got) == 10

    def bad(ctx, data, size):
        raise KeyError("from the reader thread")

    ring.close_ring_buffer()
    ring.open_ring_buffer(bad)
    reader = Reader(b, timeout_ms=50).start()
    os.getppid()
    while reader.running:
        threading.Event().wait(0.01)
    with pytest.raises(KeyError):
        reader.stop()
