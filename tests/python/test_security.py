"""Security of the compile path and of pins: user cflags cannot make clang
write outside the cache or load code, clang runs without a shell, the cache
is private (0700, ours, files 0600) and written atomically, cached objects
are checked by hash before use, pins are 0600 unless asked."""
import glob
import os
import stat
import subprocess
import sys

import pytest

from bpfy import BPF, BPFError

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PID = os.getpid()
SMALL = "BPF_HASH(h, u32, u64, 4); int f(void *c) { return 0; }"

REJECTED = [
    ["-o", "/tmp/evil"], ["-o/tmp/evil"], ["--output=/tmp/evil"], ["-MF", "/tmp/evil"],
    ["-MF/tmp/evil"], ["-MD"], ["-MMD"], ["-M"], ["-MJ/tmp/evil"], ["-fplugin=/tmp/evil.so"],
    ["-fpass-plugin=/tmp/evil.so"], ["-fplugin-arg-x-y"], ["-Xclang", "-load"],
    ["-Xclang=-load"], ["-Xpreprocessor", "-MD"], ["@/tmp/evil.rsp"], ["-Wl,-o,/tmp/evil"],
    ["-Wp,-MD,/tmp/evil"], ["-Wa,-o,/tmp/evil"], ["-save-temps"], ["-save-temps=obj"],
    ["--save-temps"], ["-B/tmp"], ["--prefix=/tmp"], ["-fprofile-generate=/tmp/evil"],
    ["-fprofile-instr-generate"], ["-ftime-trace"], ["-fcrash-diagnostics-dir=/tmp/evil"],
    ["-mllvm", "-x"], ["-fmodules"], ["-fmodules-cache-path=/tmp/evil"],
    ["-fmodule-file=/tmp/evil"], ["-gsplit-dwarf"], ["-include-pch", "/tmp/evil.pch"],
    ["-fsave-optimization-record"], ["-foptimization-record-file=/tmp/evil"],
    ["-fsanitize=address"], ["-fxray-instrument"], ["-fembed-bitcode"], ["-x", "c++"],
    ["-E"], ["-S"], ["-c"], ["--sysroot=/tmp"], ["-target", "x86_64"], ["--target=x86_64"],
    ["-v"], ["-###"], ["-fproc-stat-report=/tmp/evil"], ["-D"], ["-include"],
    ["/tmp/evil.c"], ["-fdump-record-layouts"],
]


@pytest.mark.parametrize("flags", REJECTED, ids=[" ".join(f) for f in REJECTED])
def test_cflags_that_write_or_load_code_are_rejected(flags, cache_dir, tmp_path):
    with pytest.raises(BPFError) as info:
        BPF(text=SMALL, cflags=flags, cache_dir=cache_dir)
    message = str(info.value)
    assert "cflag" in message and ("not allowed" in message or "needs a value" in message)
    assert not os.path.exists("/tmp/evil")


@pytest.mark.parametrize("flags", [
    ["-DX=1"], ["-D", "X=1"], ["-UX"], ["-I/usr/include"], ["-Wall"], ["-Wno-unused"],
    ["-O2"], ["-g"], ["-std=gnu11"], ["-fno-builtin"], ["-w"], ["-DX=$(touch /tmp/pwned)"],
    ["-DY=`touch /tmp/pwned`;touch /tmp/pwned"],
])
def test_ordinary_cflags_pass_and_no_shell_sees_them(flags, cache_dir):
    with BPF(text=SMALL, cflags=flags, cache_dir=cache_dir) as b:
        assert "h" in b.tables()
    assert not os.path.exists("/tmp/pwned")


def compile_in_private_tmp(tmp_path, flags, source):
    """Compiles with TMPDIR set to an empty private dir in a child process;
    returns what is left in that dir afterwards."""
    tmp = tmp_path / "tmp"
    tmp.mkdir(mode=0o700)
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    code = (f"from bpfy import BPF\n"
            f"try:\n    BPF(text={source!r}, cflags={flags!r}, cache_dir={str(cache)!r})\n"
            f"except Exception as e:\n    print(type(e).__name__)\n")
    env = dict(os.environ, TMPDIR=str(tmp),
               PYTHONPATH=os.pathsep.join([os.path.join(REPO, "pybind"),
                                           os.environ.get("PYTHONPATH", "")]))
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True,
                   cwd=str(tmp_path))
    return sorted(os.listdir(tmp))


