"""bcc-compatible event polling (mixed into BPF)."""


class EventsMixin:
    """perf_buffer_poll, ring_buffer_poll/consume, poll, fileno, ..."""
