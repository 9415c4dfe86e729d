/* pointers from ctx->args[] are kernel pointers (pt_regs of sys_enter)
 * mode: attach
 * check: out[0] == out[1]
 */
BPF_ARRAY(out, u64, 16);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
    { int k = 0; u64 v = regs->orig_ax; out.update(&k, &v); }
    { int k = 1; u64 v = ctx->args[1]; out.update(&k, &v); }
    return 0;
}
