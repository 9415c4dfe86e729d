/* BPF_PERCPU_HASH increment (per-CPU add)
 * mode: attach
 * check: sum(x.value for x in b['h'][1]) >= 1
 */
BPF_PERCPU_HASH(h, u32, u64);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    h.increment(1);
    return 0;
}
