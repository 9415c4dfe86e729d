/* BPF_STACK_TRACE_BUILDID declares a build-id stack map
 * mode: attach
 */
BPF_STACK_TRACE_BUILDID(st, 16);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    st.get_stackid(ctx, BPF_F_USER_STACK);
    return 0;
}
