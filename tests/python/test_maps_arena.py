"""ARENA: pages shared by BPF and user space. Python maps the arena (which
fixes its user address), touches a page, and a program attached afterwards
writes into it; Python reads the result through the memoryview.

clang-14 has no __arena address space, so the program converts the user
address to an arena pointer with the kernel's addr_space_cast instruction
emitted as raw bytes (what clang >= 18 emits for __arena pointers)."""
import ctypes
import os
import struct

import pytest

from bpfy import BPF

PID = os.getpid()
PAGE = os.sysconf("SC_PAGE_SIZE")

PROGRAM = r"""
struct {
	__uint(type, 33);                 /* BPF_MAP_TYPE_ARENA */
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 4);           /* pages */
} arena SEC(".maps");
BPF_ARRAY(slot, u64, 1);          /* user address of the slot the program fills */

/* r1 = addr_space_cast(r1, 0, 1): a user address in the arena -> an arena pointer */
static __always_inline void *arena_ptr(void *user)
{
	register void *r1 asm("r1") = user;
	asm volatile(".quad 0x00000001000111bf" : "+r"(r1));
	return r1;
}

int arena_writer(struct bpf_raw_tracepoint_args *ctx)
{
	u32 zero = 0;
	asm volatile("" : : "r"(&arena));  /* the program uses the arena */
	if ((bpf_get_current_pid_tgid() >> 32) != PID || ctx->args[1] != SYS_GETPPID)
		return 0;
	u64 *addr = slot.lookup(&zero);
	if (!addr || !*addr)
		return 0;
	u64 *p = arena_ptr((void *)*addr);
	p[0] += 1;                         /* calls seen */
	p[1] = bpf_get_current_pid_tgid() >> 32;
	return 0;
}
"""


def test_program_writes_python_reads_memoryview():
    with BPF(text=PROGRAM, cflags=[f"-DPID={PID}", "-DSYS_GETPPID=110"]) as b:
        arena = b["arena"]
        assert type(arena).__name__ == "Arena"
        info = arena.info
        assert info["type_name"] == "arena" and info["max_entries"] == 4
        view = arena.memoryview()
        assert len(view) == 4 * PAGE and not view.readonly
        view[PAGE:PAGE + 16] = bytes(16)            # Python faults the page in
        ref = ctypes.c_char.from_buffer(view)
        base = ctypes.addressof(ref)
        del ref
        b["slot"][0] = base + PAGE
        b.attach_raw_tracepoint("sys_enter", "arena_writer")
        for _ in range(7):
            os.getppid()
        b.detach_raw_tracepoint("sys_enter")
        calls, pid = struct.unpack_from("QQ", view, PAGE)
        assert (calls, pid) == (7, PID)
        again = arena.memoryview()                   # the same mapping
        assert struct.unpack_from("Q", again, PAGE)[0] == 7
        for op in (lambda: arena[0], lambda: len(arena), lambda: arena.items()):
            with pytest.raises(TypeError, match="arena map"):
                op()
        view.release()
        again.release()
