/* BPF_TABLE_PINNED declares a pinned-by-name hash (bcc path recorded)
 * mode: attach
 * check: b['pinned_h'][1].value >= 1
 */
BPF_TABLE_PINNED("hash", u32, u64, pinned_h, 8, "/sys/fs/bpf/bpfy_dialect_pinned");

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    pinned_h.increment(1);
    return 0;
}