def test_compile_leaves_nothing_in_tmpdir(tmp_path):
    assert compile_in_private_tmp(tmp_path, ["-DZ=1"], SMALL + " /* clean */") == []


@pytest.mark.parametrize("flag", ["-fstack-usage", "-ftest-coverage",
                                  "-fmemory-profile=/tmp/mp", "-fcs-profile-generate"])
def test_flags_that_write_files_are_refused_and_leave_nothing(tmp_path, flag):
    """They would write beside the output (.su, .gcno) or crash clang, whose
    crash report copies the program into $TMPDIR: refused before clang runs."""
    from bpfy import BPFError, _bpfy, paths
    with pytest.raises(BPFError) as info:
        _bpfy.compile(SMALL, cflags=[flag], no_cache=True, include_dir=paths.include_dir())
    assert flag.split("=")[0] in str(info.value)
    assert compile_in_private_tmp(tmp_path, [flag], SMALL + f" /* {flag} */") == []


# ------------------------------------------------------------------- cache

def test_default_cache_dir_is_private_and_ours(tmp_path):
    xdg = tmp_path / "xdg"
    code = f"from bpfy import BPF\nBPF(text={SMALL!r}).close()\n"
    env = dict(os.environ, XDG_CACHE_HOME=str(xdg),
               PYTHONPATH=os.pathsep.join([os.path.join(REPO, "pybind"),
                                           os.environ.get("PYTHONPATH", "")]))
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    for path in [xdg / "bpfy", xdg / "bpfy" / "objects"]:
        st = os.lstat(path)
        assert stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid()
        assert stat.S_IMODE(st.st_mode) == 0o700, oct(st.st_mode)
    objects = glob.glob(str(xdg / "bpfy" / "objects" / "*"))
    assert objects
    for path in objects:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
        assert ".tmp." not in path


def test_concurrent_compiles_of_one_program_share_a_whole_object(tmp_path):
    """Four processes compile the same new program into one empty cache at
    once: each writes to a temp name and renames, so every one succeeds and
    the object left behind is whole (a fifth process hits it)."""
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    source = SMALL + f" /* race {PID} */"
    code = (f"from bpfy import BPF\n"
            f"b = BPF(text={source!r}, cache_dir={str(cache)!r})\n"
            f"print(b.cache_hit)\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(REPO, "pybind"),
                                                       os.environ.get("PYTHONPATH", "")]))
    children = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                                 text=True) for _ in range(4)]
    for child in children:
        out, _ = child.communicate(timeout=120)
        assert child.returncode == 0
    assert not glob.glob(str(cache / "objects" / "*.tmp.*"))
    with BPF(text=source, cache_dir=str(cache)) as b:
        assert b.cache_hit


def test_tampered_payload_under_a_valid_header_is_not_loaded(tmp_path):
    """A cached object whose ELF bytes were changed (the header and length
    intact) fails its SHA-256 and is compiled again."""
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    source = SMALL + " /* tamper */"
    BPF(text=source, cache_dir=str(cache)).close()
    (path,) = glob.glob(str(cache / "objects" / "*.o"))
    data = bytearray(open(path, "rb").read())
    elf = data.index(b"\x7fELF")
    data[elf + 200] ^= 0x01
    open(path, "wb").write(bytes(data))
    with BPF(text=source, cache_dir=str(cache)) as b:
        assert not b.cache_hit
    assert open(path, "rb").read() != bytes(data)      # replaced by a good copy
    with BPF(text=source, cache_dir=str(cache)) as b:
        assert b.cache_hit


# -------------------------------------------------------------------- pins

def test_pins_are_0600_unless_asked(cache_dir):
    with BPF(text="BPF_HASH(pinme, u32, u64, 4);", cache_dir=cache_dir) as b:
        t = b["pinme"]
        path = f"/sys/fs/bpf/bpfy-security-{PID}"
        t.pin(path)
        try:
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        finally:
            t.unpin()
        t.pin(path, mode=0o640)
        try:
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
        finally:
            t.unpin()
        with pytest.raises(ValueError):
            t.pin(path, mode=0o10000)
        with pytest.raises((ValueError, OverflowError)):
            t.pin(path, mode=-1)
        assert not os.path.exists(path)
