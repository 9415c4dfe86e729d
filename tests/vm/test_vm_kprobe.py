"""kprobes and kretprobes on kernel functions, counted and read back for this
process only (the guest of `make test-vm`; skipped where kprobes are refused)."""
import os

import pytest

from bpfy import BPF, BPFError
from helpers import make_getppid_calls
from vmfeatures import require

pytestmark = pytest.mark.vm
PID = os.getpid()


@pytest.fixture(scope="module", autouse=True)
def kprobes():
    require("kprobe")


SOURCE = r'''
struct name_t { char s[256]; };
BPF_ARRAY(calls, u64, 4);
BPF_ARRAY(last_open, struct name_t, 1);
BPF_HASH(ret_by_pid, u32, s64);

static __always_inline int mine(void)
{
    return (bpf_get_current_pid_tgid() >> 32) == TARGET_PID;
}

/* bcc's auto-attach by name: kprobe__<kernel function> */
int kprobe__GETPPID_FN(struct pt_regs *ctx)
{
    int idx = 0;
    if (mine())
        calls.increment(idx);
    return 0;
}

/* attached explicitly with attach_kprobe */
int on_openat2(struct pt_regs *ctx)
{
    int zero = 0, idx = 1;
    struct name_t *slot;
    const char *filename = (const char *)PT_REGS_PARM2(ctx);

    if (!mine())
        return 0;
    calls.increment(idx);
    slot = last_open.lookup(&zero);
    if (slot)
        bpf_probe_read_user_str(slot->s, sizeof(slot->s), filename);
    return 0;
}

/* attached explicitly with attach_kretprobe */
int on_getppid_return(struct pt_regs *ctx)
{
    u32 pid = bpf_get_current_pid_tgid() >> 32;
    s64 rc = PT_REGS_RC(ctx);
    int idx = 2;

    if (pid != TARGET_PID)
        return 0;
    calls.increment(idx);
    ret_by_pid.update(&pid, &rc);
    return 0;
}
'''


@pytest.fixture(scope="module")
def b():
    getppid_fn = next(name for name in ("__x64_sys_getppid", "__arm64_sys_getppid", "sys_getppid")
                      if BPF.ksymname(name) != -1)
    src = SOURCE.replace("GETPPID_FN", getppid_fn)
    with BPF(text=src, cflags=[f"-DTARGET_PID={PID}"]) as bpf:
        yield bpf


def count(b, idx):
    return b["calls"][idx].value


def test_kprobe_auto_attached_by_name_counts_this_process(b):
    assert [s for kind, s, _ in b._links() if kind == "auto" and s.startswith("kprobe/")]
    before = count(b, 0)
    make_getppid_calls(250)
    assert count(b, 0) - before == 250


def test_attach_kprobe_reads_an_argument(b, tmp_path):
    b.attach_kprobe(event="do_sys_openat2", fn_name="on_openat2")
    try:
        path = tmp_path / "opened-by-the-kprobe-test"
        path.write_text("x")
        before = count(b, 1)
        for _ in range(5):
            with open(path) as f:
                f.read()
        assert count(b, 1) - before == 5
        assert b["last_open"][0].s.rstrip(b"\0").decode() == str(path)
    finally:
        b.detach_kprobe(event="do_sys_openat2")
    frozen = count(b, 1)
    with open(__file__) as f:
        f.read(1)
    assert count(b, 1) == frozen


def test_kretprobe_reads_the_return_value(b):
    event = b.get_syscall_fnname("getppid")
    b.attach_kretprobe(event=event, fn_name="on_getppid_return")
    try:
        before = count(b, 2)
        make_getppid_calls(3)
        assert count(b, 2) - before == 3
        assert b["ret_by_pid"][PID].value == os.getppid()
    finally:
        b.detach_kretprobe(event=event)


def test_kprobe_regex_attaches_every_match(b):
    found = BPF.get_kprobe_functions(rb"^do_sys_openat2$")
    assert found == {b"do_sys_openat2"}
    b.attach_kprobe(event_re=rb"^do_sys_openat2$", fn_name="on_openat2")
    try:
        before = count(b, 1)
        with open(__file__) as f:
            f.read(1)
        assert count(b, 1) - before == 1
    finally:
        b.detach_kprobe(event="do_sys_openat2")


def test_detach_twice_and_unknown_function(b):
    with pytest.raises(BPFError):
        b.detach_kprobe(event="do_sys_openat2")
    with pytest.raises(BPFError):
        b.attach_kprobe(event="zzz_no_such_kernel_function_bpfy", fn_name="on_openat2")
    assert not [s for kind, s, _ in b._links() if kind == "kprobe"]


def test_num_open_kprobes_counts_auto_attached(b):
    assert b.num_open_kprobes() == 1
