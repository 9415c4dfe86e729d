"""bcc's get_table(name, reducer=f) for per-CPU tables: reading an entry
gives functools.reduce(f, per_cpu_values) instead of the per-CPU list."""
import functools


class ReducedTable:
    """A per-CPU table seen through a reducer. Everything but reading values
    (writes, deletes, sum/max/average, getvalue, batch ops, info) goes to the
    table itself."""

    __slots__ = ("_table", "_reducer")

    def __init__(self, table, reducer):
        if not callable(reducer):
            raise TypeError(f"reducer must be callable, not {type(reducer).__name__}")
        if not hasattr(table, "getvalue"):
            raise TypeError(f"table {table.name!r} has no per-CPU values: a reducer applies "
                            "only to per-CPU tables")
        self._table = table
        self._reducer = reducer

    def _reduce(self, per_cpu):
        return functools.reduce(self._reducer, per_cpu)

    def __getitem__(self, key):
        return self._reduce(self._table[key])

    def get(self, key, default=None):
        values = self._table.get(key)
        return default if values is None else self._reduce(values)

    def values(self):
        return [self._reduce(v) for v in self._table.values()]

    def items(self):
        return [(k, self._reduce(v)) for k, v in self._table.items()]

    def __setitem__(self, key, value):
        self._table[key] = value

    def __delitem__(self, key):
        del self._table[key]

    def __contains__(self, key):
        return key in self._table

    def __iter__(self):
        return iter(self._table)

    def __len__(self):
        return len(self._table)

    def __getattr__(self, name):
        return getattr(self._table, name)

    def __repr__(self):
        return f"<{type(self).__name__} of {self._table!r}>"
