"""Readable forms of tables: text (the CLI), JSON-able data, HTML and plots
(Jupyter). Display code, not a hot path: it reads whole tables with items().

    from bpfy import display
    print(display.render(b, "counts"))           # sorted by value, keys decoded
    display.table_data(b["counts"])              # JSON-able dict
    b["dist"]                                    # in Jupyter: an HTML histogram
    b["dist"].plot()                              # matplotlib (optional)
"""
import html
import re

from . import histogram

BPF_MAP_TYPE_HASH = 1
BPF_MAP_TYPE_ARRAY = 2
BPF_MAP_TYPE_PERCPU_HASH = 5
BPF_MAP_TYPE_PERCPU_ARRAY = 6
BPF_MAP_TYPE_STACK_TRACE = 7

# Key (or key field) names that hold a syscall number.
SYSCALL_KEY = re.compile(r"^(sys(call)?_?(id|nr|no|num)|syscall|syscall_?id|nr_syscall)$", re.I)
# Map names that are keyed by syscall number.
SYSCALL_MAP = re.compile(r"(^|_)(syscalls?|sys(call)?_?(ids?|nrs?))($|_)", re.I)
# Key fields that hold a stack id of a STACK_TRACE map.
STACK_FIELD = re.compile(r"stack(_?id)?$", re.I)

HTML_ROWS = 50


# -- values -----------------------------------------------------------------


def plain(obj):
    """A JSON-able form of a decoded key or value: ints, str (char arrays,
    decoded up to NUL), dicts (records), lists (arrays, per-CPU values)."""
    if isinstance(obj, bool):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return obj
    if isinstance(obj, (bytes, bytearray)):
        return bytes(obj).split(b"\0", 1)[0].decode("utf-8", "replace")
    if isinstance(obj, str):
        return obj
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    asdict = getattr(obj, "_asdict", None)
    if asdict is not None:
        return {k: plain(v) for k, v in asdict().items()}
    fields = getattr(obj, "_fields_", None)  # ctypes structures
    if fields is not None:
        return {name: plain(getattr(obj, name)) for name, *_ in fields}
    value = getattr(obj, "value", None)
    if value is not None:
        return plain(value)
    return str(obj)


def text_of(obj):
    """One-line text of a decoded key or value."""
    obj = plain(obj)
    if isinstance(obj, dict):
        return " ".join(f"{k}={text_of(v)}" for k, v in obj.items())
    if isinstance(obj, list):
        return "[" + ", ".join(text_of(v) for v in obj) + "]"
    return str(obj)


def numeric(value):
    """A sortable number for a value: ints, per-CPU sums, the first int field
    of a record; None when there is none."""
    value = plain(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, list) and value and all(isinstance(v, (int, float)) for v in value):
        return sum(value)
    if isinstance(value, dict):
        for v in value.values():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return v
    return None


# -- what a table is -----------------------------------------------------------


def map_type(table):
    try:
        return table.info["type"]
    except (AttributeError, KeyError, ValueError):
        return None


def key_fields(table):
    """Field names of a struct key, or () for a scalar key."""
    return tuple(getattr(table.Key, "_fields", ()) or ())


def is_syscall_keyed(table, flagged=()):
    """True when the table's keys are syscall numbers: flagged by name, a map
    named like "syscalls"/"syscall_ids", or a key type named like a syscall id."""
    name = table.name
    if name in flagged or SYSCALL_MAP.search(name):
        return not key_fields(table)
    key_name = getattr(table.Key, "__name__", "")
    return bool(SYSCALL_KEY.match(re.sub(r"_t$", "", key_name)))


def syscall_fields(table):
    """Struct key fields holding syscall numbers."""
    return [f for f in key_fields(table) if SYSCALL_KEY.match(f)]


def stack_fields(table):
    """Struct key fields (or the scalar key, as None) holding stack ids."""
    fields = key_fields(table)
    if fields:
        return [f for f in fields if STACK_FIELD.search(f)]
    return [None] if STACK_FIELD.search(table.name) else []


def is_histogram(table, declared=()):
    """True for a log2 histogram: declared with BPF_HISTOGRAM (names in
    declared), or an integer-valued table whose struct key has a slot field."""
    if table.name in declared:
        return True
    return "slot" in key_fields(table)


def histogram_names(source):
    """Names of maps declared with BPF_HISTOGRAM in BPF C source."""
    return set(re.findall(r"\bBPF_HISTOGRAM\s*\(\s*(\w+)", source or ""))


# -- stacks -------------------------------------------------------------------


def stack_addresses(stack_table, stack_id):
    """Instruction pointers of stack stack_id (innermost first), or [] when the
    id is negative (an error code from get_stackid) or gone."""
    if stack_id is None or stack_id < 0:
        return []
    walk = getattr(stack_table, "walk", None)
    if walk is not None:
        try:
            return list(walk(stack_id))
        except KeyError:
            return []
    value = stack_table.get(stack_id)
    if value is None:
        return []
    ips = getattr(value, "ip", value)
    out = []
    for ip in ips:
        ip = int(ip)
        if not ip:
            break
        out.append(ip)
    return out


