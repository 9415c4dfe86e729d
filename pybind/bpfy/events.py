"""Events: bcc-compatible polling (mixed into BPF) and the conveniences of
the event tables that are not hot paths (numpy views, asyncio streams).

The work happens in C (pybind/src/events*.c): draining, decoding, waiting.
"""
import asyncio

from . import _bpfy


class EventsMixin:
    """perf_buffer_poll, ring_buffer_poll/consume, poll, fileno come from the
    C type; this mixin routes b[name] of event maps to their table types."""

    def __getitem__(self, name):
        table = self._event_table(name)
        if table is not None:
            return table
        return super().__getitem__(name)


def _dtype_of(table):
    """A numpy dtype for the table's event_type (bpfy record or ctypes)."""
    import numpy as np
    event_type = table.event_type
    if event_type is None:
        raise TypeError(f"table {table.name!r}: set event_type before read_numpy()")
    if hasattr(event_type, "_fields_"):  # ctypes
        return np.dtype(event_type)
    return _record_dtype(event_type)


_INT_KINDS = {1: "i1", 2: "i2", 4: "i4", 8: "i8"}


def _record_dtype(record_type):
    import numpy as np
    names, formats, offsets = [], [], []
    probe = record_type()
    for name in record_type._fields:
        descr = getattr(record_type, name)
        size, offset = descr.size, descr.offset
        value = getattr(probe, name)
        if isinstance(value, bool):
            fmt = "?"
        elif isinstance(value, float):
            fmt = "f4" if size == 4 else "f8"
        elif isinstance(value, int):
            signed = getattr(type(value), "signed", None)
            fmt = _INT_KINDS.get(size, f"V{size}")
            if signed is False or (signed is None and _looks_unsigned(record_type, name)):
                fmt = "u" + fmt[1:]
        elif isinstance(value, bytes):
            fmt = f"S{size}"
        else:
            fmt = f"V{size}"
        names.append(name)
        formats.append(fmt)
        offsets.append(offset)
    return np.dtype({"names": names, "formats": formats, "offsets": offsets,
                     "itemsize": table_itemsize(record_type)})


def _looks_unsigned(record_type, name):
    text = repr(getattr(record_type, name)).lower()
    return "unsigned" in text or " u" in text or "(u" in text


def table_itemsize(record_type):
    import ctypes
    try:
        return len(memoryview(record_type()).cast("B"))
    except TypeError:
        return ctypes.sizeof(record_type)


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
