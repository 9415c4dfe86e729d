"""Small helpers shared by tests: deterministic, pid-filtered triggers."""
import os
import time

# x86_64 syscall numbers of the triggers the tests use
SYS_GETPPID = 110
SYS_GETPGRP = 111


def make_getppid_calls(count):
    """Exactly `count` getppid() syscalls from this process."""
    for _ in range(count):
        os.getppid()


def wait_until(predicate, timeout=5.0, interval=0.01):
    """Poll predicate() until it is true or timeout seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
