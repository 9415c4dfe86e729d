"""BPF trampolines: fentry/fexit on a kernel function (arguments read through
BTF, the return value at exit) and fmod_ret changing a security hook's result,
for this process only (the guest of `make test-vm`; skipped where refused)."""
import errno
import os

import pytest

from bpfy import BPF
from vmfeatures import require

pytestmark = pytest.mark.vm
PID = os.getpid()

SOURCE = r'''
struct name_t { char s[256]; };
BPF_ARRAY(calls, u64, 2);
BPF_ARRAY(last_name, struct name_t, 1);
BPF_ARRAY(last_ret, s64, 1);

KFUNC_PROBE(do_unlinkat, int dfd, struct filename *name)
{
    int zero = 0;
    struct name_t *slot;

    if ((bpf_get_current_pid_tgid() >> 32) != TARGET_PID)
        return 0;
    calls.increment(zero);
    slot = last_name.lookup(&zero);
    if (slot)
        bpf_probe_read_kernel_str(slot->s, sizeof(slot->s), name->name);
    return 0;
}

KRETFUNC_PROBE(do_unlinkat, int dfd, struct filename *name, int ret)
{
    int zero = 0, one = 1;
    s64 value = ret;

    if ((bpf_get_current_pid_tgid() >> 32) != TARGET_PID)
        return 0;
    calls.increment(one);
    last_ret.update(&zero, &value);
    return 0;
}
'''


@pytest.fixture(scope="module")
def b():
    require("fentry")
    require("fexit")
    with BPF(text=SOURCE, cflags=[f"-DTARGET_PID={PID}"]) as bpf:
        yield bpf


def test_fentry_counts_and_reads_a_btf_argument(b, tmp_path):
    before = b["calls"][0].value
    for i in range(20):
        path = tmp_path / f"f{i}"
        path.write_text("x")
        os.unlink(path)
    assert b["calls"][0].value - before == 20
    assert b["last_name"][0].s.rstrip(b"\0").decode() == str(tmp_path / "f19")


def test_fexit_reads_the_return_value(b, tmp_path):
    path = tmp_path / "present"
    path.write_text("x")
    before = b["calls"][1].value
    os.unlink(path)
    assert b["last_ret"][0].value == 0
    with pytest.raises(FileNotFoundError):
        os.unlink(path)
    assert b["last_ret"][0].value == -errno.ENOENT
    assert b["calls"][1].value - before == 2


def test_a_second_object_counts_on_its_own(tmp_path):
    require("fentry")
    with BPF(text=SOURCE, cflags=[f"-DTARGET_PID={PID}"]) as other:
        (tmp_path / "a").write_text("x")
        os.unlink(tmp_path / "a")
        assert other["calls"][0].value == 1
    # a second object with the same program compiled from the cache
    with BPF(text=SOURCE, cflags=[f"-DTARGET_PID={PID}"]) as again:
        assert again["calls"][0].value == 0
        (tmp_path / "b").write_text("x")
        os.unlink(tmp_path / "b")
        assert again["calls"][0].value == 1


FMOD_RET = r'''
SEC("fmod_ret/security_file_open")
int BPF_PROG(deny_target, struct file *file, int ret)
{
    if (ret)
        return ret;
    if ((bpf_get_current_pid_tgid() >> 32) != TARGET_PID)
        return 0;
    if (file->f_inode->i_ino == TARGET_INO && file->f_inode->i_sb->s_dev == TARGET_DEV)
        return -EPERM_VALUE;
    return 0;
}
'''


def kernel_dev(st_dev):
    """The kernel's dev_t (MKDEV) of a userspace st_dev."""
    return (os.major(st_dev) << 20) | os.minor(st_dev)


def test_fmod_ret_changes_the_return_of_a_security_function(tmp_path):
    require("fmod_ret")
    target, other = tmp_path / "target", tmp_path / "other"
    target.write_text("secret")
    other.write_text("fine")
    st = os.stat(target)
    cflags = [f"-DTARGET_PID={PID}", f"-DTARGET_INO={st.st_ino}",
              f"-DTARGET_DEV={kernel_dev(st.st_dev)}", f"-DEPERM_VALUE={errno.EPERM}"]
    with BPF(text=FMOD_RET, cflags=cflags) as b:
        b.attach_fmod_ret(fn_name="deny_target")
        with pytest.raises(PermissionError):
            open(target).close()
        assert other.read_text() == "fine"
        b.detach_fmod_ret(fn_name="deny_target")
        assert target.read_text() == "secret"
        b.attach_fmod_ret(fn_name="deny_target")
        with pytest.raises(PermissionError):
            open(target).close()
    # closing the object detaches it
    assert target.read_text() == "secret"
