"""Smoke tests of examples/tools: each tool runs in a subprocess against a
real workload this test starts (filtered to it where the tool can filter),
is stopped with SIGINT, and its output is checked."""
import mmap
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOLS = os.path.join(REPO, "examples", "tools")
PYTHON = sys.executable
ENV = dict(os.environ, PYTHONPATH=os.path.join(REPO, "pybind"), PYTHONUNBUFFERED="1")


class Tool:
    """A tool running in a subprocess: started, ready once it printed its
    first line (after attaching), stopped with SIGINT."""

    def __init__(self, name, *args):
        self.proc = subprocess.Popen([PYTHON, os.path.join(TOOLS, name), *map(str, args)],
                                     env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        self.first = self.proc.stdout.readline()
        if not self.first:
            err = self.proc.stderr.read()
            self.proc.wait()
            pytest.fail(f"{name} did not start: {err}")

    def stop(self, interrupt=True):
        if interrupt and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            out, err = self.proc.communicate(timeout=60)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        assert self.proc.returncode == 0, err
        return self.first + out


class Workload:
    """A Python child that waits for a line on stdin, runs code, and exits."""

    def __init__(self, code, name=None):
        prelude = "import os, sys, time\n"
        if name:
            prelude += f"open('/proc/self/comm', 'w').write({name!r})\n"
        self.proc = subprocess.Popen([PYTHON, "-c", prelude + "sys.stdin.readline()\n" + code],
                                     stdin=subprocess.PIPE, text=True)
        self.pid = self.proc.pid

    def run(self):
        self.proc.stdin.write("go\n")
        self.proc.stdin.close()
        assert self.proc.wait(timeout=60) == 0

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def workload():
    made = []

    def make(code, name=None):
        made.append(Workload(code, name))
        return made[-1]
    yield make
    for w in made:
        w.kill()


def traced(tool_name, tool_args, work):
    """Start the tool, run the workload, stop the tool: its output."""
    tool = Tool(tool_name, *tool_args)
    work.run()
    return tool.stop()


def test_execsnoop(tmp_path):
    marker = tmp_path / f"bpfy-tools-marker-{os.getpid()}"
    shutil.copy("/bin/true", marker)
    tool = Tool("execsnoop.py", "--ppid", os.getpid(), "-n", marker.name, "--max-events", 1)
    child = subprocess.Popen([str(marker)])
    child.wait(timeout=10)
    out = tool.stop(interrupt=False)  # it exits after one event
    [line] = [line for line in out.splitlines() if str(marker) in line]
    assert line.split() == [marker.name[:15], str(child.pid), str(os.getpid()), "0",
                            str(marker)]


def test_opensnoop(workload):
    missing = f"/nonexistent-bpfy-{os.getpid()}"
    work = workload(f"for _ in range(3):\n    try: open({missing!r})\n    except OSError: pass\n"
                    "open('/etc/hostname').close()\n")
    out = traced("opensnoop.py", ["-p", work.pid], work)
    fails = [line.split() for line in out.splitlines() if line.endswith(missing)]
    assert fails == [[str(work.pid), "python3", "-1", "2", missing]] * 3
    ok = [line.split() for line in out.splitlines() if line.endswith("/etc/hostname")]
    assert len(ok) == 1 and int(ok[0][2]) >= 3 and ok[0][3] == "0"


def test_syscount(workload):
    work = workload("for _ in range(400): os.getppid()\n")
    out = traced("syscount.py", ["-p", work.pid, "-L", "-T", 50], work)
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[2:] if line.strip()}
    assert rows["getppid"][0] == "400"
    assert float(rows["getppid"][1]) > 0  # total latency in us


def test_syscount_by_process(workload):
    work = workload("for _ in range(100): os.getppid()\n")
    out = traced("syscount.py", ["-p", work.pid, "-P"], work)
    row = out.splitlines()[2].split()
    assert row[0] == str(work.pid) and int(row[-1]) >= 100


