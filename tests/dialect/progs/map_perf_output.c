/* BPF_PERF_OUTPUT with perf_submit records the event type
 * mode: attach
 */
struct ev { u32 pid; u64 x; };
BPF_PERF_OUTPUT(events);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    struct ev e = { bpf_get_current_pid_tgid() >> 32, 1 }; events.perf_submit(ctx, &e, sizeof(e));
    return 0;
}
