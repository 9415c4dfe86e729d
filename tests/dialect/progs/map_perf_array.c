/* BPF_PERF_ARRAY and perf_read (empty slot: error value)
 * mode: attach
 */
BPF_PERF_ARRAY(counters, 4);
BPF_ARRAY(out, u64, 2);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    u64 v = counters.perf_read(BPF_F_CURRENT_CPU); int i = 0; out.update(&i, &v);
    struct bpf_perf_event_value val = {}; counters.perf_counter_value(BPF_F_CURRENT_CPU, &val, sizeof(val));
    return 0;
}
