"""bcc.syscall on bpfy: syscall numbers and names of this machine."""
from ..syscall import syscall_name, syscalls as _syscalls

syscalls = _syscalls()

__all__ = ["syscall_name", "syscalls"]
