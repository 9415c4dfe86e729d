"""bcc.utils on bpfy: printb, ArgString, CPU lists, StrcmpRewrite."""
import errno
import re
import sys
import traceback
import warnings

from .. import UnsupportedError


def _read_cpu_range(path):
    cpus = []
    with open(path) as f:
        for part in f.read().strip().split(","):
            if not part:
                continue
            if "-" in part:
                low, high = part.split("-")
                cpus.extend(range(int(low), int(high) + 1))
            else:
                cpus.append(int(part))
    return cpus


def get_online_cpus():
    """Online CPU numbers, from /sys/devices/system/cpu/online."""
    return _read_cpu_range("/sys/devices/system/cpu/online")


def get_possible_cpus():
    """Possible CPU numbers, from /sys/devices/system/cpu/possible."""
    return _read_cpu_range("/sys/devices/system/cpu/possible")


def printb(s, file=None, nl=1):
    """Write bytes s (str is encoded) to file's (default: sys.stdout's)
    binary buffer, with a newline unless nl is false, and flush: bcc tools
    print kernel strings this way."""
    file = sys.stdout if file is None else file
    if isinstance(s, str):
        s = s.encode()
    buf = getattr(file, "buffer", None)
    if buf is None:
        file.write(s.decode(errors="replace") + ("\n" if nl else ""))
        file.flush()
        return
    file.flush()
    buf.write(s)
    if nl:
        buf.write(b"\n")
    buf.flush()


class ArgString:
    """An argparse type that keeps the text and gives bytes through
    bytes(arg), as bcc tools expect for strings passed into BPF C."""

    def __init__(self, s):
        self.s = s

    def __bytes__(self):
        return self.s.encode() if isinstance(self.s, str) else bytes(self.s)

    def __str__(self):
        return self.s.decode() if isinstance(self.s, bytes) else self.s

    def __repr__(self):
        return f"ArgString({self.s!r})"


def warn_with_traceback(message, category, filename, lineno, file=None, line=None):
    log = file if hasattr(file, "write") else sys.stderr
    traceback.print_stack(f=sys._getframe(2), file=log)
    log.write(warnings.formatwarning(message, category, filename, lineno, line))


def _assert_is_bytes(arg):
    """bcc's helper: str becomes bytes (bcc warns), None stays None."""
    if arg is None or isinstance(arg, bytes):
        return arg
    return str(arg).encode()


def detect_language(candidates, pid):
    raise UnsupportedError(errno.ENOTSUP, "bcc.utils.detect_language is not supported by bpfy")


class StrcmpRewrite:
    """bcc's rewriter of STRCMP("literal", expr) in probe filter expressions
    (trace.py, argdist.py): a pure text transformation producing BPF C. Each
    STRCMP becomes a call to a generated streq_N(ignored, str) function that
    reads sizeof(literal) bytes at the address `str` and compares them with
    the literal (a prefix compare, as bcc's: the terminating NUL is not
    compared). Kernel pointers are read with bpf_probe_read_kernel (bcc writes
    bpf_probe_read, which bpfy maps to the same helper), user pointers with
    bpf_probe_read_user."""

    @staticmethod
    def _generate_streq_function(string, probe_read_func, streq_functions, probeid):
        fname = "streq_%d" % probeid
        streq_functions += """
static inline bool %s(char const *ignored, uintptr_t str) {
        char needle[] = %s;
        char haystack[sizeof(needle)];
        %s(&haystack, sizeof(haystack), (void *)str);
        for (int i = 0; i < sizeof(needle) - 1; ++i) {
                if (needle[i] != haystack[i]) {
                        return false;
                }
        }
        return true;
}
        """ % (fname, string, probe_read_func)
        return fname, streq_functions

    @staticmethod
    def rewrite_expr(expr, bin_cmp, is_user, probe_user_list, streq_functions, probeid):
        """rewrite_expr(expr, bin_cmp, is_user, probe_user_list, streq_functions,
        probeid) -> {"expr", "streq_functions", "probeid"}, as bcc's.

        expr: a C expression using STRCMP("literal", ptr). bin_cmp: the
        literal's text goes into the C initializer without its quotes (bcc's
        binary compare). is_user: every pointer is a user pointer; otherwise
        only the expressions listed in probe_user_list are. streq_functions:
        C text the generated functions are appended to. probeid: the number
        of the first generated function (streq_<probeid>); the returned
        probeid is the next free one."""
        if bin_cmp:
            strcmp_re = r'STRCMP\("([^"]+)\",(.+?)\)'
        else:
            strcmp_re = r'STRCMP\(("[^"]+\"),(.+?)\)'
        for match in re.finditer(strcmp_re, expr):
            string = match.group(1)
            probe_read_func = "bpf_probe_read_kernel"
            if is_user or match.group(2).strip() in (probe_user_list or ()):
                probe_read_func = "bpf_probe_read_user"
            fname, streq_functions = StrcmpRewrite._generate_streq_function(
                string, probe_read_func, streq_functions, probeid)
            probeid += 1
            expr = expr.replace("STRCMP", fname, 1)
        return {"expr": expr, "streq_functions": streq_functions, "probeid": probeid}