def symbolize(addresses, pid=-1):
    """Symbol names (str) of addresses: kernel ones for pid < 0."""
    from . import syms
    names = []
    for addr in addresses:
        try:
            name = syms.ksym(addr) if pid is None or pid < 0 else syms.sym(addr, pid)
        except Exception:  # symbols are best effort in a display
            name = b"[unknown]"
        names.append(name.decode(errors="replace") if isinstance(name, bytes) else str(name))
    return names


# -- rows ---------------------------------------------------------------------


class Rows:
    """A table read once and decoded for display."""

    def __init__(self, table, syscall_keys=False, stack_table=None, flagged=(), declared=()):
        self.table = table
        self.kind = "table"
        self.syscall_keys = syscall_keys or is_syscall_keyed(table, flagged)
        self.sys_fields = syscall_fields(table)
        self.stack_table = stack_table
        self.stack_fields = stack_fields(table) if stack_table is not None else []
        mtype = map_type(table)
        if mtype == BPF_MAP_TYPE_STACK_TRACE:
            self.kind = "stacks"
        elif is_histogram(table, declared):
            self.kind = "log2"
        items = table.items()
        if mtype in (BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_PERCPU_ARRAY) and self.kind == "table":
            items = [(k, v) for k, v in items if numeric(v) != 0]
        self.items = items

    def key_plain(self, key):
        from .syscall import syscall_name
        data = plain(key)
        if self.syscall_keys and isinstance(data, int):
            return syscall_name(data).decode()
        if isinstance(data, dict):
            for field in self.sys_fields:
                data[field] = syscall_name(data[field]).decode()
            for field in self.stack_fields:
                if field in data:
                    data[field] = self.frames(data[field], data.get("pid", -1)
                                              if "user" in field else -1)
        elif self.stack_fields == [None] and isinstance(data, int):
            return self.frames(data)
        return data

    def frames(self, stack_id, pid=-1):
        if not isinstance(stack_id, int):
            return stack_id
        if stack_id < 0:
            return [f"[no stack: {stack_id}]"]
        return symbolize(stack_addresses(self.stack_table, stack_id), pid)

    def sorted_items(self):
        """(key, value) pairs, largest value first when values are numbers."""
        items = list(self.items)
        if all(numeric(v) is not None for _, v in items):
            items.sort(key=lambda kv: numeric(kv[1]), reverse=True)
        return items


def _stack_table_of(bpf):
    if bpf is None:
        return None
    for name in bpf.tables():
        table = bpf[name]
        if map_type(table) == BPF_MAP_TYPE_STACK_TRACE:
            return table
    return None


def table_data(table, bpf=None, syscall_keys=False, flagged=(), declared=(), top=None):
    """A JSON-able dict describing the table's contents:
    {"name", "type": "log2"|"table"|"stacks", ...}; log2 histograms give
    "sections": [{"section", "buckets": [{"low", "high", "count"}]}], other
    tables "entries": [{"key", "value"}] sorted by value (top N when given)."""
    rows = Rows(table, syscall_keys, _stack_table_of(bpf), flagged, declared)
    out = {"name": table.name, "type": rows.kind}
    if rows.kind == "log2":
        out["sections"] = [
            {"section": plain(section),
             "buckets": [{"low": lo, "high": hi, "count": n} for lo, hi, n in buckets]}
            for section, buckets in table.log2_hist()]
        return out
    if rows.kind == "stacks":
        out["entries"] = len(rows.items)
        return out
    items = rows.sorted_items()
    if top:
        items = items[:top]
    out["entries"] = [{"key": rows.key_plain(k), "value": plain(v)} for k, v in items]
    return out


def render(bpf, name, syscall_keys=False, flagged=(), declared=(), top=None):
    """The text the CLI prints for table name of bpf."""
    table = bpf[name]
    rows = Rows(table, syscall_keys, _stack_table_of(bpf), flagged, declared)
    if rows.kind == "log2":
        text = table.format_log2_hist()
        return f"@{name}:\n{text}" if text else f"@{name}: (empty)"
    if rows.kind == "stacks":
        return f"@{name}: {len(rows.items)} stacks"
    items = rows.sorted_items()
    if top:
        items = items[:top]
    if not items:
        return f"@{name}: (empty)"
    lines = [f"@{name}:"]
    keys = [rows.key_plain(k) for k, _ in items]
    if any(isinstance(k, list) or (isinstance(k, dict) and any(isinstance(v, list)
                                                              for v in k.values()))
           for k in keys):
        for key, (_, value) in zip(keys, items):  # stacks: one frame per line
            lines.append(_stack_block(key) + f"\n    {text_of(value)}\n")
        return "\n".join(lines).rstrip()
    shown = [text_of(k) for k in keys]
    width = max(len(s) for s in shown)
    for key_text, (_, value) in zip(shown, items):
        lines.append(f"  {key_text:<{width}}  {text_of(value)}")
    return "\n".join(lines)


