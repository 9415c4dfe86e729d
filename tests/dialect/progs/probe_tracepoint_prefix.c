/* tracepoint__<cat>__<event> auto-attaches with its generated struct
 * mode: attach
 * check: out[0] == 1
 */
BPF_ARRAY(out, u64, 16);
int tracepoint__syscalls__sys_enter_getppid(struct tracepoint__syscalls__sys_enter_getppid *args) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    { int k = 0; u64 v = 1; out.update(&k, &v); }
    return 0;
}
