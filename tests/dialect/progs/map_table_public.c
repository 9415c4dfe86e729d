/* BPF_TABLE_PUBLIC and BPF_TABLE_SHARED declare ordinary maps
 * mode: attach
 * check: b['pub'][1].value >= 1
 * check: b['sh'][2].value >= 1
 */
BPF_TABLE_PUBLIC("hash", u32, u64, pub, 8);
BPF_TABLE_SHARED("array", int, u64, sh, 8);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    pub.increment(1); sh.increment(2);
    return 0;
}