def test_killsnoop(workload):
    target = workload("")  # never released: a process to signal
    tool = Tool("killsnoop.py")
    os.kill(target.pid, signal.SIGTERM)
    target.proc.wait(timeout=10)
    try:
        os.kill(target.pid, signal.SIGTERM)  # gone now (reaped): ESRCH
    except ProcessLookupError:
        pass
    out = tool.stop()
    # only this process's kills of the target (other workloads of the test
    # session may be signalled meanwhile)
    mine = [fields for fields in (line.split() for line in out.splitlines())
            if fields[:1] == [str(os.getpid())] and fields[3:4] == [str(target.pid)]]
    assert [fields[2:] for fields in mine] == [["15", str(target.pid), "0"],
                                               ["15", str(target.pid), "-3"]], out


def _direct_io(path, count, size=64 * 1024):
    """count writes of size bytes to path with O_DIRECT (aligned buffer),
    each followed by fdatasync: real block requests."""
    buf = mmap.mmap(-1, size)
    buf.write(b"b" * size)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_DIRECT, 0o600)
    try:
        for i in range(count):
            os.pwrite(fd, buf, i * size)
            os.fdatasync(fd)
    finally:
        os.close(fd)


BLOCK_WORK = ("import mmap\nbuf = mmap.mmap(-1, 65536); buf.write(b'b' * 65536)\n"
              "fd = os.open({path!r}, os.O_WRONLY | os.O_CREAT | os.O_DIRECT, 0o600)\n"
              "for i in range(8):\n    os.pwrite(fd, buf, i * 65536); os.fdatasync(fd)\n"
              "os.close(fd)\n")


def _block_device_of(path):
    dev = os.stat(path).st_dev
    return os.path.exists(f"/sys/dev/block/{os.major(dev)}:{os.minor(dev)}")


def test_bitesize(workload, tmp_path):
    if not _block_device_of(tmp_path):
        pytest.skip(f"{tmp_path} is not on a block device: no block tracepoint events")
    work = workload(BLOCK_WORK.format(path=str(tmp_path / "data")), name="bpfy-bitesize")
    out = traced("bitesize.py", [], work)
    lines = out.splitlines()
    assert "Process Name = bpfy-bitesize" in lines, out
    section = lines[lines.index("Process Name = bpfy-bitesize") + 1:]
    assert section[0] == "     Kbytes              : count     distribution"
    assert "->" in section[1]
    # the eight 64 KiB direct writes: most are issued in the writer's context, some
    # may be dispatched by a kworker (another section), and the device may split them
    counts = [int(line.split(":")[1].split("|")[0]) for line in lines
              if "->" in line and "|" in line]
    assert sum(counts) >= 8


def test_biolatency(workload, tmp_path):
    if not _block_device_of(tmp_path):
        pytest.skip(f"{tmp_path} is not on a block device: no block tracepoint events")
    work = workload(BLOCK_WORK.format(path=str(tmp_path / "data")))
    out = traced("biolatency.py", ["-D"], work)
    lines = out.splitlines()
    dev = os.stat(tmp_path).st_dev
    disk = [line for line in lines if line.startswith("disk = ")]
    assert disk, out
    header = lines.index(disk[0]) + 1
    assert lines[header] == "     usecs               : count     distribution"
    counts = [int(line.split(":")[1].split("|")[0]) for line in lines if "->" in line]
    assert sum(counts) >= 8, (dev, out)


def test_runqlat(workload):
    work = workload("for _ in range(200): time.sleep(0.0005)\n")
    out = traced("runqlat.py", ["-p", work.pid], work)
    lines = out.splitlines()
    assert "     usecs               : count     distribution" in lines
    counts = [int(line.split(":")[1].split("|")[0]) for line in lines if "->" in line]
    # 200 sleeps: nearly every wakeup is measured (a timer that fires before
    # the task is off the CPU needs no wakeup, which happens under load)
    assert sum(counts) >= 150, out


