"""Histograms in bcc's text format, from tables a real program filled.

The program records bpf_log2l() of the byte count of write() calls made by
this test's thread on two /dev/null fds it opened, so the series is known
exactly: the expected output below is written by hand from bcc's documented
format (header "     %-19s : count     distribution", rows
"%10d -> %-10d : %-8d |%-40s|", 40-star bars scaled to the largest count)."""
import ast
import contextlib
import io
import os
import threading

import pytest

from bpfy import BPF
from bpfy import histogram

histogram.install()  # idempotent; bpfy/__init__.py installs it too once wired

SIZES_A = [1, 1, 1, 2, 3, 5, 100, 100, 4096]   # written on fd A
SIZES_B = [2, 3, 3]                              # written on fd B

PROGRAM = r'''
struct sect_key { u64 fd; u64 slot; };
BPF_HISTOGRAM(dist);
BPF_HISTOGRAM(lin, int, 1025);
BPF_HISTOGRAM(sect, struct sect_key);
BPF_PERCPU_ARRAY(pcpu, u64, 64);

TRACEPOINT_PROBE(syscalls, sys_enter_write) {
    if ((u32)bpf_get_current_pid_tgid() != TID)
        return 0;
    u64 fd = args->fd;
    if (fd != FD_A && fd != FD_B)
        return 0;
    u64 count = args->count;
    int slot = bpf_log2l(count);
    struct sect_key k = {};
    k.fd = fd;
    k.slot = slot;
    sect.increment(k);
    if (fd != FD_A)
        return 0;
    dist.increment(slot);
    pcpu.increment(slot);
    if (count < 1025)
        lin.increment((int)count);
    return 0;
}
'''


@pytest.fixture(scope="module")
def filled():
    fd_a = os.open("/dev/null", os.O_WRONLY | os.O_CLOEXEC)
    fd_b = os.open("/dev/null", os.O_WRONLY | os.O_CLOEXEC)
    try:
        cflags = [f"-DTID={threading.get_native_id()}", f"-DFD_A={fd_a}", f"-DFD_B={fd_b}"]
        with BPF(text=PROGRAM, cflags=cflags) as b:
            for size in SIZES_A:
                os.write(fd_a, b"x" * size)
            for size in SIZES_B:
                os.write(fd_b, b"x" * size)
            yield b, fd_a, fd_b
    finally:
        os.close(fd_a)
        os.close(fd_b)


def printed(func, *args, **kwargs):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        func(*args, **kwargs)
    return out.getvalue()


LOG2_EXPECTED = """\
     bytes               : count     distribution
         0 -> 1          : 3        |****************************************|
         2 -> 3          : 2        |**************************              |
         4 -> 7          : 1        |*************                           |
         8 -> 15         : 0        |                                        |
        16 -> 31         : 0        |                                        |
        32 -> 63         : 0        |                                        |
        64 -> 127        : 2        |**************************              |
       128 -> 255        : 0        |                                        |
       256 -> 511        : 0        |                                        |
       512 -> 1023       : 0        |                                        |
      1024 -> 2047       : 0        |                                        |
      2048 -> 4095       : 0        |                                        |
      4096 -> 8191       : 1        |*************                           |
"""


def test_log2_hist_matches_bcc_format(filled):
    b, _, _ = filled
    assert printed(b["dist"].print_log2_hist, "bytes") == LOG2_EXPECTED


def test_log2_hist_default_val_type_and_format_string(filled):
    b, _, _ = filled
    text = b["dist"].format_log2_hist()
    assert text.splitlines()[0] == "     value               : count     distribution"
    assert text + "\n" == LOG2_EXPECTED.replace("bytes", "value")


def test_percpu_histogram_sums_cpus(filled):
    b, _, _ = filled
    assert printed(b["pcpu"].print_log2_hist, "bytes") == LOG2_EXPECTED


def test_strip_leading_zero(filled):
    b, _, _ = filled
    lines = b["lin"].format_linear_hist("bytes", strip_leading_zero=True).splitlines()
    # values 0 is empty and skipped; value 1 is the first row
    assert lines[1] == "        1          : 3        |****************************************|"


