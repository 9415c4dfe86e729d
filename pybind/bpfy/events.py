"""Events: bcc-compatible polling (mixed into BPF) and the conveniences of
the event tables that are not hot paths (numpy views, asyncio streams).

The work happens in C (pybind/src/events*.c): draining, decoding, waiting.
"""
from . import _bpfy


class EventsMixin:
    """perf_buffer_poll, ring_buffer_poll/consume, poll and fileno come from
    the C type; b[name] of a perf/ring buffer map is its event table."""


_DTYPES = {}


def _dtype_of(table):
    """A numpy dtype for the table's event_type (bpfy record or ctypes)."""
    event_type = table.event_type
    try:
        return _DTYPES[event_type]
    except (KeyError, TypeError):
        pass
    dtype = _build_dtype(table, event_type)
    try:
        _DTYPES[event_type] = dtype
    except TypeError:
        pass
    return dtype


def _build_dtype(table, event_type):
    import numpy as np
    if event_type is None:
        raise TypeError(f"table {table.name!r}: set event_type before read_numpy()")
    if hasattr(event_type, "_fields_"):  # ctypes
        return np.dtype(event_type)
    spec = table._dtype_spec
    if spec is None:
        raise TypeError(f"table {table.name!r}: event_type {event_type!r} is not a struct")
    return np.dtype(spec)


def read_numpy(self, max_events=None, timeout=0):
    """read_numpy(max_events=None, timeout=0) -> numpy structured array

    Drain records straight into a structured array of the table's event_type
    (no Python object per record). timeout in seconds as for read()."""
    import numpy as np
    dtype = _dtype_of(self)
    raw = self._read_raw(dtype.itemsize, max_events, timeout)
    return np.frombuffer(raw, dtype=dtype)


async def stream(self, max_events=4096):
    """async for ev in table.stream(): decoded records as they arrive, read
    in batches of up to max_events whenever the table's fd is readable."""
    import asyncio  # only for streams: importing it costs ~20 ms at startup

    loop = asyncio.get_running_loop()
    fd = self.fileno()
    while True:
        batch = self.read(max_events, 0)
        if batch:
            for ev in batch:
                yield ev
            continue
        ready = loop.create_future()
        loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
        try:
            await ready
        finally:
            loop.remove_reader(fd)


def _install():
    types = _bpfy.BPF._event_types()
    for name in ("PerfEventArray", "RingBuf"):
        cls = types[name]
        cls.read_numpy = read_numpy
        cls.stream = stream
    return types


EVENT_TYPES = _install()
PerfEventArray = EVENT_TYPES["PerfEventArray"]
RingBuf = EVENT_TYPES["RingBuf"]
UserRingBuf = EVENT_TYPES["UserRingBuf"]
