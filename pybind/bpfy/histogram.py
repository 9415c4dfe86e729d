"""Histograms of tables, printed in bcc's exact text format.

BPF_HISTOGRAM maps hold one counter per slot: slot i of a log2 histogram
counts values v with bpf_log2l(v) == i, i.e. 2**(i-1) <= v < 2**i (slot 0
counts zeros and is not printed, as in bcc). Two key shapes are understood:

- an integer key (the slot itself): one histogram;
- a struct key with a `slot` field (or, as bcc assumes, the second field):
  one histogram per distinct value of the other field(s), a "section".

install() adds print_log2_hist, print_linear_hist, print_json_hist,
log2_hist/linear_hist (the data) and format_log2_hist/format_linear_hist
(the text) to every table type. This is display code, not a hot path.
"""
import sys
import time

STARS_MAX = 40
LOG2_INDEX_MAX = 65
LINEAR_INDEX_MAX = 1025

_PADDING_PREFIXES = ("__pad", "__bpfy_pad", "_pad")


class HistogramError(ValueError):
    """The table's key cannot be read as histogram slots."""


# -- reading a table --------------------------------------------------------


def _count(value):
    """A counter value as an int: CInt, ctypes, plain int, or a per-CPU list
    (summed over CPUs)."""
    if isinstance(value, (list, tuple)):
        return sum(_count(v) for v in value)
    if isinstance(value, int):
        return int(value)
    inner = getattr(value, "value", None)
    if isinstance(inner, int):
        return inner
    raise HistogramError(f"histogram values must be integers, not {type(value).__name__}")


def _key_fields(table):
    """None for an integer key, else (bucket fields, slot field) of a struct key."""
    fields = getattr(table.Key, "_fields", None)
    if fields is None:
        ctypes_fields = getattr(table.Key, "_fields_", None)
        if ctypes_fields is None:
            return None
        fields = tuple(name for name, *_ in ctypes_fields)
    names = [f for f in fields if not f.startswith(_PADDING_PREFIXES)]
    if "slot" in names:
        slot = "slot"
    elif len(names) >= 2:
        slot = names[1]  # bcc's rule: the second (non-padding) field is the slot
    else:
        raise HistogramError(f"table {table.name!r}: a struct key needs a 'slot' field "
                             f"and a section field, it has {list(fields)}")
    buckets = [f for f in names if f != slot]
    if not buckets:
        raise HistogramError(f"table {table.name!r}: struct key has no section field")
    return buckets, slot


def _slot_index(slot, limit, table):
    slot = _count(slot)
    if slot < 0 or slot >= limit:
        raise IndexError(f"table {table.name!r}: slot {slot} is outside 0..{limit - 1}")
    return slot


def histogram_data(table, index_max=LOG2_INDEX_MAX, bucket_fn=None, bucket_sort_fn=None):
    """The counters of a histogram table.

    Returns [(section, counts)]: section is None for an integer key, else the
    section field's value (a tuple when the key has several section fields),
    passed through bucket_fn when given; counts is a list of index_max ints.
    Sections come in key order, or as bucket_sort_fn orders them. Counters of
    keys that decode alike (e.g. differing only in padding) are added up."""
    fields = _key_fields(table)
    if fields is None:
        counts = [0] * index_max
        for key, value in table.items():
            counts[_slot_index(key, index_max, table)] += _count(value)
        return [(None, counts)]
    bucket_names, slot_name = fields
    sections = {}
    for key, value in table.items():
        if len(bucket_names) == 1:
            bucket = getattr(key, bucket_names[0])
        else:
            bucket = tuple(getattr(key, name) for name in bucket_names)
        if bucket_fn is not None:
            bucket = bucket_fn(bucket)
        counts = sections.setdefault(bucket, [0] * index_max)
        counts[_slot_index(getattr(key, slot_name), index_max, table)] += _count(value)
    order = list(sections)
    if bucket_sort_fn is not None:
        order = list(bucket_sort_fn(order))
    return [(bucket, sections[bucket]) for bucket in order]


# -- bcc's text format ------------------------------------------------------


def _stars(val, val_max, width):
    """bcc's bar: width * val / val_max stars, '+' as the last one on overflow."""
    if val_max <= 0:
        return ""
    count = 0
    while count <= width * val / val_max - 1 and count <= width - 1:
        count += 1
    text = "*" * count
    if val > val_max:
        text = text[:-1] + "+"
    return text


