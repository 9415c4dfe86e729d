"""Map types whose programs need kernel features this machine may refuse:
INODE_STORAGE (LSM programs) and STRUCT_OPS (a tcp_congestion_ops). Each map
is created and used from user space as far as the kernel allows; the step
that needs the refused feature is skipped with the refusal a real probe or
the real attempt reports."""
import os
import socket

import pytest

from bpfy import BPF, BPFError, UnsupportedError

INODE_MAP = r"""
struct mark_t { u64 opens; u32 marked; };
struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct mark_t);
} marks SEC(".maps");
"""

LSM_PROGRAMS = INODE_MAP + r"""
SEC("lsm/file_open")
int BPF_PROG(mark_on_open, struct file *file)
{
	struct mark_t *m = bpf_inode_storage_get(&marks, file->f_inode, 0,
						 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (m)
		__sync_fetch_and_add(&m->opens, 1);
	return 0;
}
"""

CONGESTION_CONTROL = r"""
SEC("struct_ops/bpfy_ssthresh")
__u32 BPF_PROG(bpfy_ssthresh, struct sock *sk) { return 10; }
SEC("struct_ops/bpfy_undo_cwnd")
__u32 BPF_PROG(bpfy_undo_cwnd, struct sock *sk) { return 10; }
SEC("struct_ops/bpfy_cong_avoid")
void BPF_PROG(bpfy_cong_avoid, struct sock *sk, __u32 ack, __u32 acked) { }
SEC(".struct_ops")
struct tcp_congestion_ops bpfy_cc = {
	.ssthresh = (void *)bpfy_ssthresh,
	.undo_cwnd = (void *)bpfy_undo_cwnd,
	.cong_avoid = (void *)bpfy_cong_avoid,
	.name = "bpfy_cc",
};
"""


def test_inode_storage_from_user_space_and_lsm(tmp_path):
    path = tmp_path / "marked"
    path.write_bytes(b"x")
    with BPF(text=INODE_MAP) as b:
        marks = b["marks"]
        assert marks.info["type_name"] == "inode_storage"
        assert type(marks).__name__ == "LocalStorage"
        with open(path, "rb") as f:
            with pytest.raises(KeyError):
                marks[f]
            marks[f] = {"marked": 1}            # user space marks the inode by fd
            with open(path, "rb") as again:     # another fd of the same inode
                assert marks[again].marked == 1
            del marks[f]
    refusal = BPF.trampoline_refusal("lsm")
    if refusal:
        with pytest.raises((UnsupportedError, BPFError)):
            BPF(text=LSM_PROGRAMS).close()
        pytest.skip(f"LSM hook half not run: {refusal}")
    with BPF(text=LSM_PROGRAMS) as b:
        b.attach_lsm("mark_on_open")
        with open(path, "rb") as f:
            assert b["marks"][f].opens >= 1


def test_struct_ops_tcp_congestion_control():
    with BPF(text=CONGESTION_CONTROL) as b:
        ops = b["bpfy_cc"]
        assert ops.info["type_name"] == "struct_ops" and type(ops).__name__ == "StructOps"
        assert ops.info["max_entries"] == 1
        if not hasattr(b, "attach_struct_ops"):
            pytest.skip("attach_struct_ops is not available in this build")
        try:
            b.attach_struct_ops("bpfy_cc")
        except (UnsupportedError, BPFError) as exc:
            pytest.skip(f"registering the struct_ops map refused: {exc}")
        try:
            listener = socket.create_server(("127.0.0.1", 0))
            client = socket.socket()
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, b"bpfy_cc")
            client.connect(listener.getsockname())
            server, _ = listener.accept()
            client.sendall(b"x" * 100000)
            got = 0
            while got < 100000:
                got += len(server.recv(65536))
            algo = client.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16)
            assert algo.rstrip(b"\0") == b"bpfy_cc"
            for s in (client, server, listener):
                s.close()
        finally:
            b.detach_struct_ops("bpfy_cc")
