"""Bad programs, bad sources, bad caches, pins of another layout and a
process without privileges: each a typed exception, never a crash."""
import errno
import glob
import os
import pathlib
import shutil
import textwrap

import pytest

from bpfy import BPF, BPFError, CompileError, VerifierError
from bpfy import _bpfy
from common import CFLAGS, PID, PROGRAM, run_isolated

SMALL = "BPF_HASH(h, u32, u64, 4); RAW_TRACEPOINT_PROBE(sys_enter) { return 0; }"

# A regression test: _bpfy.BPF's dealloc used to wipe the pending exception of
# a failed __init__ (events_poller.c PyErr_Clear), giving SystemError; fixed in
# 5cb8c7e.


# (source, exception, text in the message)
SOURCES = [
    ("int x = ;", CompileError, "<text>:1:"),
    ("int f(void *c) { return undeclared_thing; }", CompileError, "undeclared_thing"),
    ("\n\n\nint f(void *c) { return 0 }", CompileError, "<text>:4:"),
    ("BPF_TABLE(\"nosuchtype\", u32, u32, t, 4);", CompileError, "nosuchtype"),
    ("BPF_HASH(h, u32, u64); int f(void *c) { h.nosuchmethod(1); return 0; }", CompileError,
     "nosuchmethod"),
    ("/* unterminated comment", CompileError, ""),
    ("char *s = \"unterminated;", CompileError, ""),
    ("#include <no/such/header.h>", CompileError, "no/such/header.h"),
    ("#error stop here", CompileError, "stop here"),
    ("int f(void *c) { return 0; }\n\0", (BPFError, ValueError), "NUL"),
    ("TRACEPOINT_PROBE(nosuch, evt) { return 0; }", BPFError, "nosuch:evt"),
    ("int f(void *c) { return 0; }\n\ud800", UnicodeError, ""),
    ("int f(void *c) {" * 2000, CompileError, ""),
]


@pytest.mark.parametrize("source,exc,text", SOURCES, ids=range(len(SOURCES)))
def test_bad_source(source, exc, text, cache_dir):
    with pytest.raises(exc) as info:
        BPF(text=source, cache_dir=cache_dir)
    assert text in str(info.value)


def test_compile_error_carries_clang_log(cache_dir):
    with pytest.raises(CompileError) as info:
        BPF(text="int f(void *c) {\n  return nope;\n}", cache_dir=cache_dir)
    assert info.value.log and "<text>:2:" in info.value.log


@pytest.mark.parametrize("kwargs,exc", [
    (dict(text=5), TypeError),
    (dict(text=None), ValueError),
    (dict(), ValueError),
    (dict(text="x", src_file="y.c"), ValueError),
    (dict(src_file="/no/such/file.c"), FileNotFoundError),
    (dict(src_file="/"), IsADirectoryError),
    (dict(text=SMALL, cflags=[5]), TypeError),
    (dict(text=SMALL, cflags=[None]), TypeError),
    (dict(text=SMALL, cache_dir=5), TypeError),
    (dict(text=SMALL, debug="x"), TypeError),
])
def test_bad_constructor_arguments(kwargs, exc):
    with pytest.raises(exc):
        BPF(**kwargs)


def test_verifier_rejection_is_verifier_error(cache_dir):
    with BPF(text="int f(void *c) { int *p = 0; return *p; }", cache_dir=cache_dir) as b:
        with pytest.raises(VerifierError) as info:
            b.load_func("f", BPF.TRACEPOINT)
        assert info.value.log and "'f'" in str(info.value)


@pytest.mark.parametrize("blob", [b"", b"\x7fELF", b"not an elf at all" * 100,
                                  b"\x7fELF\x02\x01\x01" + b"\0" * 100])
def test_garbage_object_file(tmp_path, blob):
    path = tmp_path / "bad.o"
    path.write_bytes(blob)
    with pytest.raises(BPFError):
        BPF(obj_file=str(path))


AUTO_MISSING = [
    'SEC("tracepoint/nosuch/evt") int f(void *c) { return 0; }',
    "RAW_TRACEPOINT_PROBE(no_such_raw_tp_xyz) { return 0; }",
]


@pytest.mark.parametrize("source", AUTO_MISSING)
def test_auto_attach_to_a_missing_target(source, cache_dir):
    with pytest.raises(BPFError) as info:
        BPF(text=source, cache_dir=cache_dir)
    assert info.value.errno == errno.ENOENT


@pytest.mark.parametrize("source", AUTO_MISSING)
def test_auto_attach_to_a_missing_target_through_the_c_type(source, cache_dir):
    from bpfy import paths
    with pytest.raises(BPFError) as info:
        _bpfy.BPF(source, include_dir=paths.include_dir(), cache_dir=cache_dir)
    assert info.value.errno == errno.ENOENT


# ------------------------------------------------------------------- caches

def test_cache_dir_owned_by_another_user(tmp_path):
    cache = tmp_path / "theirs"
    cache.mkdir(mode=0o700)
    os.chown(cache, 65534, 65534)
    with pytest.raises(BPFError) as info:
        BPF(text=SMALL, cache_dir=str(cache))
    assert "owned by uid 65534" in str(info.value)


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o702, 0o1777])
def test_cache_dir_writable_by_others(tmp_path, mode):
    cache = tmp_path / "open"
    cache.mkdir()
    os.chmod(cache, mode)
    with pytest.raises(BPFError) as info:
        BPF(text=SMALL, cache_dir=str(cache))
    assert "writable by group or others" in str(info.value)


