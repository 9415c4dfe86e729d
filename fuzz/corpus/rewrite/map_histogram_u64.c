/* BPF_HISTOGRAM with a u64 key is a hash
 * mode: attach
 * check: b['dist'][42].value >= 1
 */
BPF_HISTOGRAM(dist, u64);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    dist.increment(42);
    return 0;
}
