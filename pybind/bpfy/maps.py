"""Notebook conveniences over the C tables: to_numpy() and to_pandas().

The dump itself is C (one batch dump into two bytes buffers, GIL released
around the syscalls); this module only wraps those buffers as numpy arrays
without a per-element Python step.
"""
from . import _bpfy

Map = _bpfy.Table  # bpfy.Map.from_pinned(path, ...)


def _arrays(table):
    """(keys, values, n) as numpy arrays over the dumped buffers (no copy)."""
    import numpy as np

    keys, values, n = table._dump_raw()
    kdescr, vdescr, ncpus, stride, key_size, vbuf_size = table._dtype_parts
    kdt, vdt = np.dtype(kdescr), np.dtype(vdescr)
    k = np.ndarray((n,), kdt, keys, strides=(key_size,)) if n else np.empty(0, kdt)
    if ncpus:
        shape, strides = (n, ncpus), (vbuf_size, stride)
    else:
        shape, strides = (n,), (vbuf_size,)
    v = np.ndarray(shape, vdt, values, strides=strides) if n else np.empty(shape, vdt)
    return k, v, n, kdt, vdt, ncpus


def to_numpy(table):
    """A structured array with fields 'key' and 'value' (per CPU: shape (n, cpus))."""
    import numpy as np

    k, v, n, kdt, vdt, ncpus = _arrays(table)
    vfield = ("value", vdt, (ncpus,)) if ncpus else ("value", vdt)
    out = np.empty(n, dtype=[("key", kdt), vfield])
    out["key"] = k
    out["value"] = v
    return out


def _columns(prefix, arr):
    """Flat column name -> 1-D array for a (possibly structured) array."""
    if arr.dtype.names:
        cols = {}
        for name in arr.dtype.names:
            cols.update(_columns(f"{prefix}.{name}" if prefix else name, arr[name]))
        return cols
    if arr.ndim > 1:
        return {f"{prefix}[{i}]": arr[:, i] for i in range(arr.shape[1])}
    return {prefix: arr}


def to_pandas(table):
    """A DataFrame: one column per key/value field ('key', 'value', 'key.pid',
    'value[0]' for CPU 0 of a per-CPU value, ...)."""
    import pandas as pd

    k, v, _, _, _, _ = _arrays(table)
    cols = _columns("key", k) if not k.dtype.names else {
        f"key.{n}": c for n, c in _columns("", k).items()}
    if v.dtype.names:
        cols.update({f"value.{n}": c for n, c in _columns("", v).items()})
    else:
        cols.update(_columns("value", v))
    return pd.DataFrame(cols)
