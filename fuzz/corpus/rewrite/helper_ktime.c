/* bpf_ktime_get_ns and friends by their usual names
 * mode: attach
 * check: out[0] == 1
 * check: out[1] == 1
 */
BPF_ARRAY(out, u64, 16);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    { int k = 0; u64 v = bpf_ktime_get_ns() > 0; out.update(&k, &v); }
    { int k = 1; u64 v = bpf_get_smp_processor_id() < 4096; out.update(&k, &v); }
    return 0;
}
