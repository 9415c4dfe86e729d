"""What the tools in this folder share: the bcc-style chores each of them
wrote out again (filter macros, the events table, the trace-until-Ctrl-C
loops, stacks as symbols and their report). A tool imports it as a sibling
module (`from _common import ...`): its folder is sys.path[0] when it runs
as a script."""
import signal
import time

from bpfy import BPFError
from bpfy.display import stack_addresses


def filter_cflags(**filters):
    """-DNAME=value for each filter that is set, for the program's
    `#ifdef NAME` blocks: filter_cflags(FILTER_PID=args.pid)."""
    return [f"-D{name}={value}" for name, value in filters.items() if value]


def event_table(b, name, ctype):
    """The perf/ring table `name` of b, decoding records as ctype when the
    program's BTF gave it no event type."""
    events = b[name]
    if events.event_type is None:
        events.event_type = ctype
    return events


def usym(b, addr, pid):
    """The user symbol of addr in pid, "[unknown]" once the process is gone."""
    try:
        return b.sym(addr, pid).decode(errors="replace")
    except BPFError:
        return "[unknown]"


def kernel_frames(b, stacks, stack_id):
    """Kernel symbols of stack stack_id of the BPF_STACK_TRACE table stacks."""
    return [b.ksym(a).decode(errors="replace") for a in stack_addresses(stacks, stack_id)]


def user_frames(b, stacks, stack_id, pid):
    """User symbols (in process pid) of stack stack_id of stacks."""
    return [usym(b, a, pid) for a in stack_addresses(stacks, stack_id)]


def print_stack(name, pid, kernel, user, count, folded=False):
    """One stack as bcc's profile/offcputime print it: kernel frames, "--",
    user frames, the process and the count; or, folded, one line for flame
    graphs (user frames first, outermost first)."""
    if folded:
        print(f"{name};{';'.join(list(reversed(user)) + list(reversed(kernel)))} {count}")
        return
    for frame in kernel:
        print(f"    {frame}")
    if kernel and user:
        print("    --")
    for frame in user:
        print(f"    {frame}")
    print(f"    -                {name} ({pid})")
    print(f"        {count}\n")


def _stop_on_sigterm():
    signal.signal(signal.SIGTERM, signal.default_int_handler)


def _keep_reporting():
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # finish the report


def wait_until_interrupted(banner, duration=None):
    """Print banner, then let the BPF side count for `duration` seconds, or
    until Ctrl-C or SIGTERM when None. A later Ctrl-C is ignored, so the
    tool's report prints whole."""
    _stop_on_sigterm()
    try:
        print(banner, flush=True)
        time.sleep(duration) if duration else signal.pause()
    except KeyboardInterrupt:
        pass
    _keep_reporting()


def poll_until_interrupted(b, header, done=lambda: False):
    """Print header, then poll b's perf buffers (the tool's callbacks print
    each event) until done() is true, Ctrl-C or SIGTERM; then deliver what
    came before the interrupt. Ctrl-C and SIGTERM only set a flag, seen
    after each poll (200 ms at most): a KeyboardInterrupt raised inside a
    callback's print() would cut its line in two."""
    stop = []

    def on_signal(signum, frame):
        stop.append(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    print(header, flush=True)
    while not stop and not done():
        b.perf_buffer_poll(timeout=200)
    _keep_reporting()
    b.perf_buffer_poll(timeout=0)  # what came before the interrupt
