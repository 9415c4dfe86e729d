/* a libbpf SEC("tp/...") program beside the dialect
 * mode: attach
 * check: out[0] == 3
 */
BPF_ARRAY(out, u64, 16);
SEC("tp/syscalls/sys_enter_getppid")
int on_getppid(void *ctx) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    { int k = 0; u64 v = 3; out.update(&k, &v); }
    return 0;
}
