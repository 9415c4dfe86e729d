"""The foundation's vertical slice, end to end against the running kernel:
compile (bcc dialect and libbpf style), load, auto-attach, explicit attach,
maps read back in Python, errors, cache, and cleanup."""
import errno
import os
import subprocess
import sys
import textwrap

import pytest

from bpfy import BPF, BPFError, CompileError, VerifierError
from helpers import SYS_GETPGRP, SYS_GETPPID, make_getppid_calls, wait_until

PID = os.getpid()

COUNT_BY_SYSCALL = r'''
BPF_HASH(counts, u32, u64);
TRACEPOINT_PROBE(raw_syscalls, sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != TARGET_PID)
        return 0;
    u32 id = args->id;
    counts.increment(id);
    return 0;
}
'''


@pytest.fixture(scope="module")
def counter():
    """The issue's example program, filtered to this process."""
    with BPF(text=COUNT_BY_SYSCALL, cflags=[f"-DTARGET_PID={PID}"]) as b:
        yield b


def test_counts_syscalls_of_this_process(counter):
    counts = counter["counts"]
    before = counts.get(SYS_GETPPID)
    before = before.value if before is not None else 0
    make_getppid_calls(250)
    assert counts[SYS_GETPPID].value - before == 250


def test_items_sorted_like_the_issue_example(counter):
    make_getppid_calls(10)
    top = sorted(counter["counts"].items(), key=lambda kv: -kv[1].value)[:10]
    assert top, "no syscalls counted"
    keys = [k.value for k, _ in top]
    assert all(isinstance(k, int) for k in keys)
    assert all(v.value > 0 for _, v in top)
    assert SYS_GETPPID in [k.value for k, _ in counter["counts"].items()]


def test_src_file_and_cflags(tmp_path):
    source = tmp_path / "prog.c"
    source.write_text(textwrap.dedent(r'''
        BPF_ARRAY(hits, u64, 1);
        TRACEPOINT_PROBE(syscalls, sys_enter_getpgrp) {
            if ((bpf_get_current_pid_tgid() >> 32) != TARGET_PID)
                return 0;
            int zero = 0;
            u64 *v = hits.lookup(&zero);
            if (v)
                __sync_fetch_and_add(v, INCREMENT);
            return 0;
        }
    '''))
    with BPF(src_file=str(source), cflags=[f"-DTARGET_PID={PID}", "-DINCREMENT=3"]) as b:
        for _ in range(7):
            os.getpgrp()
        assert b["hits"][0].value == 21


def test_libbpf_style_program_in_the_same_constructor():
    text = r'''
    struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(max_entries, 1);
        __type(key, u32);
        __type(value, u64);
    } calls SEC(".maps");

    BPF_HASH(by_id, u32, u64);

    SEC("tracepoint/syscalls/sys_enter_getppid")
    int on_getppid(void *ctx)
    {
        u32 zero = 0;
        u64 *v;

        if ((bpf_get_current_pid_tgid() >> 32) != TARGET_PID)
            return 0;
        v = bpf_map_lookup_elem(&calls, &zero);
        if (v)
            __sync_fetch_and_add(v, 1);
        return 0;
    }

    TRACEPOINT_PROBE(raw_syscalls, sys_enter) {
        if ((bpf_get_current_pid_tgid() >> 32) != TARGET_PID)
            return 0;
        u32 id = args->id;
        by_id.increment(id);
        return 0;
    }
    '''
    with BPF(text=text, cflags=[f"-DTARGET_PID={PID}"]) as b:
        assert sorted(b.tables()) == ["by_id", "calls"]
        make_getppid_calls(5)
        assert b["calls"][0].value == 5
        assert b["by_id"][SYS_GETPPID].value == 5


EXPLICIT = r'''
BPF_ARRAY(seen, u64, 2);
int do_count(void *ctx) {
    if ((bpf_get_current_pid_tgid() >> 32) != TARGET_PID)
        return 0;
    int idx = 0;
    seen.increment(idx);
    return 0;
}
int on_raw(struct bpf_raw_tracepoint_args *ctx) {
    if ((bpf_get_current_pid_tgid() >> 32) != TARGET_PID)
        return 0;
    if (ctx->args[1] != SYS_GETPGRP_NR)
        return 0;
    int idx = 1;
    seen.increment(idx);
    return 0;
}
'''