def log2_lines(vals, val_type="value", strip_leading_zero=None):
    """The lines bcc prints for log2 counters vals (slot i = [2**(i-1), 2**i))."""
    idx_max, val_max = -1, 0
    for i, v in enumerate(vals):
        if v > 0:
            idx_max = i
        val_max = max(val_max, v)
    if idx_max <= 32:
        header = "     %-19s : count     distribution"
        body = "%10d -> %-10d : %-8d |%-*s|"
        stars = STARS_MAX
    else:
        header = "               %-29s : count     distribution"
        body = "%20d -> %-20d : %-8d |%-*s|"
        stars = STARS_MAX // 2
    lines = []
    if idx_max > 0:
        lines.append(header % val_type)
    for i in range(1, idx_max + 1):
        low, high = (1 << i) >> 1, (1 << i) - 1
        if low == high:
            low -= 1
        val = vals[i]
        if strip_leading_zero:
            if not val:
                continue
            strip_leading_zero = False
        lines.append(body % (low, high, val, stars, _stars(val, val_max, stars)))
    return lines


def linear_lines(vals, val_type="value", strip_leading_zero=None):
    """The lines bcc prints for linear counters vals (slot i = value i)."""
    idx_max, val_max = -1, 0
    for i, v in enumerate(vals):
        if v > 0:
            idx_max = i
        val_max = max(val_max, v)
    lines = []
    if idx_max >= 0:
        lines.append("     %-13s : count     distribution" % val_type)
    for i in range(0, idx_max + 1):
        val = vals[i]
        if strip_leading_zero:
            if not val:
                continue
            strip_leading_zero = False
        lines.append("        %-10d : %-8d |%-*s|" % (i, val, STARS_MAX,
                                                        _stars(val, val_max, STARS_MAX)))
    return lines


def json_hist(vals, val_type="value", section_bucket=None):
    """bcc's JSON histogram dict: ts, val_type, data=[{interval-start,
    interval-end, count}] up to the last non-zero slot, and the section as
    section_bucket = (header, value)."""
    last = 0
    for i, v in enumerate(vals):
        if v != 0:
            last = i
    data, index, prev = [], 1, 0
    for i in range(1, last + 1):
        index *= 2
        data.append({"interval-start": prev, "interval-end": index - 1, "count": int(vals[i])})
        prev = index
    hist = {"ts": time.strftime("%Y-%m-%d %H:%M:%S"), "val_type": val_type, "data": data}
    if section_bucket:
        hist[section_bucket[0]] = section_bucket[1]
    return hist


def _section_title(section_header, section_print_fn, bucket):
    shown = section_print_fn(bucket) if section_print_fn else repr(bucket)
    return "\n%s = %s" % (section_header, shown)


def _format(table, lines_fn, index_max, val_type, section_header, section_print_fn,
            bucket_fn, strip_leading_zero, bucket_sort_fn):
    out = []
    sectioned = _key_fields(table) is not None
    for bucket, vals in histogram_data(table, index_max, bucket_fn, bucket_sort_fn):
        if sectioned:
            out.append(_section_title(section_header, section_print_fn, bucket))
        out.extend(lines_fn(vals, val_type, strip_leading_zero))
    return "\n".join(out)


# -- methods installed on tables --------------------------------------------


def format_log2_hist(self, val_type="value", section_header="Bucket ptr", section_print_fn=None,
                     bucket_fn=None, strip_leading_zero=None, bucket_sort_fn=None):
    """format_log2_hist(...) -> str: what print_log2_hist prints, without the
    final newline."""
    return _format(self, log2_lines, LOG2_INDEX_MAX, val_type, section_header, section_print_fn,
                   bucket_fn, strip_leading_zero, bucket_sort_fn)


def print_log2_hist(self, val_type="value", section_header="Bucket ptr", section_print_fn=None,
                    bucket_fn=None, strip_leading_zero=None, bucket_sort_fn=None, file=None):
    """print_log2_hist(val_type="value", section_header="Bucket ptr",
    section_print_fn=None, bucket_fn=None, strip_leading_zero=None,
    bucket_sort_fn=None, file=None)

    Print the table as a log2 histogram, exactly as bcc does. Keys are slots
    (bpf_log2l() of the value); val_type names the value column. A struct key
    with a `slot` field prints one histogram per section (the other field),
    titled "section_header = repr(section)" or section_print_fn(section);
    bucket_fn maps each section value first, bucket_sort_fn orders the
    sections. strip_leading_zero skips empty leading slots. file defaults to
    sys.stdout (a bpfy extension)."""
    text = format_log2_hist(self, val_type, section_header, section_print_fn, bucket_fn,
                            strip_leading_zero, bucket_sort_fn)
    if text:
        print(text, file=file or sys.stdout)


