"""What the bad input tests share: one program with a map of every shape the
cases poke at, and a runner for cases that could take the interpreter down."""
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PID = os.getpid()
SYS_GETPPID = 110

PROGRAM = r'''
struct key_t { u32 pid; char comm[16]; };
struct val_t { u64 count; s32 delta; u8 flags; };
struct event { u32 pid; u32 seq; };
BPF_HASH(h, u32, u64, 4);
BPF_HASH(s, struct key_t, struct val_t, 16);
BPF_ARRAY(a, u64, 8);
BPF_ARRAY(sa, s32, 8);
BPF_PERCPU_ARRAY(pa, u64, 4);
BPF_RINGBUF_OUTPUT(ring, 1);
BPF_PERF_OUTPUT(perf);

/* explicit attach targets of several program types */
int fn(void *ctx) { return 0; }
int rawfn(struct bpf_raw_tracepoint_args *ctx) { return 0; }

/* events, only from this process's getppid() */
int produce(struct bpf_raw_tracepoint_args *ctx) {
    if ((bpf_get_current_pid_tgid() >> 32) != TARGET_PID || ctx->args[1] != SYS_GETPPID_NR)
        return 0;
    struct event e = { .pid = TARGET_PID };
    ring.ringbuf_output(&e, sizeof(e), 0);
    perf.perf_submit(ctx, &e, sizeof(e));
    return 0;
}
'''
CFLAGS = [f"-DTARGET_PID={PID}", f"-DSYS_GETPPID_NR={SYS_GETPPID}"]


def run_isolated(code, env=None, preexec_fn=None, timeout=120):
    """Runs `code` in a fresh interpreter with bpfy importable (a crash there
    cannot take the suite down). Returns the CompletedProcess."""
    child_env = dict(os.environ)
    child_env["PYTHONPATH"] = os.pathsep.join(
        [os.path.join(REPO, "pybind"), child_env.get("PYTHONPATH", "")])
    child_env.update(env or {})
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=child_env, preexec_fn=preexec_fn, timeout=timeout)
