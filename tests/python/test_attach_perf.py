"""attach_perf_event with a software cpu-clock event on every CPU, sampling
a busy child process, and the samples resolved to function names with sym();
kernel symbols with ksym/ksymname."""
import errno
import os
import subprocess

import pytest

from bpfy import BPF, BPFError, UnsupportedError
from helpers import build_attach_target

PERF_TYPE_HARDWARE, PERF_TYPE_SOFTWARE = 0, 1
PERF_COUNT_HW_CPU_CYCLES, PERF_COUNT_SW_CPU_CLOCK = 0, 0

SAMPLER = r'''
BPF_HASH(ips, u64, u64);
BPF_ARRAY(total, u64, 1);
int on_sample(struct bpf_perf_event_data *ctx) {
    if ((bpf_get_current_pid_tgid() >> 32) != TARGET_PID)
        return 0;
    int zero = 0;
    total.increment(zero);
    u64 ip = ctx->regs.ip;
    if (ip < 0x800000000000ULL)         /* a user-mode sample */
        ips.increment(ip);
    return 0;
}
'''


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    return build_attach_target(tmp_path_factory.mktemp("perf"))


@pytest.fixture(scope="module")
def busy(target):
    child = subprocess.Popen([target, "spin", "30"], stdout=subprocess.PIPE)
    assert child.stdout.readline() == b"ready\n"
    yield child
    child.kill()
    child.wait()
    child.stdout.close()


@pytest.fixture(scope="module")
def sampler(busy):
    with BPF(text=SAMPLER, cflags=[f"-DTARGET_PID={busy.pid}"]) as b:
        yield b


def fd_targets():
    """{fd: what it points at} for this process."""
    found = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            found[fd] = os.readlink(f"/proc/self/fd/{fd}")
        except FileNotFoundError:  # the fd listdir itself used
            pass
    return found


def wait_for_samples(b, count, timeout=5.0):
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if b["total"][0].value >= count:
            return True
        time.sleep(0.05)
    return False


def test_cpu_clock_on_every_cpu_samples_the_busy_child(sampler, busy):
    sampler.attach_perf_event(ev_type=PERF_TYPE_SOFTWARE, ev_config=PERF_COUNT_SW_CPU_CLOCK,
                              fn_name="on_sample", sample_freq=499)
    try:
        assert wait_for_samples(sampler, 50), "no samples of the busy child"
        names = {}
        for ip, hits in sampler["ips"].items():
            name = BPF.sym(ip.value, busy.pid)
            names[name] = names.get(name, 0) + hits.value
        # the child spends nearly all its time in spin_here()
        top = max(names, key=names.get)
        assert top == b"spin_here", names
        assert BPF.sym(max(sampler["ips"].items(), key=lambda kv: kv[1].value)[0].value,
                       busy.pid, show_module=True).endswith(b" [attach_target]")
    finally:
        sampler.detach_perf_event(ev_type=PERF_TYPE_SOFTWARE, ev_config=PERF_COUNT_SW_CPU_CLOCK)
    with pytest.raises(BPFError) as info:
        sampler.detach_perf_event(ev_type=PERF_TYPE_SOFTWARE, ev_config=PERF_COUNT_SW_CPU_CLOCK)
    assert info.value.errno == errno.ENOENT


def test_one_event_per_online_cpu_and_all_released(sampler):
    cpus = BPF._online_cpus()
    before = fd_targets()
    sampler.attach_perf_event(ev_type=PERF_TYPE_SOFTWARE, ev_config=PERF_COUNT_SW_CPU_CLOCK,
                              fn_name="on_sample", sample_period=1000000)
    opened = {fd: what for fd, what in fd_targets().items() if fd not in before}
    perf_fds = [fd for fd, what in opened.items() if "perf_event" in what]
    assert len(perf_fds) == len(cpus) and len(cpus) >= 1
    sampler.detach_perf_event(ev_type=PERF_TYPE_SOFTWARE, ev_config=PERF_COUNT_SW_CPU_CLOCK)
    assert set(fd_targets()) - set(before) == set()


