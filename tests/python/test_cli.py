"""python3 -m bpfy: one-liners run in a subprocess against a workload
process the test starts and releases, filtered to it with -p."""
import json
import os
import signal
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYTHON = sys.executable
ENV = dict(os.environ, PYTHONPATH=os.path.join(REPO, "pybind"))

# Waits for a line on stdin, then makes exactly N getppid() calls and exits.
WORKLOAD = "import os, sys\nsys.stdin.readline()\nfor _ in range({n}): os.getppid()\n"

COUNT_AND_PRINT = r'''
BPF_HASH(syscalls, u32, u64);
BPF_HISTOGRAM(dist);
TRACEPOINT_PROBE(raw_syscalls, sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != FILTER_PID)
        return 0;
    u32 id = args->id;
    syscalls.increment(id);
    if (id == 110) {
        dist.increment(bpf_log2l(id));
        bpf_trace_printk("getppid from %d\n", FILTER_PID);
    }
    return 0;
}
'''


def cli(*args, **kwargs):
    return subprocess.run([PYTHON, "-m", "bpfy", *args], env=ENV, capture_output=True,
                          text=True, timeout=60, **kwargs)


def run_against_workload(cli_args, n):
    """Start the workload, the CLI with -p workload, release the workload
    once the CLI says it is tracing, stop the CLI with SIGINT when the
    workload is done. Returns (returncode, stdout, stderr)."""
    work = subprocess.Popen([PYTHON, "-c", WORKLOAD.format(n=n)], stdin=subprocess.PIPE,
                            text=True)
    tracer = subprocess.Popen([PYTHON, "-m", "bpfy", *cli_args, "-p", str(work.pid)], env=ENV,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = tracer.stderr.readline()
        assert first.startswith("Tracing"), first + tracer.stderr.read()
        work.stdin.write("go\n")
        work.stdin.close()
        assert work.wait(timeout=30) == 0
        tracer.send_signal(signal.SIGINT)
        out, err = tracer.communicate(timeout=30)
        return tracer.returncode, out, first + err, work.pid
    finally:
        for proc in (work, tracer):
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_one_liner_counts_and_prints(tmp_path):
    rc, out, err, pid = run_against_workload(["-e", COUNT_AND_PRINT], 37)
    assert rc == 0, err
    lines = out.splitlines()
    # trace_printk output, as it came (trace_pipe is shared by the machine)
    assert sum(f"getppid from {pid}" in line for line in lines) == 37
    table = lines[lines.index("@syscalls:") + 1:]
    getppid = [line.split() for line in table if line.split()[:1] == ["getppid"]]
    assert getppid == [["getppid", "37"]]  # syscall ids decoded to names
    assert "@dist:" in lines
    hist = lines[lines.index("@dist:") + 1:]
    assert hist[0] == "     value               : count     distribution"
    assert "        64 -> 127        : 37       |****************************************|" in hist


def test_json_output(tmp_path):
    rc, out, err, pid = run_against_workload(["--json", "-e", COUNT_AND_PRINT], 12)
    assert rc == 0, err
    objects = [json.loads(line) for line in out.splitlines()]
    traces = [o for o in objects if o["type"] == "trace" and o.get("pid") == pid]
    assert len(traces) == 12 and all(t["msg"] == f"getppid from {pid}" for t in traces)
    maps = objects[-1]
    assert maps["type"] == "maps"
    entries = maps["maps"]["syscalls"]["entries"]
    assert {"key": "getppid", "value": 12} in entries
    values = [e["value"] for e in entries]
    assert values == sorted(values, reverse=True)
    dist = maps["maps"]["dist"]
    assert dist["type"] == "log2"
    assert dist["sections"][0]["buckets"][-1] == {"low": 64, "high": 127, "count": 12}


def test_source_file_and_flagged_syscall_keys(tmp_path):
    prog = tmp_path / "count.c"
    prog.write_text(COUNT_AND_PRINT.replace("syscalls.", "counts.").replace("(syscalls,", "(counts,").replace(
        "bpf_trace_printk", "if (0) bpf_trace_printk"))
    rc, out, err, _ = run_against_workload(["-f", str(prog), "--syscall-keys", "counts",
                                         "--top", "3"], 500)
    assert rc == 0, err
    lines = out.splitlines()
    table = lines[lines.index("@counts:") + 1:lines.index("@counts:") + 4]
    assert table[0].split() == ["getppid", "500"]  # the largest, decoded as flagged
    assert "getppid from" not in out


def test_duration_ends_the_run():
    result = cli("-e", "BPF_ARRAY(hits, u64, 1); TRACEPOINT_PROBE(syscalls, sys_enter_getppid)"
                       " { int k = 0; hits.increment(k); return 0; }", "-d", "0.3")
    assert result.returncode == 0, result.stderr
    assert "Tracing (all processes) for 0.3 s" in result.stderr


def test_compile_error_exits_nonzero_with_the_diagnostic():
    result = cli("-e", "BPF_HASH(x, u32);\nTRACEPOINT_PROBE(raw_syscalls, sys_enter) "
                       "{ x.frob(1); return 0; }", "-d", "1")
    assert result.returncode == 1
    assert "bpfy: error: <text>:2:" in result.stderr
    assert "unknown method 'frob'" in result.stderr
    assert result.stdout == ""


def test_clang_error_shows_the_log():
    result = cli("-e", "TRACEPOINT_PROBE(raw_syscalls, sys_enter) { return undefined_name; }")
    assert result.returncode == 1
    assert "undefined_name" in result.stderr


def test_missing_tracepoint_exits_nonzero():
    result = cli("-e", "TRACEPOINT_PROBE(no_such_category, no_such_event) { return 0; }",
                 "-d", "1")
    assert result.returncode == 1
    assert "no_such_category" in result.stderr


def test_verifier_error_exits_nonzero():
    result = cli("-e", "TRACEPOINT_PROBE(raw_syscalls, sys_enter) "
                       "{ int *p = (int *)args->id; return *p; }", "-d", "1")
    assert result.returncode == 1
    assert "bpfy: error:" in result.stderr


def test_usage_error():
    result = cli("-d", "1")
    assert result.returncode == 2
    assert "-e" in result.stderr


def test_compile_ahead_of_time(tmp_path):
    prog = tmp_path / "prog.c"
    prog.write_text(COUNT_AND_PRINT)
    result = cli("compile", str(prog), "-D", "FILTER_PID=1")
    assert result.returncode == 0, result.stderr
    obj = tmp_path / "prog.bpfy.o"
    data = obj.read_bytes()
    assert data[:4] == b"\x7fELF"
    assert b".BTF" in data
    assert (cli("compile", str(prog), "-o", str(tmp_path / "other.o"), "-D", "FILTER_PID=1")
            .returncode == 0)
    assert (tmp_path / "other.o").read_bytes()[:4] == b"\x7fELF"


def test_compile_error_in_compile_command(tmp_path):
    prog = tmp_path / "bad.c"
    prog.write_text("TRACEPOINT_PROBE(raw_syscalls, sys_enter) { return nope; }\n")
    result = cli("compile", str(prog))
    assert result.returncode == 1
    assert "nope" in result.stderr
    assert not (tmp_path / "bad.bpfy.o").exists()


def test_object_file_runs_without_clang(tmp_path):
    prog = tmp_path / "prog.c"
    prog.write_text(COUNT_AND_PRINT)
    work = subprocess.Popen([PYTHON, "-c", WORKLOAD.format(n=5)], stdin=subprocess.PIPE,
                            text=True)
    try:
        assert cli("compile", str(prog), "-D", f"FILTER_PID={work.pid}").returncode == 0
        bindir = tmp_path / "bin"  # a PATH with python but no clang
        bindir.mkdir()
        os.symlink(PYTHON, bindir / "python3")
        env = dict(ENV, PATH=str(bindir), BPFY_NO_CACHE="1")
        tracer = subprocess.Popen([str(bindir / "python3"), "-m", "bpfy", "-f",
                                   str(tmp_path / "prog.bpfy.o")], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = tracer.stderr.readline()
        assert first.startswith("Tracing"), first + tracer.stderr.read()
        work.stdin.write("go\n")
        work.stdin.close()
        work.wait(timeout=30)
        tracer.send_signal(signal.SIGINT)
        out, err = tracer.communicate(timeout=30)
        assert tracer.returncode == 0, err
        assert any(line.split() == ["getppid", "5"] for line in out.splitlines())
        assert sum(f"getppid from {work.pid}" in line for line in out.splitlines()) == 5
    finally:
        if work.poll() is None:
            work.kill()
            work.wait()
