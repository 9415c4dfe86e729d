"""System call numbers and names of this machine's architecture.

Read from the uapi header of Debian's linux-libc-dev (userspace API headers,
not kernel build headers), so the table always matches the running ABI.
"""
import functools
import platform
import re

_HEADERS = {
    "x86_64": ["/usr/include/x86_64-linux-gnu/asm/unistd_64.h"],
    "aarch64": ["/usr/include/asm-generic/unistd.h"],
}
_DEFINE = re.compile(r"^#define\s+__NR(?:3264)?_(\w+)\s+(\d+)\s*$")


@functools.lru_cache(maxsize=1)
def syscalls():
    """Dict of syscall number -> name (bytes, as bcc's bcc.syscall gives)."""
    table = {}
    for header in _HEADERS.get(platform.machine(), []):
        try:
            with open(header, encoding="ascii", errors="replace") as f:
                for line in f:
                    match = _DEFINE.match(line)
                    if match and match.group(1) != "syscalls":
                        table.setdefault(int(match.group(2)), match.group(1).encode())
        except OSError:
            continue
    return table


def syscall_name(number):
    """Name of syscall `number` as bytes; b"[unknown: N]" when not known."""
    return syscalls().get(number, b"[unknown: %d]" % number)
