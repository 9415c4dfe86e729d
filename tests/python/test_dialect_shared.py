"""Tables shared between BPF objects of one process: BPF_TABLE_PUBLIC /
BPF_TABLE_SHARED in one object, BPF_TABLE("extern", ...) in another resolve
to the same kernel map (runtime/shared_tables.c, called by the loader)."""
import os

import pytest

from bpfy import BPF, BPFError

PID = os.getpid()

PUBLISHER = r'''
BPF_TABLE_PUBLIC("hash", u32, u64, shared_counts_with_a_long_name, 64);
BPF_TABLE_SHARED("array", int, u64, shared_arr, 4);
RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    shared_counts_with_a_long_name.increment(1);
    return 0;
}
'''

USER = r'''
struct pair { u32 a; u32 b; };
BPF_TABLE("extern", u32, u64, shared_counts_with_a_long_name, 64);
BPF_TABLE("extern", int, u64, shared_arr, 4);
RAW_TRACEPOINT_PROBE(sys_exit) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    shared_counts_with_a_long_name.increment(2);
    shared_arr.increment(3);
    return 0;
}
'''

FLAGS = [f"-DPID={PID}"]


def _wired():
    """The loader calls the shared-table hooks (runtime/object.c): an extern
    table without a public one is refused."""
    try:
        with BPF(text=USER, cflags=FLAGS):
            return False
    except BPFError as e:
        if "public table" not in str(e):
            raise
        return True


pytestmark = pytest.mark.skipif(not _wired(), reason="runtime/object.c does not call "
                                "bpfy_shared__reuse/publish/unpublish yet")


def test_extern_resolves_to_public_table():
    with BPF(text=PUBLISHER, cflags=FLAGS) as pub, BPF(text=USER, cflags=FLAGS) as user:
        for _ in range(5):
            os.getppid()
        mine = pub["shared_counts_with_a_long_name"]
        theirs = user["shared_counts_with_a_long_name"]  # the declared name, not the kernel's
        assert mine[1].value >= 5 and theirs[2].value >= 5
        assert sorted(k.value for k in mine.keys()) == sorted(k.value for k in theirs.keys())
        assert user["shared_arr"][3].value >= 5 and pub["shared_arr"][3].value >= 5
        # written from Python through one object, read through the other
        theirs[7] = 42
        assert mine[7].value == 42


def test_extern_without_public_table():
    with pytest.raises(BPFError) as info:
        BPF(text=USER, cflags=FLAGS)
    assert "extern table 'shared_counts_with_a_long_name'" in str(info.value)
    assert "public table" in str(info.value)


def test_public_name_taken():
    with BPF(text=PUBLISHER, cflags=FLAGS):
        with pytest.raises(BPFError) as info:
            BPF(text=PUBLISHER, cflags=FLAGS)
        assert "already has a public table" in str(info.value)
    with BPF(text=PUBLISHER, cflags=FLAGS):  # closed: the name is free again
        pass


def test_extern_keeps_map_after_publisher_closes():
    pub = BPF(text=PUBLISHER, cflags=FLAGS)
    user = BPF(text=USER, cflags=FLAGS)
    pub["shared_counts_with_a_long_name"][9] = 9
    pub.close()
    with user:
        assert user["shared_counts_with_a_long_name"][9].value == 9
        with pytest.raises(BPFError):  # but new externs no longer find it
            BPF(text=USER, cflags=FLAGS)