def test_offcputime(workload):
    work = workload("for _ in range(20): time.sleep(0.002)\n", name="bpfy-offcpu")
    out = traced("offcputime.py", ["-p", work.pid], work)
    assert f"-                bpfy-offcpu ({work.pid})" in out
    block = out.split(f"-                bpfy-offcpu ({work.pid})")[0].splitlines()
    frames = [line.strip() for line in block[1:] if line.startswith("    ")]
    assert any("schedule" in frame for frame in frames), out


def test_profile(workload):
    work = workload("end = time.monotonic() + 1.0\nwhile time.monotonic() < end: pass\n",
                    name="bpfy-profile")
    out = traced("profile.py", ["-p", work.pid, "-F", 199, "-f"], work)
    folded = [line for line in out.splitlines() if line.startswith("bpfy-profile;")]
    assert folded, out
    samples = sum(int(line.rsplit(" ", 1)[1]) for line in folded)
    assert samples >= 50  # ~199 Hz over ~1 s of CPU
    assert any(";" in line.split(" ", 1)[0][len("bpfy-profile;"):] for line in folded)


def test_stackcount(workload):
    work = workload("for _ in range(77): os.getppid()\n")
    out = traced("stackcount.py", ["syscalls:sys_enter_getppid", "-p", work.pid], work)
    body = out.split("\n", 1)[1]  # after the "Tracing ..." line
    blocks = [b for b in body.split("\n\n") if b.strip()]
    total = sum(int(b.strip().splitlines()[-1]) for b in blocks)
    assert total == 77
    assert "do_syscall_64" in out


def test_funccount_tracepoints(workload):
    work = workload("for _ in range(55): os.getppid()\nfor _ in range(3): os.getpgrp()\n")
    out = traced("funccount.py", ["t:syscalls:sys_enter_getp*", "-p", work.pid], work)
    rows = {line.split()[0]: int(line.split()[1]) for line in out.splitlines()
            if line.startswith("syscalls:")}
    assert rows["syscalls:sys_enter_getppid"] == 55
    assert rows["syscalls:sys_enter_getpgrp"] == 3


def test_funccount_uprobes(workload, tmp_path):
    work = workload("import zlib\nfor _ in range(9): zlib.crc32(b'x')\n")
    # libz's crc32 entry point, in the workload only
    out = traced("funccount.py", ["u:z:crc32", "-p", work.pid], work)
    rows = {line.split()[0]: int(line.split()[1]) for line in out.splitlines()
            if line.startswith("crc32")}
    assert rows.get("crc32", 0) >= 9, out


def test_tcpconnect():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    port = server.getsockname()[1]
    try:
        tool = Tool("tcpconnect.py", "-P", port)
        for _ in range(2):
            with socket.create_connection(("127.0.0.1", port)):
                server.accept()[0].close()
        time.sleep(0.2)  # let the perf buffer be polled before stopping
        out = tool.stop()
    finally:
        server.close()
    rows = [line.split() for line in out.splitlines()[1:] if line.strip()]
    assert rows == [[str(os.getpid()), rows[0][1], "4", "127.0.0.1", "127.0.0.1", str(port)]] * 2


def test_sockcount():
    dest = f"127.{os.getpid() % 200 + 20}.{os.getpid() % 250}.9"
    tool = Tool("sockcount.py", "-i", "lo")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _ in range(25):
            sock.sendto(b"x" * 100, (dest, 9))
    time.sleep(0.1)
    out = tool.stop()
    lines = out.splitlines()
    protos = {line.split()[0]: int(line.split()[1]) for line in
              lines[lines.index(next(l for l in lines if l.startswith("PROTOCOL"))) + 1:]
              if line.strip() and not line.startswith("DESTINATION")}
    assert protos.get("UDP", 0) >= 25
    dest_rows = [line.split() for line in lines if line.startswith(dest + " ")]
    # 25 datagrams of 100 bytes: 14 Ethernet + 20 IP + 8 UDP + 100
    assert dest_rows == [[dest, "25", str(25 * 142)]]
