"""Lifetimes that once crashed: objects still alive when the interpreter
shuts down (module state is gone by then), and a BPF object closed from
inside one of its own event callbacks. Each runs in a child interpreter so
a crash is a failed assertion, not a dead test run."""
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_child(code):
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "pybind"))
    return subprocess.run([sys.executable, "-X", "faulthandler", "-c", code], env=env,
                          capture_output=True, text=True, timeout=120)


def test_objects_alive_at_interpreter_exit():
    code = r'''
import os
from bpfy import BPF
text = """
BPF_HASH(counts, u32, u64);
BPF_PERF_OUTPUT(events);
RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != %d) return 0;
    u32 k = 1; counts.increment(k);
    u64 v = 7; events.perf_submit(ctx, &v, sizeof(v));
    return 0;
}
""" % os.getpid()
open_one = BPF(text=text)
closed_one = BPF(text=text)
tables = [open_one["counts"], closed_one["counts"], open_one["events"], closed_one["events"]]
open_one["events"].open_perf_buffer(lambda cpu, data, size: None)
closed_one["events"].open_perf_buffer(lambda cpu, data, size: None)
os.getppid()
closed_one.close()
cycle = [open_one, tables]
cycle.append(cycle)   # left for the collector at shutdown
print("ok")
'''
    result = run_child(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_close_from_inside_an_event_callback():
    code = r'''
import os
from bpfy import BPF
b = BPF(text="""
BPF_PERF_OUTPUT(events);
RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != %d) return 0;
    u64 v = 1; events.perf_submit(ctx, &v, sizeof(v));
    return 0;
}
""" % os.getpid())
seen = []
def callback(cpu, data, size):
    seen.append(size)
    b.close()
b["events"].open_perf_buffer(callback)
for _ in range(10):
    os.getppid()
try:
    b.perf_buffer_poll(timeout=1000)
except ValueError:
    pass   # the object closed under the poll: a clean error is fine
print("closed", b.closed, "seen", len(seen) >= 1)
'''
    result = run_child(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "closed True seen True"
