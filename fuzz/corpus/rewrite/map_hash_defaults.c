/* BPF_HASH defaults (u64 key/value)
 * mode: attach
 * check: b['h'][7].value >= 1
 */
BPF_HASH(h);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    h.increment(7);
    return 0;
}
