"""kprobes and BPF trampolines (fentry/fexit/fmod_ret/LSM) where the kernel
refuses them: typed errors naming what was refused, name resolution and
feature probes; tp_btf; BPF iterators (a task iterator listing this pid)."""
import errno
import os

import pytest

from bpfy import BPF, BPFError, UnsupportedError
from helpers import make_getppid_calls

PID = os.getpid()

SOURCE = r'''
BPF_ARRAY(hits, u64, 2);
int kp(struct pt_regs *ctx) { return 0; }
int kf(void *ctx) { return 0; }

SEC("tp_btf/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs *regs, long id)
{
    int zero = 0;
    if ((bpf_get_current_pid_tgid() >> 32) == TARGET_PID && id == 110 /* getppid */)
        hits.increment(zero);
    return 0;
}

SEC("iter/task")
int dump_task(struct bpf_iter__task *ctx)
{
    struct seq_file *seq = ctx->meta->seq;
    struct task_struct *task = ctx->task;
    if (!task)
        return 0;
    if (task->pid == task->tgid)
        BPF_SEQ_PRINTF(seq, "%d %s\n", task->tgid, task->comm);
    return 0;
}
'''


@pytest.fixture(scope="module")
def b():
    with BPF(text=SOURCE, cflags=[f"-DTARGET_PID={PID}"]) as bpf:
        yield bpf


def kprobes_refused():
    return not BPF._kprobes_supported()


def test_kprobe_attach_or_clear_refusal(b):
    if not kprobes_refused():
        b.attach_kprobe(event=b.get_syscall_fnname("getppid"), fn_name="kp")
        b.detach_kprobe(event=b.get_syscall_fnname("getppid"))
        pytest.skip("kernel has kprobes: the refusal path cannot be exercised here")
    for attach in (lambda: b.attach_kprobe(event="do_sys_openat2", fn_name="kp"),
                   lambda: b.attach_kretprobe(event="do_sys_openat2", fn_name="kp",
                                              maxactive=4)):
        with pytest.raises(UnsupportedError) as info:
            attach()
        assert "kernel built without CONFIG_KPROBES; use a tracepoint or raw tracepoint" \
            in str(info.value)
        assert info.value.errno == errno.EOPNOTSUPP
    assert b.num_open_kprobes() == 0
    with pytest.raises(BPFError) as info:
        b.detach_kprobe(event="do_sys_openat2")
    assert info.value.errno == errno.ENOENT


def test_kprobe_regex_expands_before_attaching(b):
    found = BPF.get_kprobe_functions(rb"do_sys_open.*")
    assert {b"do_sys_open", b"do_sys_openat2"} <= found
    assert all(name.startswith(b"do_sys_open") for name in found)
    assert not BPF.get_kprobe_functions(r"perf_event_open")  # excluded like bcc
    with pytest.raises(BPFError) as info:
        b.attach_kprobe(event_re=r"^zzz_no_such_kernel_fn", fn_name="kp")
    assert info.value.errno == errno.ENOENT
    if kprobes_refused():
        with pytest.raises(UnsupportedError):
            b.attach_kprobe(event_re=r"^do_sys_openat2$", fn_name="kp")


def test_syscall_names(b):
    name = b.get_syscall_fnname("getppid")
    assert name.endswith(b"sys_getppid") and BPF.ksymname(name) > 0
    assert b.get_syscall_fnname(b"clone") == b.get_syscall_prefix() + b"clone"


def test_kprobe_argument_errors(b):
    with pytest.raises(ValueError):
        b.attach_kprobe(fn_name="kp")
    with pytest.raises(BPFError) as info:
        b.attach_kprobe(event="do_sys_openat2", fn_name="no_such_fn")
    assert info.value.errno == errno.ENOENT


TRAMPOLINES = [("fentry", "attach_kfunc"), ("fexit", "attach_kretfunc"),
               ("fmod_ret", "attach_fmod_ret"), ("lsm", "attach_lsm")]


@pytest.mark.parametrize("kind,method", TRAMPOLINES)
def test_trampoline_refusal_is_typed_and_names_the_refusal(b, kind, method):
    reason = BPF.trampoline_refusal(kind)
    if not reason:
        pytest.skip(f"the kernel allows {kind}: exercised by a SEC(\"{kind}/...\") program")
    with pytest.raises(UnsupportedError) as info:
        getattr(b, method)(fn_name="kf")
    assert kind in str(info.value) and reason in str(info.value)
    assert info.value.errno in (errno.EPERM, errno.EACCES, errno.EINVAL, errno.ENOTSUP,
                                errno.EOPNOTSUPP, 524)
    assert not [k for k in b._links() if k[0] == kind]


def test_support_probes_agree_with_the_refusal():
    assert BPF.support_kfunc() == (BPF.trampoline_refusal("fentry") == "")
    assert BPF.support_lsm() == (BPF.trampoline_refusal("lsm") == "")
    assert isinstance(BPF.support_kfunc(), bool)


def test_tp_btf_auto_attached(b):
    before = b["hits"][0].value
    make_getppid_calls(7)
    assert b["hits"][0].value - before == 7


def test_task_iterator_lists_this_process(b):
    with b.attach_iter("dump_task") as f:
        lines = f.read().decode().splitlines()
    tasks = dict(line.split(" ", 1) for line in lines)
    assert str(PID) in tasks and str(os.getppid()) in tasks
    # another pass over the same link
    with b.attach_iter("dump_task") as f:
        assert str(PID).encode() in f.read()
    b.detach_iter("dump_task")
    with pytest.raises(BPFError):
        b.attach_iter("kp")
