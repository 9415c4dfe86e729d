/* libbpf tp_btf program: BTF pointers read directly
 * mode: attach
 * check: out[0] in (110, 39) or out[0] > 0
 */
BPF_ARRAY(out, u64, 16);
SEC("tp_btf/sys_enter")
int BPF_PROG(on_enter, struct pt_regs *regs, long id) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    { int k = 0; u64 v = id; out.update(&k, &v); }
    return 0;
}