@pytest.fixture(scope="module")
def explicit():
    cflags = [f"-DTARGET_PID={PID}", f"-DSYS_GETPGRP_NR={SYS_GETPGRP}"]
    with BPF(text=EXPLICIT, cflags=cflags) as b:
        yield b


def test_attach_tracepoint_loads_a_plain_function_on_demand(explicit):
    explicit.attach_tracepoint(tp="syscalls:sys_enter_getppid", fn_name="do_count")
    try:
        before = explicit["seen"][0].value
        make_getppid_calls(4)
        assert explicit["seen"][0].value - before == 4
    finally:
        explicit.detach_tracepoint(tp="syscalls:sys_enter_getppid")
    frozen = explicit["seen"][0].value
    make_getppid_calls(4)
    assert explicit["seen"][0].value == frozen


def test_attach_raw_tracepoint(explicit):
    explicit.attach_raw_tracepoint(tp="sys_enter", fn_name="on_raw")
    try:
        for _ in range(6):
            os.getpgrp()
        assert explicit["seen"][1].value >= 6
    finally:
        explicit.detach_raw_tracepoint(tp="sys_enter")
    frozen = explicit["seen"][1].value
    os.getpgrp()
    assert explicit["seen"][1].value == frozen


def test_load_func_reuses_the_objects_maps(explicit):
    fn = explicit.load_func("do_count", BPF.TRACEPOINT)
    assert fn.fd > 2 and fn.name == "do_count"
    assert explicit.load_func("do_count", BPF.TRACEPOINT).fd == fn.fd
    with pytest.raises(BPFError) as info:
        explicit.load_func("do_count", BPF.SOCKET_FILTER)
    assert "do_count" in str(info.value)


def test_detach_twice_and_attach_twice(explicit):
    with pytest.raises(BPFError) as info:
        explicit.detach_tracepoint(tp="sched:sched_switch")
    assert info.value.errno == errno.ENOENT
    explicit.attach_tracepoint(tp="syscalls:sys_enter_getppid", fn_name="do_count")
    try:
        with pytest.raises(BPFError) as info:
            explicit.attach_tracepoint(tp="syscalls:sys_enter_getppid", fn_name="do_count")
        assert info.value.errno == errno.EEXIST
    finally:
        explicit.detach_tracepoint(tp="syscalls:sys_enter_getppid")


def test_attach_errors_name_what_is_missing(explicit):
    with pytest.raises(BPFError) as info:
        explicit.attach_tracepoint(tp="nosuchcat:nosuchevent", fn_name="do_count")
    assert info.value.errno == errno.ENOENT and "nosuchcat:nosuchevent" in str(info.value)
    with pytest.raises(BPFError) as info:
        explicit.attach_tracepoint(tp="sched:sched_switch", fn_name="no_such_fn")
    assert "no_such_fn" in str(info.value)
    with pytest.raises(ValueError):
        explicit.attach_tracepoint(tp="no_colon", fn_name="do_count")


def test_unknown_table_names_the_known_ones(counter):
    with pytest.raises(KeyError) as info:
        counter["nope"]
    assert "counts" in str(info.value)
    assert "counts" in counter and "nope" not in counter


def test_compile_error_points_at_the_users_line():
    text = "BPF_HASH(counts, u32, u64);\n\nint f(void *ctx) {\n    return undefined_name;\n}\n"
    with pytest.raises(CompileError) as info:
        BPF(text=text)
    message = str(info.value)
    assert "<text>:4:" in message, message
    assert "undefined_name" in info.value.log


def test_compile_error_in_src_file_names_the_file(tmp_path):
    source = tmp_path / "broken.c"
    source.write_text("int f(void *ctx) {\n  int x = ;\n  return 0;\n}\n")
    with pytest.raises(CompileError) as info:
        BPF(src_file=str(source))
    assert f"{source}:2:" in str(info.value)


def test_verifier_error_carries_the_log():
    text = r'''
    BPF_HASH(m, u32, u64);
    TRACEPOINT_PROBE(raw_syscalls, sys_enter) {
        u32 key = 1;
        u64 *v = m.lookup(&key);
        return *v;   /* no NULL check: the verifier must refuse */
    }
    '''
    with pytest.raises(VerifierError) as info:
        BPF(text=text)
    assert "invalid mem access" in info.value.log or "R0" in info.value.log
    assert "verifier" in str(info.value)
    assert info.value.errno in (errno.EACCES, errno.EINVAL)


