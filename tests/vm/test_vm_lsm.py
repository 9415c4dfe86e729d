"""A BPF LSM program on file_open that counts and denies one file for this
process only (the guest of `make test-vm` boots with lsm=...,bpf; skipped
where the kernel refuses BPF LSM programs)."""
import errno
import os

import pytest

from bpfy import BPF
from vmfeatures import require

pytestmark = pytest.mark.vm
PID = os.getpid()

SOURCE = r'''
BPF_ARRAY(seen, u64, 2);

LSM_PROBE(file_open, struct file *file)
{
    int idx;

    if ((bpf_get_current_pid_tgid() >> 32) != TARGET_PID)
        return 0;
    if (file->f_inode->i_sb->s_dev != TARGET_DEV)
        return 0;
    if (file->f_inode->i_ino == TARGET_INO) {
        idx = 0;
        seen.increment(idx);
        return -EPERM_VALUE;
    }
    if (file->f_inode->i_ino == OTHER_INO) {
        idx = 1;
        seen.increment(idx);
    }
    return 0;
}
'''


def kernel_dev(st_dev):
    return (os.major(st_dev) << 20) | os.minor(st_dev)


def test_lsm_file_open_denies_one_file_and_counts(tmp_path):
    require("lsm")
    target, other = tmp_path / "target", tmp_path / "other"
    target.write_text("secret")
    other.write_text("fine")
    st = os.stat(target)
    cflags = [f"-DTARGET_PID={PID}", f"-DTARGET_INO={st.st_ino}",
              f"-DOTHER_INO={os.stat(other).st_ino}", f"-DTARGET_DEV={kernel_dev(st.st_dev)}",
              f"-DEPERM_VALUE={errno.EPERM}"]
    with BPF(text=SOURCE, cflags=cflags) as b:
        for _ in range(3):
            with pytest.raises(PermissionError) as info:
                open(target).close()
            assert info.value.errno == errno.EPERM
        for _ in range(4):
            assert other.read_text() == "fine"
        assert b["seen"][0].value == 3
        assert b["seen"][1].value == 4
    # closing the object detaches the hook
    assert target.read_text() == "secret"
