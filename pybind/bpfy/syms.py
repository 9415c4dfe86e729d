"""Symbols: kernel (/proc/kallsyms) and user (libelf on mapped files), as
bcc's BPF.ksym/ksymname/sym, plus library and executable lookup for uprobes.
The lookups run in C (runtime/syms*.c); this is formatting and path finding."""
import errno
import os
import re
import shutil
import subprocess

from . import _bpfy

_UNKNOWN = b"[unknown]"


def _text(value):
    return value.decode() if isinstance(value, bytes) else value


def ksym(addr, show_module=False, show_offset=False):
    """The kernel symbol containing addr, as bytes ("[unknown]" when none):
    "name", "name+0x1f" with show_offset, "name [module]" with show_module."""
    found = _bpfy.BPF._ksym(addr)
    if found is None:
        return _UNKNOWN
    name, module, offset = found
    text = name
    if show_offset:
        text += f"+0x{offset:x}"
    if show_module:
        text += f" [{module or 'kernel'}]"
    return text.encode()


def ksymname(name):
    """Address of kernel symbol name, or -1 when there is none."""
    return _bpfy.BPF._ksymname(_text(name))


def demangle(name):
    """The C++ form of a mangled (Itanium ABI "_Z...") name, as str; other
    names come back unchanged. Uses libstdc++'s abi::__cxa_demangle."""
    text = _text(name)
    return _bpfy.BPF._demangle(text) or text


def sym(addr, pid, show_module=False, show_offset=False, demangle=True):
    """The symbol containing addr in process pid, as bytes ("[unknown]" when
    none). pid < 0 means the kernel (as ksym). Symbols come from the ELF files
    the process maps (.symtab; for stripped files the .symtab of their
    separate debug file, found by build-id or .gnu_debuglink under
    set_debug_dirs()'s roots; else .dynsym); the per-process cache notices
    exec. C++ names are demangled unless demangle is false."""
    if pid is None or pid < 0:
        return ksym(addr, show_module, show_offset)
    try:
        name, module, offset = _bpfy.BPF._usym(pid, addr)
    except ProcessLookupError:
        name = module = None  # the process is gone (as bcc: "[unknown]")
    except _bpfy.BPFError as exc:
        if exc.errno != errno.ESRCH:
            raise
        name = module = None
    if name is not None and demangle and name.startswith("_Z"):
        name = _bpfy.BPF._demangle(name) or name
    text = name if name is not None else _UNKNOWN.decode()
    if show_offset and name is not None:
        text += f"+0x{offset:x}"
    if show_module:
        text += f" [{os.path.basename(module) if module else 'unknown'}]"
    return text.encode()


def set_debug_dirs(dirs):
    """Where separate debug files are looked up: a list of roots (or a
    colon-separated string) each holding .build-id/xx/rest.debug files and
    debuglink files under the binary's own path; None restores the
    default ($BPFY_DEBUG_DIRS, else /usr/lib/debug). Forgets the
    per-process symbol caches."""
    if dirs is not None and not isinstance(dirs, (str, bytes)):
        dirs = ":".join(os.fsdecode(d) for d in dirs)
    _bpfy.BPF._set_debug_dirs(None if dirs is None else os.fsdecode(dirs))


def debug_file(path):
    """The separate debug file (str) of ELF file path, or None."""
    return _bpfy.BPF._debug_file(os.fsdecode(path))


def build_id(path):
    """The GNU build-id of ELF file path as a hex str, or None."""
    return _bpfy.BPF._build_id(os.fsdecode(path))


def _ldconfig_paths():
    for ldconfig in ("/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig"):
        try:
            out = subprocess.run([ldconfig, "-p"], capture_output=True, text=True,
                                 check=False).stdout
        except OSError:
            continue
        for line in out.splitlines()[1:]:
            if "=>" in line:
                name_part, path = line.split("=>", 1)
                yield name_part.split()[0], path.strip()
        return


def find_library(libname, pid=None):
    """Path (bytes) of shared library libname ("c", "libc", "libc.so.6", or a
    path), looked up in the maps of pid when given, then in ld.so's cache;
    None when not found."""
    libname = _text(libname)
    if "/" in libname:
        return libname.encode() if os.path.exists(libname) else None
    base = libname if libname.startswith("lib") else "lib" + libname
    pattern = re.compile(re.escape(base) + r"(-[\d.]+)?\.so(\.|$)")
    if pid is not None and pid >= 0:
        try:
            with open(f"/proc/{pid}/maps") as maps:
                for line in maps:
                    path = line.split(maxsplit=5)[5].strip() if line.count(" ") >= 5 else ""
                    if path and pattern.match(os.path.basename(path)):
                        return path.encode()
        except (OSError, IndexError):
            pass
    for name, path in _ldconfig_paths():
        if pattern.match(name) or name == libname:
            return path.encode()
    return None


def find_exe(bin_path):
    """Absolute path (bytes) of executable bin_path (searched in PATH when it
    has no slash), or None."""
    bin_path = _text(bin_path)
    if "/" in bin_path:
        return bin_path.encode() if os.access(bin_path, os.X_OK) else None
    found = shutil.which(bin_path)
    return found.encode() if found else None


def resolve_binary(name, pid=None):
    """A uprobe target path: an executable, a library name, or a path."""
    text = _text(name)
    if not text:
        raise ValueError("name (an executable, a library or a path) is required")
    if "/" in text:
        if not os.path.exists(text):
            raise _bpfy.BPFError(2, f"no such file: '{text}'")
        return text
    path = find_exe(text) or find_library(text, pid)
    if path is None:
        raise _bpfy.BPFError(2, f"cannot find executable or library '{text}'")
    return _text(path)
