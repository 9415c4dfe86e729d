/* BPF_HISTOGRAM with log2 slots
 * mode: attach
 * check: b['dist'][10].value >= 1
 */
BPF_HISTOGRAM(dist);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    dist.increment(bpf_log2l(1000));
    return 0;
}
