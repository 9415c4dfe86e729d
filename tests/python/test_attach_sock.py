"""sockops on a cgroup v2 the test creates filling a sockhash, and an sk_msg
program on that sockhash redirecting what one loopback TCP socket sends into
another socket's receive queue."""
import os
import subprocess
import sys

import pytest

from bpfy import BPF
from helpers import new_cgroup, require_cgroup2

PID = os.getpid()
CGROUP = f"/sys/fs/cgroup/unified/bpfy-sock-{PID}"
PORT = 30000 + PID % 10000
BPF_CGROUP_SOCK_OPS = 3
BPF_SK_MSG_VERDICT = 7

SOURCE = r'''
BPF_SOCKHASH(socks, u32, 64);
BPF_ARRAY(redirect_to, u32, 1);
BPF_ARRAY(counts, u64, 2);     /* 0: sockets added, 1: messages seen */

int on_sockops(struct bpf_sock_ops *skops) {
    int zero = 0;
    if (skops->op != BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB &&
        skops->op != BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB)
        return 1;
    u32 key = skops->local_port;
    if (!bpf_sock_hash_update(skops, &socks, &key, BPF_ANY))
        counts.increment(zero);
    return 1;
}

int on_msg(struct sk_msg_md *msg) {
    int zero = 0, one = 1;
    counts.increment(one);
    u32 *to = redirect_to.lookup(&zero);
    if (!to || !*to)
        return SK_PASS;
    u32 key = *to;
    return bpf_msg_redirect_hash(msg, &socks, &key, BPF_F_INGRESS);
}
'''

CHILD = r'''
import socket, sys
port = int(sys.argv[1])
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", port))
listener.listen(4)
c1 = socket.create_connection(("127.0.0.1", port)); s1, _ = listener.accept()
c2 = socket.create_connection(("127.0.0.1", port)); s2, _ = listener.accept()

def recv(sock):
    sock.settimeout(0.5)
    try:
        return sock.recv(100).decode() or "-"
    except socket.timeout:
        return "-"

print(c2.getsockname()[1], flush=True)
for word in ("first", "second"):
    sys.stdin.readline()
    c1.sendall(word.encode())
    print(recv(s1), recv(c2), flush=True)
'''


@pytest.fixture(scope="module")
def cgroup():
    require_cgroup2()
    with new_cgroup(CGROUP):
        yield CGROUP


def test_sockops_fills_a_sockhash_and_sk_msg_redirects(cgroup):
    with BPF(text=SOURCE) as b:
        b.attach_cgroup(cgroup, "on_sockops", BPF_CGROUP_SOCK_OPS)
        msg = b.load_func("on_msg", BPF.SK_MSG)
        b.attach_func(msg, b["socks"].fd, BPF_SK_MSG_VERDICT)

        def join():
            with open(os.path.join(cgroup, "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))

        child = subprocess.Popen([sys.executable, "-c", CHILD, str(PORT)], preexec_fn=join,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            c2_port = int(child.stdout.readline())
            assert b["counts"][0].value == 4  # c1, s1, c2, s2
            # no redirect target: the message takes its normal path to s1
            child.stdin.write("go\n")
            child.stdin.flush()
            assert child.stdout.readline().split() == ["first", "-"]
            # redirected into c2's receive queue: s1 never sees it
            b["redirect_to"][0] = c2_port
            child.stdin.write("go\n")
            child.stdin.flush()
            assert child.stdout.readline().split() == ["-", "second"]
            assert b["counts"][1].value == 2
        finally:
            child.stdin.close()
            child.wait()
            child.stdout.close()
        b.detach_func(msg, b["socks"].fd, BPF_SK_MSG_VERDICT)
        b.detach_cgroup(cgroup, attach_type=BPF_CGROUP_SOCK_OPS)
