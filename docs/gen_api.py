#!/usr/bin/python3
"""Write docs/api.md from bpfy's docstrings.

    PYTHONPATH=pybind python3 docs/gen_api.py          # writes docs/api.md
    PYTHONPATH=pybind python3 docs/gen_api.py --check  # exit 1 if it is stale
    PYTHONPATH=pybind python3 docs/gen_api.py -o FILE  # write FILE instead

Documents the public classes and functions of the bpfy package (the Python
front end and the C types it exposes), in a fixed order, so the output is
stable from run to run. Needs the built extension (no kernel access)."""
import importlib
import inspect
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "api.md")

# (module, names or None for every public name defined there)
SECTIONS = [
    ("bpfy", ["BPF", "Function", "BPFError", "BPFPermissionError", "CompileError",
              "VerifierError", "UnsupportedError"]),
    ("bpfy._bpfy", ["Table", "HashTable", "Array", "PerCpuHash", "PerCpuArray", "StackTrace",
                    "PerfEventArray", "RingBuf", "UserRingBuf", "CInt", "Record", "compile"]),
    ("bpfy.histogram", None),
    ("bpfy.display", None),
    ("bpfy.syscall", None),
    ("bpfy.syms", None),
    ("bpfy.cli", ["main", "run_main", "compile_main", "output_path"]),
    ("bpfy.compat", ["install", "uninstall", "BccFinder"]),
]


def doc_of(obj):
    return inspect.cleandoc(obj.__doc__) if obj.__doc__ else "(no docstring)"


def signature(name, obj):
    try:
        return f"{name}{inspect.signature(obj)}"
    except (TypeError, ValueError):
        first = (obj.__doc__ or "").strip().splitlines()
        return first[0] if first and first[0].startswith(name.split(".")[-1] + "(") else name


def public_members(cls, inherited=False):
    """Own members; with inherited, those of every base (mixins, the C type) too."""
    found = {}
    for klass in (reversed(cls.__mro__[:-1]) if inherited else [cls]):
        found.update(vars(klass))
    for name, member in sorted(found.items()):
        if name.startswith("_") and name not in ("__init__", "_repr_html_"):
            continue
        if callable(member) or isinstance(member, (staticmethod, classmethod, property)) or \
                type(member).__name__ in ("getset_descriptor", "member_descriptor"):
            yield name, member


def render_function(lines, qualname, obj):
    lines.append(f"### `{signature(qualname, obj)}`\n")
    lines.append(doc_of(obj) + "\n")


def render_class(lines, qualname, cls, inherited=False):
    bases = ", ".join(b.__name__ for b in cls.__bases__ if b is not object)
    lines.append(f"### class `{qualname}`" + (f" ({bases})" if bases else "") + "\n")
    lines.append(doc_of(cls) + "\n")
    for name, member in public_members(cls, inherited):
        target = member.__func__ if isinstance(member, (staticmethod, classmethod)) else member
        if type(member).__name__ in ("getset_descriptor", "member_descriptor") or \
                isinstance(member, property):
            text = (member.__doc__ or "").strip()
            lines.append(f"- `{name}` (attribute)" + (f": {text}" if text else ""))
            continue
        text = doc_of(target).replace("\n", "\n  ")
        lines.append(f"- `{signature(name, target)}`  \n  {text}")
    lines.append("")


def generate():
    lines = ["# bpfy API reference", "",
             "Generated from docstrings by `docs/gen_api.py`; do not edit by hand.", ""]
    for module_name, names in SECTIONS:
        module = importlib.import_module(module_name)
        lines += [f"## `{module_name}`", "", doc_of(module).split("\n\n")[0], ""]
        if names is None:
            names = [n for n, v in vars(module).items() if not n.startswith("_") and
                     (inspect.isfunction(v) or inspect.isclass(v)) and
                     getattr(v, "__module__", None) == module_name]
        for name in names:
            obj = getattr(module, name)
            qualname = f"{module_name.replace('._bpfy', '')}.{name}"
            if inspect.isclass(obj):
                render_class(lines, qualname, obj, inherited=(name == "BPF" and
                                                             module_name == "bpfy"))
            else:
                render_function(lines, qualname, obj)
    return "\n".join(lines).rstrip() + "\n"


def main():
    from bpfy import histogram
    histogram.install()  # the Python methods of tables are part of the API
    text = generate()
    if "--check" in sys.argv:
        with open(OUT) as f:
            return 0 if f.read() == text else 1
    out = sys.argv[sys.argv.index("-o") + 1] if "-o" in sys.argv else OUT
    with open(out, "w") as f:
        f.write(text)
    print(f"wrote {out} ({len(text.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
