"""sym(): C++ demangling (a g++-built program the test runs), and stripped
binaries whose symbols come from a separate debug file found by build-id or
by .gnu_debuglink (made with objcopy into a private directory the test
points set_debug_dirs at)."""
import os
import shutil
import subprocess
import time

import pytest

from bpfy import BPF, BPFError, syms

CXX_SOURCE = r'''
#include <unistd.h>
namespace bpfy {
template <typename T> struct Widget {
    __attribute__((noinline)) T spin(T n);
};
template <typename T> T Widget<T>::spin(T n) {
    volatile T x = 0;
    for (;;)
        x += n;
    return x;
}
}
int main() { bpfy::Widget<long> w; return (int)w.spin(1); }
'''

C_SOURCE = r'''
static volatile unsigned long counter;
__attribute__((noinline)) static void private_spin(void) { for (;;) counter++; }
int main(void) { private_spin(); return 0; }
'''


def build(tmp_path, name, source, compiler, *flags):
    src = tmp_path / (name + (".cc" if compiler == "g++" else ".c"))
    src.write_text(source)
    out = tmp_path / name
    subprocess.run([compiler, "-O1", "-g", "-no-pie", "-o", str(out), str(src), *flags],
                   check=True)
    return str(out)


def objcopy(*args):
    subprocess.run(["objcopy", *args], check=True)


def elf_symbol(path, name):
    """(vaddr, size, file offset) of name in path, or None."""
    try:
        return BPF._elf_symbol(path, name)
    except BPFError:
        return None


class Running:
    """A started program, killed on exit. Entered once its executable is
    mapped: Popen returns when exec has begun, and the kernel maps the
    binary's segments after that (seen here: a few ms with only [stack])."""

    def __init__(self, path):
        self.path = os.path.realpath(path)
        self.proc = subprocess.Popen([path])

    def __enter__(self):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with open(f"/proc/{self.proc.pid}/maps") as maps:
                if self.path in maps.read():
                    return self.proc.pid
            time.sleep(0.001)
        raise AssertionError(f"{self.path} was never mapped")

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()


@pytest.fixture(autouse=True)
def default_debug_dirs():
    yield
    syms.set_debug_dirs(None)


def test_cxx_names_are_demangled(tmp_path):
    exe = build(tmp_path, "widget", CXX_SOURCE, "g++")
    mangled = "_ZN4bpfy6WidgetIlE4spinEl"
    vaddr = elf_symbol(exe, mangled)[0]  # -no-pie: the address it runs at
    with Running(exe) as pid:
        assert BPF.sym(vaddr + 4, pid) == b"bpfy::Widget<long>::spin(long)"
        assert BPF.sym(vaddr + 4, pid, demangle=False) == mangled.encode()
        assert BPF.sym(vaddr + 4, pid, show_offset=True, show_module=True) == \
            b"bpfy::Widget<long>::spin(long)+0x4 [widget]"
    assert syms.demangle(mangled) == "bpfy::Widget<long>::spin(long)"
    assert syms.demangle("main") == "main"            # not mangled: unchanged
    assert syms.demangle("_Znot_valid!") == "_Znot_valid!"


def test_stripped_binary_symbols_from_a_build_id_debug_file(tmp_path):
    exe = build(tmp_path, "spin", C_SOURCE, "gcc", "-Wl,--build-id=sha1")
    vaddr = elf_symbol(exe, "private_spin")[0]
    build_id = syms.build_id(exe)
    assert build_id and len(build_id) == 40
    root = tmp_path / "debug"
    debug = root / ".build-id" / build_id[:2] / (build_id[2:] + ".debug")
    debug.parent.mkdir(parents=True)
    objcopy("--only-keep-debug", exe, str(debug))
    stripped = str(tmp_path / "spin-stripped")
    objcopy("--strip-all", exe, stripped)
    assert syms.build_id(stripped) == build_id

    assert elf_symbol(stripped, "private_spin") is None       # stripped, default roots
    assert syms.debug_file(stripped) is None
    syms.set_debug_dirs([str(tmp_path / "elsewhere"), str(root)])
    assert syms.debug_file(stripped) == str(debug)
    assert elf_symbol(stripped, "private_spin")[0] == vaddr
    with Running(stripped) as pid:
        assert BPF.sym(vaddr + 2, pid, show_offset=True) == b"private_spin+0x2"
    syms.set_debug_dirs(None)
    with Running(stripped) as pid:
        assert BPF.sym(vaddr + 2, pid) == b"[unknown]"


def test_stripped_binary_symbols_through_gnu_debuglink(tmp_path):
    exe = build(tmp_path, "linked", C_SOURCE, "gcc", "-Wl,--build-id=none")
    assert syms.build_id(exe) is None
    vaddr = elf_symbol(exe, "private_spin")[0]
    bindir = tmp_path / "bin"
    bindir.mkdir()
    keep = str(tmp_path / "linked.debug")
    objcopy("--only-keep-debug", exe, keep)
    stripped = str(bindir / "linked")
    objcopy("--strip-all", f"--add-gnu-debuglink={keep}", exe, stripped)
    os.unlink(keep)  # found only where the lookup places it below
    root = tmp_path / "debug"
    under_root = root / str(bindir).lstrip("/") / "linked.debug"
    under_root.parent.mkdir(parents=True)
    objcopy("--only-keep-debug", exe, str(under_root))

    # wrong CRC next to the binary: ignored, the root's copy is used
    (bindir / "linked.debug").write_bytes(b"not the debug file")
    syms.set_debug_dirs(str(root))
    assert syms.debug_file(stripped) == str(under_root)
    with Running(stripped) as pid:
        assert BPF.sym(vaddr, pid) == b"private_spin"
    # the right file in <dir>/.debug/ comes before the root
    (bindir / ".debug").mkdir()
    shutil.copy(under_root, bindir / ".debug" / "linked.debug")
    assert syms.debug_file(stripped) == str(bindir / ".debug" / "linked.debug")
    assert elf_symbol(stripped, "private_spin")[0] == vaddr
    # none anywhere: .dynsym only
    shutil.rmtree(bindir / ".debug")
    syms.set_debug_dirs([str(tmp_path / "elsewhere")])
    assert syms.debug_file(stripped) is None
    assert elf_symbol(stripped, "private_spin") is None


def test_debug_dirs_from_the_environment(tmp_path, monkeypatch):
    exe = build(tmp_path, "envspin", C_SOURCE, "gcc", "-Wl,--build-id=sha1")
    build_id = syms.build_id(exe)
    debug = tmp_path / "root" / ".build-id" / build_id[:2] / (build_id[2:] + ".debug")
    debug.parent.mkdir(parents=True)
    objcopy("--only-keep-debug", exe, str(debug))
    stripped = str(tmp_path / "envspin-stripped")
    objcopy("--strip-all", exe, stripped)
    monkeypatch.setenv("BPFY_DEBUG_DIRS", str(tmp_path / "root"))
    assert syms.debug_file(stripped) == str(debug)
