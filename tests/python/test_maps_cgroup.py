"""Maps tied to cgroups, tasks and sockets: CGROUP_ARRAY (current task under
cgroup), CGRP_STORAGE, CGROUP_STORAGE and PERCPU_CGROUP_STORAGE (cgroup skb
byte counters), SK_STORAGE (sockops per connection) and TASK_STORAGE (start
time at exec, read at exit). The test moves this process into a cgroup v2 it
creates, and back to where it was, around each trigger."""
import contextlib
import os
import socket
import subprocess
import time

import pytest

from bpfy import BPF
from bpfy import _bpfy
from helpers import wait_until

PID = os.getpid()
CGROUP_ROOT = "/sys/fs/cgroup/unified"
SYS_GETPPID = 110
PORT = 41000 + PID % 20000
NCPUS = _bpfy.NUM_POSSIBLE_CPUS
BPF_CGROUP_INET_EGRESS = 1
BPF_CGROUP_SOCK_OPS = 3

PROGRAM = r"""
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u32);
} cgroups SEC(".maps");
BPF_ARRAY(under, u64, 2);                    /* [0] outside, [1] inside the cgroup */

struct cg_count { u64 calls; };
struct {
	__uint(type, BPF_MAP_TYPE_CGRP_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct cg_count);
} cg_calls SEC(".maps");

TRACEPOINT_PROBE(raw_syscalls, sys_enter)
{
	if ((bpf_get_current_pid_tgid() >> 32) != PID || args->id != SYS_GETPPID)
		return 0;
	u32 slot = bpf_current_task_under_cgroup(&cgroups, 0) == 1;
	under.increment(slot);

	struct task_struct *task = bpf_get_current_task_btf();
	struct cg_count *c = bpf_cgrp_storage_get(&cg_calls, task->cgroups->dfl_cgrp, 0,
						  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (c)
		__sync_fetch_and_add(&c->calls, 1);
	return 0;
}

struct cg_bytes { u64 bytes; u64 packets; };
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_STORAGE);
	__type(key, struct bpf_cgroup_storage_key);
	__type(value, struct cg_bytes);
} egress_bytes SEC(".maps");
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE);
	__type(key, struct bpf_cgroup_storage_key);
	__type(value, u64);
} egress_bytes_pc SEC(".maps");

int count_egress(struct __sk_buff *skb)
{
	u8 proto = 0;
	u16 dport = 0;
	if (bpf_skb_load_bytes(skb, 9, &proto, 1) || proto != 17 ||
	    bpf_skb_load_bytes(skb, 20 + 2, &dport, 2) || dport != bpf_htons(PORT))
		return 1;
	struct cg_bytes *v = bpf_get_local_storage(&egress_bytes, 0);
	__sync_fetch_and_add(&v->bytes, skb->len);
	__sync_fetch_and_add(&v->packets, 1);
	u64 *pc = bpf_get_local_storage(&egress_bytes_pc, 0);
	*pc += skb->len;
	return 1;
}

struct conn_t { u32 op; u32 local_port; u64 established_ns; };
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct conn_t);
} conns SEC(".maps");

int on_sockops(struct bpf_sock_ops *skops)
{
	u32 op = skops->op;
	if (op != BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB && op != BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB)
		return 1;
	struct bpf_sock *sk = skops->sk;
	if (!sk)
		return 1;
	struct conn_t *c = bpf_sk_storage_get(&conns, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (c) {
		c->op = op;
		c->local_port = skops->local_port;
		c->established_ns = bpf_ktime_get_ns();
	}
	return 1;
}

struct start_t { u64 ns; u32 pid; };
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct start_t);
} started SEC(".maps");
BPF_HASH(lifetimes, u32, u64, 64);

static __always_inline bool child_of_test(struct task_struct *task)
{
	return BPF_CORE_READ(task, real_parent, tgid) == PID;
}

TRACEPOINT_PROBE(sched, sched_process_exec)
{
	struct task_struct *task = bpf_get_current_task_btf();
	if (!child_of_test(task))
		return 0;
	struct start_t *s = bpf_task_storage_get(&started, task, 0,
						 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (s) {
		s->ns = bpf_ktime_get_ns();
		s->pid = bpf_get_current_pid_tgid() >> 32;
	}
	return 0;
}

TRACEPOINT_PROBE(sched, sched_process_exit)
{
	struct task_struct *task = bpf_get_current_task_btf();
	u64 id = bpf_get_current_pid_tgid();
	if ((u32)id != id >> 32 || !child_of_test(task))
		return 0;
	struct start_t *s = bpf_task_storage_get(&started, task, 0, 0);
	if (s) {
		u32 pid = s->pid;
		u64 lived = bpf_ktime_get_ns() - s->ns;
		lifetimes.update(&pid, &lived);
	}
	return 0;
}
"""


@pytest.fixture(scope="module")
def cgroup():
    if not os.path.exists(os.path.join(CGROUP_ROOT, "cgroup.procs")):
        pytest.skip(f"no cgroup v2 hierarchy at {CGROUP_ROOT}")
    path = os.path.join(CGROUP_ROOT, f"bpfy-maps-{PID}")
    os.mkdir(path)
    yield path
    os.rmdir(path)


def home_cgroup():
    with open("/proc/self/cgroup") as f:
        for line in f:
            if line.startswith("0::"):
                return CGROUP_ROOT + line[3:].strip().rstrip("/")
    return CGROUP_ROOT


