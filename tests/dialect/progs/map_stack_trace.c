/* BPF_STACK_TRACE and get_stackid (user stack of this process)
 * mode: attach
 * check: b['out'][0].value in (0, 1)
 */
BPF_STACK_TRACE(st, 64);
BPF_ARRAY(out, u64, 2);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    int id = st.get_stackid(ctx, BPF_F_USER_STACK); int i = 0; u64 r = id >= 0; out.update(&i, &r);
    return 0;
}
