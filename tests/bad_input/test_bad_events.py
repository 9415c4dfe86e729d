"""Callbacks that raise or are not callable, bad page counts, polling what
is not open: typed exceptions, the raising callback's exception re-raised
from the poll once."""
import os

import pytest

from bpfy import BPF, BPFError
from common import CFLAGS, PROGRAM


@pytest.fixture(scope="module")
def b():
    with BPF(text=PROGRAM, cflags=CFLAGS) as obj:
        obj.attach_raw_tracepoint(tp="sys_enter", fn_name="produce")
        yield obj


@pytest.fixture
def ring(b):
    t = b["ring"]
    t.close_ring_buffer()
    t.read()
    yield t
    t.close_ring_buffer()


@pytest.fixture
def perf(b):
    t = b["perf"]
    yield t
    t.close_perf_buffer()


@pytest.mark.parametrize("callback", [5, "cb", object(), b"x"])
def test_ring_callback_not_callable(ring, callback):
    with pytest.raises(TypeError, match="callable"):
        ring.open_ring_buffer(callback)


@pytest.mark.parametrize("kwargs", [
    dict(callback=5), dict(callback=lambda *a: None, lost_cb=5),
])
def test_perf_callback_not_callable(perf, kwargs):
    with pytest.raises(TypeError, match="callable"):
        perf.open_perf_buffer(**kwargs)


@pytest.mark.parametrize("page_cnt,exc", [
    (0, ValueError), (3, ValueError), (-1, ValueError), (-(2 ** 70), (ValueError, OverflowError)),
    ("8", TypeError), (1.0, TypeError), (2 ** 40, (BPFError, ValueError, OverflowError)),
    (2 ** 20, BPFError),
])
def test_bad_page_counts(perf, page_cnt, exc):
    with pytest.raises(exc):
        perf.open_perf_buffer(lambda *a: None, page_cnt=page_cnt)
    # nothing half-open stays behind: a good open works afterwards
    perf.open_perf_buffer(lambda *a: None, page_cnt=1)


def test_ring_callback_that_raises_is_reraised_once(b, ring):
    def boom(ctx, data, size):
        raise RuntimeError("from the callback")
    ring.open_ring_buffer(boom)
    os.getppid()
    os.getppid()
    with pytest.raises(RuntimeError, match="from the callback"):
        for _ in range(50):
            b.ring_buffer_poll(100)
    # the exception is not raised again: the next poll delivers normally
    got = []
    ring.close_ring_buffer()
    ring.open_ring_buffer(lambda ctx, data, size: got.append(size))
    os.getppid()
    for _ in range(50):
        if got:
            break
        b.ring_buffer_poll(100)
    assert got


def test_perf_callback_that_raises_is_reraised_once(b, perf):
    calls = []

    def boom(cpu, data, size):
        calls.append(size)
        raise KeyError("perf callback")
    perf.open_perf_buffer(boom)
    os.getppid()
    with pytest.raises(KeyError, match="perf callback"):
        for _ in range(50):
            b.perf_buffer_poll(100)
    assert len(calls) == 1
    b.perf_buffer_poll(0)       # the next records are delivered, nothing re-raised


def test_callback_with_the_wrong_signature(b, ring):
    ring.open_ring_buffer(lambda: None)
    os.getppid()
    with pytest.raises(TypeError):
        for _ in range(50):
            b.ring_buffer_poll(100)


@pytest.mark.parametrize("timeout", ["x", 1.5j, [1]])
def test_bad_poll_timeouts(b, ring, timeout):
    ring.open_ring_buffer(lambda *a: None)
    with pytest.raises(TypeError):
        b.ring_buffer_poll(timeout)


def test_poll_with_nothing_open(b, perf):
    with pytest.raises(ValueError, match="perf buffer"):
        b.perf_buffer_poll(0)


@pytest.mark.parametrize("make", [
    lambda b: b["h"].open_perf_buffer(lambda *a: None),
    lambda b: b["perf"].open_ring_buffer(lambda *a: None),
    lambda b: b["ring"].open_perf_buffer(lambda *a: None),
])
def test_wrong_buffer_kind(b, make):
    with pytest.raises((AttributeError, TypeError)):
        make(b)