def _stack_block(key):
    if isinstance(key, list):
        return "\n".join(f"    {frame}" for frame in key)
    parts = []
    for field, value in key.items():
        if isinstance(value, list):
            parts.extend(f"    {frame}" for frame in value)
        else:
            parts.append(f"    {field}={value}")
    return "\n".join(parts)


# -- Jupyter --------------------------------------------------------------------


def _bar(count, top, width=240):
    px = int(width * count / top) if top else 0
    return (f'<div style="background:#4c78a8;height:0.9em;width:{px}px"></div>')


def _hist_html(table):
    parts = [f"<b>{html.escape(table.name)}</b> (log2 histogram)"]
    for section, buckets in table.log2_hist():
        top = max((n for _, _, n in buckets), default=0)
        if section is not None:
            parts.append(f"<div><i>{html.escape(text_of(section))}</i></div>")
        rows = "".join(
            f"<tr><td style='text-align:right'>{lo}</td><td>&rarr;</td>"
            f"<td style='text-align:left'>{hi}</td><td style='text-align:right'>{n}</td>"
            f"<td style='text-align:left'>{_bar(n, top)}</td></tr>"
            for lo, hi, n in buckets)
        parts.append("<table><tr><th colspan=3>value</th><th>count</th><th>distribution</th>"
                     f"</tr>{rows}</table>")
    return "".join(parts)


def repr_html(table):
    """_repr_html_ of tables: a log2 histogram with bars, or the first
    HTML_ROWS entries sorted by value."""
    if table.closed:
        return f"<i>{html.escape(repr(table))}</i>"
    rows = Rows(table)
    if rows.kind == "log2":
        return _hist_html(table)
    items = rows.sorted_items()
    shown = items[:HTML_ROWS]
    top = max((numeric(v) or 0 for _, v in shown), default=0)
    body = "".join(
        f"<tr><td style='text-align:left'>{html.escape(text_of(rows.key_plain(k)))}</td>"
        f"<td style='text-align:right'>{html.escape(text_of(v))}</td>"
        f"<td style='text-align:left'>{_bar(numeric(v) or 0, top) if top else ''}</td></tr>"
        for k, v in shown)
    more = f"<div>... {len(items) - len(shown)} more</div>" if len(items) > len(shown) else ""
    return (f"<b>{html.escape(table.name)}</b> ({len(items)} entries)"
            f"<table><tr><th>key</th><th>value</th><th></th></tr>{body}</table>{more}")


def plot(table, ax=None, top=20, title=None, log=False):
    """plot(ax=None, top=20, title=None, log=False) -> matplotlib Axes

    A log2 histogram as bars per bucket (one series per section), other
    tables as horizontal bars of the top entries by value. Needs matplotlib
    (Debian: python3-matplotlib)."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError("plot() needs matplotlib (Debian: apt-get install "
                          "python3-matplotlib)") from exc
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4))
    rows = Rows(table)
    if rows.kind == "log2":
        hists = table.log2_hist()
        width = 0.8 / max(len(hists), 1)
        for i, (section, buckets) in enumerate(hists):
            xs = [j + i * width for j in range(len(buckets))]
            label = text_of(section) if section is not None else None
            ax.bar(xs, [n for _, _, n in buckets], width=width, label=label)
        longest = max(hists, key=lambda h: len(h[1]))[1] if hists else []
        labels = [f"{lo}-{hi}" for lo, hi, _ in longest]
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels(labels, rotation=60, ha="right", fontsize=7)
        ax.set_ylabel("count")
        if any(section is not None for section, _ in hists):
            ax.legend()
    else:
        items = rows.sorted_items()[:top]
        labels = [text_of(rows.key_plain(k))[:40] for k, _ in items]
        values = [numeric(v) or 0 for _, v in items]
        ax.barh(range(len(values))[::-1], values)
        ax.set_yticks(range(len(values))[::-1])
        ax.set_yticklabels(labels, fontsize=8)
        ax.set_xlabel("value")
    if log:
        ax.set_yscale("log") if rows.kind == "log2" else ax.set_xscale("log")
    ax.set_title(title or table.name)
    return ax


def to_pandas(table):
    """to_pandas() -> pandas.DataFrame: one row per entry with key and value
    columns (struct fields become columns). Needs pandas (python3-pandas)."""
    import pandas as pd
    records = []
    for key, value in table.items():
        row = {}
        for prefix, obj in (("key", key), ("value", value)):
            data = plain(obj)
            if isinstance(data, dict):
                row.update(data)
            else:
                row[prefix] = data
        records.append(row)
    return pd.DataFrame.from_records(records)


def install(table_type=None):
    """Add _repr_html_, plot and to_pandas to table_type (default: every table)."""
    if table_type is None:
        from . import _bpfy
        table_type = _bpfy.Table
    table_type._repr_html_ = repr_html
    table_type.plot = plot
    if "to_pandas" not in vars(table_type):  # the C one dumps in one batch
        table_type.to_pandas = to_pandas
    return table_type
