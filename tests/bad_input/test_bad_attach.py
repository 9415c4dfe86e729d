"""Wrong attach targets, wrong program types, attaching twice, detaching
twice, and everything after close(): typed exceptions, nothing attached."""
import errno

import pytest

from bpfy import BPF, BPFError, UnsupportedError
from common import CFLAGS, PROGRAM


@pytest.fixture(scope="module")
def b():
    with BPF(text=PROGRAM, cflags=CFLAGS) as obj:
        yield obj


# (method, kwargs, exception, errno or None, text in the message)
CASES = [
    ("attach_tracepoint", dict(tp="nosuch:event", fn_name="fn"), BPFError, errno.ENOENT,
     "nosuch:event"),
    ("attach_tracepoint", dict(tp="a:b:c", fn_name="fn"), BPFError, errno.ENOENT, "a:b:c"),
    ("attach_tracepoint", dict(tp="no_colon", fn_name="fn"), ValueError, None, ""),
    ("attach_tracepoint", dict(tp="syscalls:sys_enter_getppid", fn_name="nofn"), BPFError,
     errno.ENOENT, "nofn"),
    ("attach_tracepoint", dict(tp=None, fn_name="fn"), TypeError, None, "tp"),
    ("attach_tracepoint", dict(tp="syscalls:sys_enter_getppid", fn_name=5), TypeError, None,
     "fn_name"),
    ("attach_tracepoint", dict(tp="../../../etc:passwd", fn_name="fn"), BPFError, errno.ENOENT,
     ""),
    ("attach_raw_tracepoint", dict(tp="no_such_raw_tp_xyz", fn_name="rawfn"), BPFError,
     errno.ENOENT, "no_such_raw_tp_xyz"),
    ("attach_raw_tracepoint", dict(tp="sys_enter", fn_name="nofn"), BPFError, errno.ENOENT,
     "nofn"),
    ("detach_raw_tracepoint", dict(tp="sys_enter"), BPFError, errno.ENOENT, "sys_enter"),
    ("detach_tracepoint", dict(tp="sched:sched_switch"), BPFError, errno.ENOENT, ""),
    ("attach_kprobe", dict(event="nosuch_kernel_function_xyz", fn_name="fn"), BPFError, None,
     ""),
    ("attach_uprobe", dict(name="/bin/true", sym="no_such_symbol_xyz", fn_name="fn"), BPFError,
     errno.ENOENT, "no_such_symbol_xyz"),
    ("attach_uprobe", dict(name="/no/such/binary", sym="main", fn_name="fn"), BPFError,
     errno.ENOENT, "/no/such/binary"),
    ("attach_uprobe", dict(name="/etc/passwd", sym="main", fn_name="fn"), BPFError, None, ""),
    ("attach_perf_event", dict(ev_type=99, ev_config=0, fn_name="fn", sample_period=1),
     BPFError, None, ""),
    ("load_func", dict(func_name="nofn", prog_type=BPF.TRACEPOINT), BPFError, errno.ENOENT,
     "nofn"),
    ("load_func", dict(func_name="fn", prog_type=9999), BPFError, errno.EINVAL, "fn"),
    ("load_func", dict(func_name="fn", prog_type=-5), (BPFError, OverflowError, ValueError),
     None, ""),
]


@pytest.mark.parametrize("method,kwargs,exc,code,text", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_bad_attach(b, method, kwargs, exc, code, text):
    links = len(b._links())
    with pytest.raises(exc) as info:
        getattr(b, method)(**kwargs)
    if code is not None:
        assert info.value.errno == code
    assert text in str(info.value)
    assert len(b._links()) == links


def test_missing_kprobe_is_unsupported_here_or_enoent(b):
    with pytest.raises(BPFError) as info:
        b.attach_kprobe(event="nosuch_kernel_function_xyz", fn_name="fn")
    assert isinstance(info.value, UnsupportedError) or info.value.errno == errno.ENOENT


@pytest.mark.parametrize("attach", [
    lambda b: b.attach_xdp("nosuchif0", b.load_func("fn", BPF.XDP)),
    lambda b: b.attach_tc("nosuchif0", b.load_func("fn", BPF.SCHED_CLS)),
    lambda b: b.attach_raw_socket(b.load_func("fn", BPF.SOCKET_FILTER), "nosuchif0"),
])
def test_missing_interface(attach):
    with BPF(text=PROGRAM, cflags=CFLAGS) as fresh:
        with pytest.raises(BPFError) as info:
            attach(fresh)
        assert info.value.errno == errno.ENODEV and "nosuchif0" in str(info.value)


def test_cgroup_that_does_not_exist():
    with BPF(text=PROGRAM, cflags=CFLAGS) as fresh:
        with pytest.raises(BPFError) as info:
            fresh.attach_cgroup("/nonexistent/cgroup", fresh.load_func("fn", BPF.CGROUP_SKB), 0)
        assert info.value.errno == errno.ENOENT


def test_wrong_program_type_names_both():
    with BPF(text=PROGRAM, cflags=CFLAGS) as fresh:
        fresh.attach_raw_tracepoint(tp="sys_enter", fn_name="fn")
        with pytest.raises(BPFError) as info:
            fresh.attach_tracepoint(tp="syscalls:sys_enter_getppid", fn_name="fn")
        assert info.value.errno == errno.EINVAL and "'fn'" in str(info.value)
        with pytest.raises(BPFError) as info:
            fresh.attach_xdp("lo", fresh.load_func("fn", BPF.XDP))
        assert info.value.errno == errno.EINVAL
        assert len(fresh._links()) == 1


def test_attach_twice_and_detach_twice(b):
    b.attach_raw_tracepoint(tp="sys_exit", fn_name="rawfn")
    with pytest.raises(BPFError) as info:
        b.attach_raw_tracepoint(tp="sys_exit", fn_name="rawfn")
    assert info.value.errno == errno.EEXIST
    b.detach_raw_tracepoint(tp="sys_exit")
    with pytest.raises(BPFError) as info:
        b.detach_raw_tracepoint(tp="sys_exit")
    assert info.value.errno == errno.ENOENT


AFTER_CLOSE = [
    lambda b: b["h"],
    lambda b: b.attach_raw_tracepoint(tp="sys_enter", fn_name="rawfn"),
    lambda b: b.detach_raw_tracepoint(tp="sys_enter"),
    lambda b: b.attach_tracepoint(tp="syscalls:sys_enter_getppid", fn_name="fn"),
    lambda b: b.attach_uprobe(name="c", sym="getpid", fn_name="fn"),
    lambda b: b.load_func("fn", BPF.TRACEPOINT),
    lambda b: b.tables(),
    lambda b: b.ring_buffer_poll(0),
    lambda b: b.perf_buffer_poll(0),
    lambda b: "h" in b,
]


def test_everything_after_close_is_value_error():
    obj = BPF(text=PROGRAM, cflags=CFLAGS)
    tables = [obj[name] for name in ("h", "s", "a", "pa", "ring", "perf")]
    obj.close()
    for i, op in enumerate(AFTER_CLOSE):
        with pytest.raises(ValueError, match="closed"):
            op(obj)
    for t in tables:
        assert t.closed
        with pytest.raises(ValueError, match="closed"):
            t.fileno() if hasattr(t, "fileno") else t.fd
    obj.close()