@contextlib.contextmanager
def inside(cgroup):
    """This process (every thread) in cgroup for the block, then back home."""
    home = home_cgroup()
    with open(os.path.join(cgroup, "cgroup.procs"), "w") as f:
        f.write(str(PID))
    try:
        yield
    finally:
        with open(os.path.join(home, "cgroup.procs"), "w") as f:
            f.write(str(PID))


@pytest.fixture(scope="module")
def b(cgroup):
    flags = [f"-DPID={PID}", f"-DSYS_GETPPID={SYS_GETPPID}", f"-DPORT={PORT}"]
    with BPF(text=PROGRAM, cflags=flags) as bpf:
        yield bpf


def test_cgroup_array_filters_tasks_in_one_cgroup(b, cgroup):
    arr = b["cgroups"]
    assert type(arr).__name__ == "FdMap"
    arr[0] = cgroup                       # a path: opened for the update, closed after
    under = b["under"]
    under.zero()
    with inside(cgroup):
        for _ in range(9):
            os.getppid()
    for _ in range(4):
        os.getppid()
    assert (under[1], under[0]) == (9, 4)
    fd = os.open(cgroup, os.O_RDONLY | os.O_DIRECTORY)
    try:
        arr[0] = fd                       # or an fd the caller keeps
    finally:
        os.close(fd)
    with pytest.raises(TypeError, match="cgroup_array map"):
        arr[0]                            # the kernel gives user space no reads
    del arr[0]
    under.zero()
    with inside(cgroup):
        os.getppid()
    assert (under[1], under[0]) == (0, 1)


def test_cgrp_storage_counts_per_cgroup(b, cgroup):
    calls = b["cg_calls"]
    assert type(calls).__name__ == "LocalStorage"
    before = calls.get(cgroup)
    before = before.calls if before is not None else 0
    with inside(cgroup):
        for _ in range(6):
            os.getppid()
    assert calls[cgroup].calls - before == 6
    fd = os.open(cgroup, os.O_RDONLY | os.O_DIRECTORY)
    try:
        assert calls[fd].calls - before == 6
        calls[fd] = {"calls": 100}
        assert calls[cgroup].calls == 100
        del calls[fd]
        with pytest.raises(KeyError):
            calls[fd]
    finally:
        os.close(fd)
    with pytest.raises(TypeError, match="iteration"):
        list(calls)


def send_udp(count, size=10):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for _ in range(count):
            s.sendto(b"x" * size, ("127.0.0.1", PORT))
    finally:
        s.close()


def test_cgroup_storage_counts_egress_bytes(b, cgroup):
    b.attach_cgroup(cgroup, "count_egress", BPF_CGROUP_INET_EGRESS)
    try:
        with inside(cgroup):
            send_udp(12, size=10)
        send_udp(3)                        # outside the cgroup: not counted
    finally:
        b.detach_cgroup(cgroup, attach_type=BPF_CGROUP_INET_EGRESS)
    storage, percpu = b["egress_bytes"], b["egress_bytes_pc"]
    assert type(storage).__name__ == "CgroupStorage"
    assert type(percpu).__name__ == "PerCpuCgroupStorage"
    (key, value), = storage.items()
    assert key.cgroup_inode_id == os.stat(cgroup).st_ino
    assert key.attach_type == BPF_CGROUP_INET_EGRESS
    assert value.packets == 12 and value.bytes == 12 * (20 + 8 + 10)
    (pkey, per_cpu), = percpu.items()
    assert pkey == key and len(per_cpu) == NCPUS
    assert sum(per_cpu) == 12 * 38 and percpu.sum(key) == 12 * 38
    with pytest.raises(TypeError, match="del"):
        del storage[key]


def test_sk_storage_per_connection_from_sockops(b, cgroup):
    b.attach_cgroup(cgroup, "on_sockops", BPF_CGROUP_SOCK_OPS)
    with inside(cgroup):                   # sockets belong to the cgroup they are made in
        listener = socket.create_server(("127.0.0.1", 0))
    try:
        with inside(cgroup):
            client = socket.create_connection(listener.getsockname())
        server, _ = listener.accept()
    finally:
        b.detach_cgroup(cgroup, attach_type=BPF_CGROUP_SOCK_OPS)
        listener.close()
    conns = b["conns"]
    try:
        c = conns[client]                  # by socket object (fileno())
        assert c.op == 4 and c.local_port == client.getsockname()[1]
        s = conns[server.fileno()]         # or by fd
        assert s.op == 5 and s.local_port == listener_port(server)
        assert s.established_ns > 0
        conns[client] = {"op": 99}
        assert conns[client].op == 99
        del conns[client]
        with pytest.raises(KeyError):
            conns[client]
    finally:
        client.close()
        server.close()


def listener_port(server):
    return server.getsockname()[1]


def test_task_storage_start_time_at_exec_read_at_exit(b):
    child = subprocess.Popen(["/bin/sleep", "30"])
    pidfd = os.pidfd_open(child.pid)
    try:
        started = b["started"]
        # vfork lets Popen return while the exec finishes: wait for its tracepoint
        assert wait_until(lambda: started.get(pidfd) is not None)
        s = started[pidfd]
        assert s.pid == child.pid and s.ns > 0
        time.sleep(0.05)
    finally:
        child.kill()
        child.wait()
        os.close(pidfd)
    lived = b["lifetimes"][child.pid]
    assert lived >= 50_000_000