def test_single_cpu_and_pid(sampler, busy):
    # pid-scoped event: only the busy child's cpu time is sampled
    sampler.attach_perf_event(ev_type=PERF_TYPE_SOFTWARE, ev_config=PERF_COUNT_SW_CPU_CLOCK,
                              fn_name="on_sample", sample_freq=999, pid=busy.pid, cpu=-1)
    try:
        before = sampler["total"][0].value
        assert wait_for_samples(sampler, before + 20)
    finally:
        sampler.detach_perf_event(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK)


def test_perf_event_errors(sampler):
    with pytest.raises(ValueError):
        sampler.attach_perf_event(ev_type=PERF_TYPE_SOFTWARE, ev_config=0, fn_name="on_sample")
    with pytest.raises(ValueError):
        sampler.attach_perf_event(ev_type=PERF_TYPE_SOFTWARE, ev_config=0, fn_name="on_sample",
                                  sample_period=1, sample_freq=1)
    with pytest.raises(BPFError) as info:
        sampler.attach_perf_event(ev_type=PERF_TYPE_SOFTWARE, ev_config=0, fn_name="nope",
                                  sample_period=100000)
    assert info.value.errno == errno.ENOENT and "nope" in str(info.value)
    with pytest.raises(BPFError) as info:
        sampler.attach_perf_event(ev_type=PERF_TYPE_SOFTWARE, ev_config=0, fn_name="on_sample",
                                  sample_period=100000, cpu=100000)
    assert "perf_event_open" in str(info.value)


def test_hardware_event_without_pmu_is_unsupported(sampler):
    if os.path.exists("/sys/bus/event_source/devices/cpu"):
        pytest.skip("this machine has a hardware PMU")
    with pytest.raises(UnsupportedError) as info:
        sampler.attach_perf_event(ev_type=PERF_TYPE_HARDWARE, ev_config=PERF_COUNT_HW_CPU_CYCLES,
                                  fn_name="on_sample", sample_period=1000000)
    assert "no hardware PMU" in str(info.value)
    assert not [k for k in sampler._links() if k[0] == "perf_event"]


def test_ksym_and_ksymname():
    addr = BPF.ksymname("do_sys_openat2")
    assert addr > 0
    assert BPF.ksym(addr) == b"do_sys_openat2"
    assert BPF.ksym(addr + 3, show_offset=True) == b"do_sys_openat2+0x3"
    assert BPF.ksym(addr, show_module=True) == b"do_sys_openat2 [kernel]"
    assert BPF.ksymname(b"no_such_kernel_symbol_xyz") == -1
    assert BPF.ksym(1) == b"[unknown]"
    assert BPF.sym(addr, -1) == b"do_sys_openat2"


def test_sym_of_this_process_and_unknowns():
    import ctypes
    libc = ctypes.CDLL("libc.so.6")
    addr = ctypes.cast(libc.getpid, ctypes.c_void_p).value
    assert BPF.sym(addr, os.getpid()) == b"getpid"
    assert BPF.sym(addr + 1, os.getpid(), show_offset=True, show_module=True) == \
        b"getpid+0x1 [libc.so.6]"
    assert BPF.sym(16, os.getpid()) == b"[unknown]"
    # no such process: [unknown], as bcc answers (tools symbolize after exit)
    assert BPF.sym(addr, 0x3fffffff) == b"[unknown]"


def test_sym_notices_exec(target, tmp_path):
    # the same pid runs a shell, then exec's the target: symbols follow
    child = subprocess.Popen(["/bin/sh", "-c", f"read x; exec {target} sleep"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        shell_maps = open(f"/proc/{child.pid}/maps").read()
        BPF.sym(int(shell_maps.split("-", 1)[0], 16), child.pid)  # warm the cache
        child.stdin.write(b"go\n")
        child.stdin.flush()
        assert child.stdout.readline() == b"ready\n"
        syms = {name: vaddr for name, vaddr, _ in BPF._elf_symbols(target)}
        maps = [line.split() for line in open(f"/proc/{child.pid}/maps") if target in line]
        base = min(int(m[0].split("-")[0], 16) - int(m[2], 16) for m in maps)
        assert BPF.sym(base + syms["probe_me"], child.pid) == b"probe_me"
    finally:
        child.stdin.close()
        child.wait()
        child.stdout.close()