def test_linear_hist_matches_bcc_format(filled):
    b, _, _ = filled
    text = printed(b["lin"].print_linear_hist, "bytes")
    lines = text.splitlines()
    assert lines[0] == "     bytes         : count     distribution"
    assert lines[1] == "        0          : 0        |                                        |"
    assert lines[2] == "        1          : 3        |****************************************|"
    assert lines[3] == "        2          : 1        |*************                           |"
    assert lines[6] == "        5          : 1        |*************                           |"
    assert lines[101] == "        100        : 2        |**************************              |"
    assert len(lines) == 102  # the last non-zero value (100); 4096 is not recorded


def test_section_histograms(filled):
    b, fd_a, fd_b = filled
    text = printed(b["sect"].print_log2_hist, "bytes", section_header="fd",
                   bucket_sort_fn=sorted)
    expected_b = """\
     bytes               : count     distribution
         0 -> 1          : 0        |                                        |
         2 -> 3          : 3        |****************************************|
"""
    assert text == f"\nfd = {fd_a}\n" + LOG2_EXPECTED + f"\nfd = {fd_b}\n" + expected_b


def test_section_print_fn_and_bucket_fn(filled):
    b, fd_a, fd_b = filled
    names = {fd_a: "A", fd_b: "B"}
    text = printed(b["sect"].print_log2_hist, "bytes", section_header="file",
                   section_print_fn=lambda name: f"<{name}>", bucket_fn=names.get,
                   bucket_sort_fn=lambda names: sorted(names, reverse=True),
                   strip_leading_zero=True)
    lines = text.splitlines()
    assert lines[:4] == ["", "file = <B>", "     bytes               : count     distribution",
                         "         2 -> 3          : 3        |****************************************|"]
    assert lines[4:6] == ["", "file = <A>"]


def test_json_hist(filled):
    b, _, _ = filled
    out = printed(b["dist"].print_json_hist, "bytes").splitlines()
    assert len(out) == 1
    hist = ast.literal_eval(out[0])  # bcc prints a Python dict
    assert hist["val_type"] == "bytes"
    assert set(hist) == {"ts", "val_type", "data"}
    data = hist["data"]
    assert data[0] == {"interval-start": 0, "interval-end": 1, "count": 3}
    assert data[1] == {"interval-start": 2, "interval-end": 3, "count": 2}
    assert data[6] == {"interval-start": 64, "interval-end": 127, "count": 2}
    assert data[-1] == {"interval-start": 4096, "interval-end": 8191, "count": 1}
    assert len(data) == 13


def test_json_hist_sections(filled):
    b, fd_a, fd_b = filled
    hists = b["sect"].get_json_hist("bytes", section_header="fd", bucket_sort_fn=sorted)
    assert [h["fd"] for h in hists] == [fd_a, fd_b]
    assert hists[1]["data"] == [{"interval-start": 0, "interval-end": 1, "count": 0},
                                {"interval-start": 2, "interval-end": 3, "count": 3}]


def test_data_accessors(filled):
    b, _, _ = filled
    [(section, rows)] = b["dist"].log2_hist()
    assert section is None
    assert rows[0] == (0, 1, 3) and rows[-1] == (4096, 8191, 1)
    [(_, values)] = b["lin"].linear_hist()
    assert values[100] == (100, 2)


def test_empty_histogram_prints_nothing(filled):
    b, _, _ = filled
    with BPF(text="BPF_HISTOGRAM(empty); TRACEPOINT_PROBE(syscalls, sys_enter_getppid) "
                  "{ return 0; }") as other:
        assert printed(other["empty"].print_log2_hist) == ""
        assert printed(other["empty"].print_linear_hist) == ""


def test_wide_histogram_switches_to_bcc_wide_format():
    vals = [0] * histogram.LOG2_INDEX_MAX
    vals[1], vals[40] = 4, 2
    lines = histogram.log2_lines(vals, "ns")
    assert lines[0] == "               ns                            : count     distribution"
    assert lines[1] == ("                   0 -> 1                    : 4        "
                        "|********************|")
    assert lines[40] == ("        549755813888 -> 1099511627775        : 2        "
                         "|**********          |")


def test_stars_overflow_mark():
    assert histogram._stars(5, 4, 8) == "*******+"
    assert histogram._stars(0, 4, 8) == ""