def test_close_detaches_and_is_idempotent():
    b = BPF(text=COUNT_BY_SYSCALL, cflags=[f"-DTARGET_PID={PID}"])
    counts = b["counts"]
    assert b._links()
    b.close()
    b.close()
    assert b.closed
    with pytest.raises(ValueError):
        b["counts"]
    with pytest.raises(ValueError):
        counts.items()


def test_garbage_collection_releases_everything():
    import gc
    gc.collect()
    fds_before = len(os.listdir("/proc/self/fd"))
    b = BPF(text=COUNT_BY_SYSCALL, cflags=[f"-DTARGET_PID={PID}"])
    assert len(os.listdir("/proc/self/fd")) > fds_before
    del b
    gc.collect()
    assert len(os.listdir("/proc/self/fd")) == fds_before


def test_cache_hit_skips_clang(tmp_path, monkeypatch):
    """A wrapper clang logs every run: the second, identical program must not run it."""
    import shutil
    calls = tmp_path / "clang-calls"
    wrapper = tmp_path / "clang"
    wrapper.write_text(f"#!/bin/sh\necho run >> {calls}\nexec {shutil.which('clang')} \"$@\"\n")
    wrapper.chmod(0o755)
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    monkeypatch.setenv("BPFY_CLANG", str(wrapper))
    text = COUNT_BY_SYSCALL + "\n/* cache test */\n"
    flags = [f"-DTARGET_PID={PID}"]
    with BPF(text=text, cflags=flags, cache_dir=str(cache)) as first:
        assert not first.cache_hit
    runs = calls.read_text().count("run")
    assert runs >= 1
    with BPF(text=text, cflags=flags, cache_dir=str(cache)) as second:
        assert second.cache_hit
        make_getppid_calls(3)
        assert second["counts"][SYS_GETPPID].value == 3
    assert calls.read_text().count("run") == runs
    with BPF(text=text + "/* new */", cflags=flags, cache_dir=str(cache)) as third:
        assert not third.cache_hit
    assert calls.read_text().count("run") == runs + 1


def test_no_cache_compiles_every_time(cache_dir, monkeypatch):
    monkeypatch.setenv("BPFY_NO_CACHE", "1")
    text = COUNT_BY_SYSCALL + "\n/* no cache */\n"
    for _ in range(2):
        with BPF(text=text, cflags=[f"-DTARGET_PID={PID}"], cache_dir=cache_dir) as b:
            assert not b.cache_hit


def test_debug_preprocessor_dumps_the_generated_source(capfd):
    with BPF(text=COUNT_BY_SYSCALL, cflags=[f"-DTARGET_PID={PID}"], debug=0x4) as b:
        assert b.generated_source and "counts" in b.generated_source
    assert "counts" in capfd.readouterr().err


def test_trace_fields_reads_bpf_trace_printk():
    text = r'''
    TRACEPOINT_PROBE(syscalls, sys_enter_getppid) {
        if ((bpf_get_current_pid_tgid() >> 32) != TARGET_PID)
            return 0;
        bpf_trace_printk("bpfy-hello %d\n", 42);
        return 0;
    }
    '''
    with BPF(text=text, cflags=[f"-DTARGET_PID={PID}"]) as b:
        while b.trace_fields(nonblocking=True)[0] is not None:
            pass  # drain what others left in the shared pipe
        make_getppid_calls(1)
        found = []

        def got_line():
            task, pid, cpu, flags, ts, msg = b.trace_fields(nonblocking=True)
            if msg is not None and b"bpfy-hello" in msg:
                found.append((pid, msg))
            return bool(found)

        assert wait_until(got_line)
        assert found[0] == (PID, b"bpfy-hello 42")


def test_tracepoint_listing():
    assert BPF.tracepoint_exists("sched", "sched_switch")
    assert not BPF.tracepoint_exists("sched", "no_such_event")
    assert "syscalls:sys_enter_getppid" in BPF.get_tracepoints("syscalls:sys_enter_getpp.*")


