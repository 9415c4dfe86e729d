/* raw_tracepoint__<name> auto-attaches
 * mode: attach
 * check: out[0] == 2
 */
BPF_ARRAY(out, u64, 16);
int raw_tracepoint__sys_exit(struct bpf_raw_tracepoint_args *ctx) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    { int k = 0; u64 v = 2; out.update(&k, &v); }
    return 0;
}
