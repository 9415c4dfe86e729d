/* atomic_increment with a count
 * mode: attach
 * check: b['h'][9].value % 3 == 0
 */
BPF_HASH(h, u32, u64);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    h.atomic_increment(9, 3);
    return 0;
}
