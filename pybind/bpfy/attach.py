"""bcc-compatible attach methods beyond tracepoints (mixed into BPF)."""


class AttachMixin:
    """attach_*/detach_* for kprobes, uprobes, perf events, XDP, tc, sockets, cgroups, ..."""
