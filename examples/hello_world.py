#!/usr/bin/python3
"""Print "Hello, World!" each time any process calls execve (Ctrl-C to stop)."""
from bpfy import BPF

BPF(text=r'''
TRACEPOINT_PROBE(syscalls, sys_enter_execve) {
    bpf_trace_printk("Hello, World!\n");
    return 0;
}
''').trace_print()
