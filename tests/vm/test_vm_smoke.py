"""A short smoke subset of what the host tests too, run in the `make test-vm`
guest so that a second kernel (6.1) sees the basic path: compile against its
BTF, load, auto-attach a tracepoint, read a map back."""
import os
import struct

import pytest

from bpfy import BPF
from helpers import SYS_GETPPID, make_getppid_calls

pytestmark = pytest.mark.vm
PID = os.getpid()


def test_tracepoint_counter():
    src = r'''
    BPF_HASH(counts, u32, u64);
    TRACEPOINT_PROBE(raw_syscalls, sys_enter) {
        if ((bpf_get_current_pid_tgid() >> 32) != TARGET_PID)
            return 0;
        u32 id = args->id;
        counts.increment(id);
        return 0;
    }
    '''
    with BPF(text=src, cflags=[f"-DTARGET_PID={PID}"]) as b:
        make_getppid_calls(100)
        assert b["counts"][SYS_GETPPID].value == 100
        assert b.num_open_tracepoints() == 1


def test_ring_buffer_delivers_events():
    src = r'''
    struct event { u32 pid; u32 seq; };
    BPF_RINGBUF_OUTPUT(events, 8);
    BPF_ARRAY(seq, u32, 1);
    TRACEPOINT_PROBE(syscalls, sys_enter_getppid) {
        if ((bpf_get_current_pid_tgid() >> 32) != TARGET_PID)
            return 0;
        int zero = 0;
        u32 *n = seq.lookup(&zero);
        if (!n)
            return 0;
        struct event e = { .pid = TARGET_PID, .seq = *n };
        *n += 1;
        events.ringbuf_output(&e, sizeof(e), 0);
        return 0;
    }
    '''
    got = []
    with BPF(text=src, cflags=[f"-DTARGET_PID={PID}"]) as b:
        b["events"].open_ring_buffer(lambda ctx, data, size: got.append(struct.unpack("II", data)))
        make_getppid_calls(10)
        b.ring_buffer_consume()
    assert [seq for _, seq in got] == list(range(10))
    assert {pid for pid, _ in got} == {PID}