def format_linear_hist(self, val_type="value", section_header="Bucket ptr",
                       section_print_fn=None, bucket_fn=None, strip_leading_zero=None,
                       bucket_sort_fn=None):
    """format_linear_hist(...) -> str: what print_linear_hist prints."""
    return _format(self, linear_lines, LINEAR_INDEX_MAX, val_type, section_header,
                   section_print_fn, bucket_fn, strip_leading_zero, bucket_sort_fn)


def print_linear_hist(self, val_type="value", section_header="Bucket ptr", section_print_fn=None,
                      bucket_fn=None, strip_leading_zero=None, bucket_sort_fn=None, file=None):
    """print_linear_hist(val_type="value", section_header="Bucket ptr",
    section_print_fn=None, bucket_fn=None, strip_leading_zero=None,
    bucket_sort_fn=None, file=None)

    Print the table as a linear histogram (key = the value itself, 0..1024),
    exactly as bcc does; the arguments are those of print_log2_hist."""
    text = format_linear_hist(self, val_type, section_header, section_print_fn, bucket_fn,
                              strip_leading_zero, bucket_sort_fn)
    if text:
        print(text, file=file or sys.stdout)


def get_json_hist(self, val_type="value", section_header="Bucket ptr", section_print_fn=None,
                  bucket_fn=None, bucket_sort_fn=None):
    """get_json_hist(...) -> list of dicts: what print_json_hist prints, one
    dict per section (one in all for an integer key)."""
    out = []
    sectioned = _key_fields(self) is not None
    for bucket, vals in histogram_data(self, LOG2_INDEX_MAX, bucket_fn, bucket_sort_fn):
        section = None
        if sectioned:
            section = (section_header, section_print_fn(bucket) if section_print_fn else bucket)
        out.append(json_hist(vals, val_type, section))
    return out


def print_json_hist(self, val_type="value", section_header="Bucket ptr", section_print_fn=None,
                    bucket_fn=None, bucket_sort_fn=None, file=None):
    """print_json_hist(val_type="value", section_header="Bucket ptr",
    section_print_fn=None, bucket_fn=None, bucket_sort_fn=None, file=None)

    Print the log2 histogram as bcc does: one Python dict per line (per
    section) with keys ts, val_type, data (interval-start, interval-end,
    count) and, for struct keys, section_header."""
    for hist in get_json_hist(self, val_type, section_header, section_print_fn, bucket_fn,
                              bucket_sort_fn):
        print(hist, file=file or sys.stdout)


def log2_hist(self, bucket_fn=None):
    """log2_hist() -> [(section, [(low, high, count)])]: the non-empty range of
    a log2 histogram as numbers (section None for an integer key)."""
    out = []
    for bucket, vals in histogram_data(self, LOG2_INDEX_MAX, bucket_fn):
        last = max((i for i, v in enumerate(vals) if v), default=0)
        rows = []
        for i in range(1, last + 1):
            low, high = (1 << i) >> 1, (1 << i) - 1
            rows.append((low - 1 if low == high else low, high, vals[i]))
        out.append((bucket, rows))
    return out


def linear_hist(self, bucket_fn=None):
    """linear_hist() -> [(section, [(value, count)])] up to the last non-zero value."""
    out = []
    for bucket, vals in histogram_data(self, LINEAR_INDEX_MAX, bucket_fn):
        last = max((i for i, v in enumerate(vals) if v), default=-1)
        out.append((bucket, [(i, vals[i]) for i in range(last + 1)]))
    return out


METHODS = {
    "print_log2_hist": print_log2_hist,
    "print_linear_hist": print_linear_hist,
    "print_json_hist": print_json_hist,
    "format_log2_hist": format_log2_hist,
    "format_linear_hist": format_linear_hist,
    "get_json_hist": get_json_hist,
    "log2_hist": log2_hist,
    "linear_hist": linear_hist,
}


def install(table_type=None):
    """Add the histogram methods, and display's _repr_html_/plot/to_pandas,
    to table_type (default: bpfy's base Table type, so that every table
    family inherits them). Idempotent."""
    from . import display
    if table_type is None:
        from . import _bpfy
        table_type = _bpfy.Table
    for name, func in METHODS.items():
        setattr(table_type, name, func)
    display.install(table_type)
    return table_type