def test_syscount_example_runs(tmp_path):
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=os.path.join(repo, "pybind"))
    child = subprocess.Popen([sys.executable, os.path.join(repo, "examples", "syscount.py"),
                              "-d", "1.5", "-p", str(PID)], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    import time
    deadline = time.monotonic() + 30
    while child.poll() is None and time.monotonic() < deadline:
        make_getppid_calls(50)
        time.sleep(0.05)
    out, err = child.communicate(timeout=30)
    assert child.returncode == 0, err
    assert "getppid" in out, out


def test_refused_trampoline_is_explained_at_load():
    """This kernel refuses BPF trampolines: the load error says so instead of a bare EPERM."""
    from bpfy import UnsupportedError
    text = 'SEC("fentry/do_nanosleep") int BPF_PROG(on_sleep) { return 0; }'
    if BPF.support_kfunc():
        with BPF(text=text) as b:
            assert "on_sleep" in b.functions()
        return
    with pytest.raises(UnsupportedError) as info:
        BPF(text=text)
    assert info.value.errno == errno.EPERM
    assert "trampoline" in str(info.value) and "on_sleep" in str(info.value)


def test_obj_file_loads_without_a_compiler(tmp_path, monkeypatch):
    """An object compiled ahead of time loads with no clang at all."""
    from bpfy import _bpfy, paths
    elf = _bpfy.compile(COUNT_BY_SYSCALL, cflags=[f"-DTARGET_PID={PID}"],
                        include_dir=paths.include_dir())
    obj = tmp_path / "prog.bpfy.o"
    obj.write_bytes(elf)
    monkeypatch.setenv("BPFY_CLANG", "/nonexistent/clang")
    monkeypatch.setenv("PATH", "/nonexistent")
    with BPF(obj_file=str(obj)) as b:
        make_getppid_calls(6)
        assert b["counts"][SYS_GETPPID].value == 6


def test_get_table_with_a_reducer_sums_per_cpu_values():
    text = r'''
    BPF_PERCPU_ARRAY(hits, u64, 1);
    RAW_TRACEPOINT_PROBE(sys_enter) {
        if ((bpf_get_current_pid_tgid() >> 32) != TARGET_PID)
            return 0;
        if (ctx->args[1] != SYS_GETPGRP_NR)
            return 0;
        int k = 0;
        u64 *v = hits.lookup(&k);
        if (v)
            *v += 1;
        return 0;
    }
    '''
    with BPF(text=text, cflags=[f"-DTARGET_PID={PID}", f"-DSYS_GETPGRP_NR={SYS_GETPGRP}"]) as b:
        for _ in range(9):
            os.getpgrp()
        reduced = b.get_table("hits", reducer=lambda x, y: x + y)
        assert reduced[0] == 9
        assert [v for _, v in reduced.items()] == [9]
        assert sum(b["hits"].getvalue(0)) == 9
        with pytest.raises(TypeError):
            b.get_table("hits", reducer="not callable")
    with BPF(text=COUNT_BY_SYSCALL, cflags=[f"-DTARGET_PID={PID}"]) as b:
        with pytest.raises(TypeError):
            b.get_table("counts", reducer=max)


def test_auto_attached_kprobe_refusal_is_plain():
    """kprobe__fn auto-attaches; on a kernel without kprobes the error says so
    (the same message as attach_kprobe), found by a real probe."""
    from bpfy import UnsupportedError
    text = "int kprobe__do_sys_openat2(struct pt_regs *ctx) { return 0; }"
    if BPF._kprobes_supported():  # the kprobe PMU or kprobe_events exists
        with BPF(text=text) as b:
            assert b.num_open_kprobes() == 1
        return
    with pytest.raises(UnsupportedError) as info:
        BPF(text=text)
    assert "CONFIG_KPROBES" in str(info.value) and "kprobe__do_sys_openat2" in str(info.value)


def test_num_open_tracepoints_counts_auto_and_explicit(explicit, counter):
    assert counter.num_open_tracepoints() == 1  # TRACEPOINT_PROBE, auto-attached
    assert explicit.num_open_tracepoints() == 0
    explicit.attach_tracepoint(tp="syscalls:sys_enter_getppid", fn_name="do_count")
    try:
        assert explicit.num_open_tracepoints() == 1
    finally:
        explicit.detach_tracepoint(tp="syscalls:sys_enter_getppid")
    assert explicit.num_open_tracepoints() == 0
