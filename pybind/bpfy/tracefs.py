"""tracefs: the kernel's trace pipe (bpf_trace_printk output) and its list of
tracepoints. Not a hot path, so plain Python."""
import os
import re

# "  <task>-<pid> [(<tgid>)] [<cpu>] <flags> <timestamp>: <symbol>: <message>"
_TRACE_LINE = re.compile(
    rb"^\s*(?P<task>.*?)-(?P<pid>\d+)\s+(?:\(\s*[\d-]+\)\s+)?\[(?P<cpu>\d+)\]\s+"
    rb"(?:(?P<flags>[^\s\[\]]{4,5})\s+)?(?P<ts>\d+\.\d+):\s+(?P<sym>[^:]*):\s?(?P<msg>.*)$"
)


def ensure_mounted():
    """Mount tracefs at /sys/kernel/tracing when it is absent; return the path."""
    from . import _bpfy

    return _bpfy.tracefs_dir()


def parse_trace_line(line):
    """(task, pid, cpu, flags, ts, msg) of one trace_pipe line, or None."""
    match = _TRACE_LINE.match(line.rstrip(b"\n"))
    if not match:
        return None
    return (
        match.group("task").strip(),
        int(match.group("pid")),
        int(match.group("cpu")),
        match.group("flags") or b"",
        float(match.group("ts")),
        match.group("msg"),
    )


def tracepoint_exists(category, event):
    """True when tracefs has the tracepoint category:event."""
    category = category.decode() if isinstance(category, bytes) else category
    event = event.decode() if isinstance(event, bytes) else event
    return os.path.exists(os.path.join(ensure_mounted(), "events", category, event, "id"))


def get_tracepoints(pattern):
    """Every "category:event" whose name matches the regular expression."""
    pattern = pattern.decode() if isinstance(pattern, bytes) else pattern
    regex = re.compile(pattern)
    events_dir = os.path.join(ensure_mounted(), "events")
    found = []
    for category in sorted(os.listdir(events_dir)):
        category_dir = os.path.join(events_dir, category)
        if not os.path.isdir(category_dir):
            continue
        for event in sorted(os.listdir(category_dir)):
            name = f"{category}:{event}"
            if os.path.isdir(os.path.join(category_dir, event)) and regex.fullmatch(name):
                found.append(name)
    return found