def test_cache_dir_that_is_a_file_or_a_symlink(tmp_path):
    target = tmp_path / "file"
    target.write_text("")
    with pytest.raises(BPFError):
        BPF(text=SMALL, cache_dir=str(target))
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    link = tmp_path / "link"
    link.symlink_to(real)
    with pytest.raises(BPFError):
        BPF(text=SMALL, cache_dir=str(link))


def test_cache_objects_dir_writable_by_others(tmp_path):
    cache = tmp_path / "c"
    cache.mkdir(mode=0o700)
    (cache / "objects").mkdir(mode=0o700)
    os.chmod(cache / "objects", 0o777)
    with pytest.raises(BPFError) as info:
        BPF(text=SMALL, cache_dir=str(cache))
    assert "objects" in str(info.value)


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "garbage"])
def test_corrupted_cached_object_is_recompiled(tmp_path, damage):
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    src = SMALL + f"\n/* {damage} */"
    with BPF(text=src, cache_dir=str(cache)) as b:
        assert not b.cache_hit
    objects = glob.glob(str(cache / "objects" / "*.o"))
    assert objects
    for path in objects:
        data = open(path, "rb").read()
        if damage == "truncate":
            data = data[: len(data) // 2]
        elif damage == "flip":
            data = data[:-100] + bytes([data[-100] ^ 0xff]) + data[-99:]
        elif damage == "empty":
            data = b""
        else:
            data = os.urandom(len(data))
        open(path, "wb").write(data)
    with BPF(text=src, cache_dir=str(cache)) as b:
        assert not b.cache_hit, "a damaged object was used"
        assert "h" in b.tables()
    with BPF(text=src, cache_dir=str(cache)) as b:
        assert b.cache_hit


# --------------------------------------------------------------------- pins

def test_pinned_table_that_exists_with_another_layout(cache_dir):
    pin = f"/sys/fs/bpf/bpfy-badinput-{PID}"
    with BPF(text="BPF_HASH(owner, u32, u64, 16);", cache_dir=cache_dir) as first:
        first["owner"].pin(pin)
    try:
        source = f'BPF_TABLE_PINNED("hash", u64, u64, p, 16, "{pin}");'
        with pytest.raises(BPFError) as info:
            BPF(text=source, cache_dir=cache_dir)
        assert "'p'" in str(info.value) or pin in str(info.value)
        with pytest.raises(ValueError, match="key_size"):
            _bpfy.Table.from_pinned(pin, key_size=8)
    finally:
        os.unlink(pin)


def test_pin_to_a_bad_path(cache_dir):
    with BPF(text="BPF_HASH(owner, u32, u64, 16);", cache_dir=cache_dir) as b:
        with pytest.raises(BPFError):
            b["owner"].pin("/no/such/dir/pin")
        with pytest.raises(BPFError):
            b["owner"].pin("/tmp/not-bpffs-" + str(PID))
        with pytest.raises(TypeError):
            b["owner"].pin(5)


# -------------------------------------------------------------- privilege

def readable_package_copy(root):
    """A copy of the bpfy package the unprivileged child can read wherever the
    checkout lives (CI's clone may sit in a 0700 directory): the Python
    files, the extension in use and the BPF-side headers. Returns its path."""
    import bpfy
    from bpfy import _bpfy, paths
    package = root / "bpfy"
    shutil.copytree(os.path.dirname(bpfy.__file__), package,
                    ignore=shutil.ignore_patterns("__pycache__", "_bpfy*.so", "include"))
    shutil.copy2(_bpfy.__file__, package)
    shutil.copytree(paths.include_dir(), package / "include")
    for path in [root, *root.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return str(root)


def test_non_root_gets_permission_error_naming_capabilities(tmp_path):
    home = tmp_path / "nobody"
    home.mkdir(mode=0o700)
    os.chown(home, 65534, 65534)
    os.chmod(tmp_path, 0o755)

    def drop():
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)

    code = textwrap.dedent(f'''
        from bpfy import BPF
        try:
            BPF(text={SMALL!r})
        except PermissionError as e:
            print("PermissionError", type(e).__name__, e)
        ''')
    import tempfile
    copy = tempfile.mkdtemp(prefix="bpfy-nobody-")  # /tmp: traversable by the child
    try:
        env = {"HOME": str(home), "XDG_CACHE_HOME": str(home / "cache"),
               "PYTHONPATH": readable_package_copy(pathlib.Path(copy)), "BPFY_EXT_DIR": ""}
        # make sanitize: its log dir and suppression files may be unreadable to nobody
        for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if var in os.environ:
                env[var] = ":".join(o for o in os.environ[var].split(":")
                                    if not o.startswith(("log_path=", "suppressions=")))
        result = run_isolated(code, env=env, preexec_fn=drop)
    finally:
        shutil.rmtree(copy)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("PermissionError BPFPermissionError"), result.stdout
    assert "CAP_BPF" in result.stdout and "CAP_PERFMON" in result.stdout
