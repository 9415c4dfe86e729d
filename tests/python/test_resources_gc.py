"""Resource safety of BPF objects dropped without close(): 1,000 of them,
used like test_resources.py uses its objects, leave fds, kernel objects and
memory where they were once the garbage collector has run; and a dropped
object should go at once, by reference counting."""
import gc
import os

import pytest

from bpfy import BPF
from bpfy_guards import kernel_baseline, leaked_kernel_objects, open_fds
from test_resources import CFLAGS, PROGRAM, SYS_GETPPID, check_thousand_cycles, use

def cycle_drop():
    b = BPF(text=PROGRAM, cflags=CFLAGS)
    use(b)
    del b       # no close()


def test_thousand_dropped_objects_keep_fds_kernel_and_memory_flat():
    # Collected every 10 cycles: an object dropped while one of its buffers is
    # open is a cycle (the object keeps the table alive so it can be polled),
    # and letting hundreds pile up raises the heap's high-water mark (RSS)
    # without leaking anything.
    check_thousand_cycles(cycle_drop, collect_every=10)


def test_dropped_object_without_tables_goes_at_once():
    gc.disable()
    try:
        fds, kernel = open_fds(), kernel_baseline()
        b = BPF(text=PROGRAM, cflags=CFLAGS)
        b.attach_raw_tracepoint(tp="sys_exit", fn_name="on_exit")
        del b
        assert open_fds() == fds
        assert not leaked_kernel_objects(kernel)
    finally:
        gc.enable()


def test_a_table_keeps_its_object_and_its_links():
    """Maps hold their BPF object (lifetime by reference): a table kept after
    its object is dropped still counts, and closing it releases everything."""
    fds, kernel = open_fds(), kernel_baseline()
    b = BPF(text=PROGRAM, cflags=CFLAGS)
    counts = b["counts"]
    del b
    os.getppid()
    before = counts[SYS_GETPPID].value
    os.getppid()
    assert counts[SYS_GETPPID].value == before + 1
    counts.close()
    del counts
    gc.collect()
    assert open_fds() == fds
    assert not leaked_kernel_objects(kernel)


def test_dropped_object_with_tables_goes_at_once_by_reference_counting():
    """Tables hold their object; the object caches them only weakly, so
    b["x"] makes no cycle and dropping b releases everything at once."""
    gc.disable()
    try:
        fds, kernel = open_fds(), kernel_baseline()
        b = BPF(text=PROGRAM, cflags=CFLAGS)
        b.attach_raw_tracepoint(tp="sys_exit", fn_name="on_exit")
        os.getppid()
        assert b["counts"][SYS_GETPPID].value >= 1
        b["ring"], b["perf"]  # tables made and dropped
        del b
        assert open_fds() == fds
        assert not leaked_kernel_objects(kernel, settle=0.5)
    finally:
        gc.enable()
        gc.collect()


def test_dropped_object_with_open_buffers_goes_at_the_next_collection():
    """An open buffer keeps its table alive through the object (so that
    b["events"].open_perf_buffer(cb); b.perf_buffer_poll() works): a cycle,
    released by the next collection."""
    gc.disable()
    try:
        fds, kernel = open_fds(), kernel_baseline()
        b = BPF(text=PROGRAM, cflags=CFLAGS)
        use(b)
        del b
        gc.collect()
        assert open_fds() == fds
        assert not leaked_kernel_objects(kernel, settle=0.5)
    finally:
        gc.enable()
        gc.collect()
