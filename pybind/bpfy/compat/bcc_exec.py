"""bcc.exec on bpfy: start a command held until the tracer is ready.

    pid = run_cmd(["ls", "-l"])   # forked, waiting
    ... attach with pid ...
    cmd_ready()                    # it execs now
    while not cmd_exited(): ...
"""
import os
import signal
import sys

_state = {"pipe": None, "pid": None, "exited": False}


def _on_sigchld(signum, frame):
    pid = _state["pid"]
    if pid is None:
        return
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        done = pid
    if done == pid:
        _state["exited"] = True


def run_cmd(args):
    """Fork a child that runs args (execvp) once cmd_ready() is called; its pid."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(write_end)
            os.read(read_end, 1)
            os.execvp(args[0], list(args))
        except OSError as exc:
            print(f"failed to exec command: {' '.join(args)}: {exc}", file=sys.stderr)
        os._exit(127)
    os.close(read_end)
    _state.update(pipe=write_end, pid=pid, exited=False)
    signal.signal(signal.SIGCHLD, _on_sigchld)
    return pid


def cmd_ready():
    """Let the command of run_cmd() exec."""
    fd = _state["pipe"]
    if fd is None:
        raise RuntimeError("cmd_ready() before run_cmd()")
    try:
        os.write(fd, b"x")
    finally:
        os.close(fd)
        _state["pipe"] = None


def cmd_exited():
    """1 once the command of run_cmd() has exited, else 0."""
    return int(_state["exited"])
