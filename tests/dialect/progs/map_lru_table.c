/* BPF_TABLE("lru_hash")
 * mode: attach
 * check: b['h'][5].value == 6
 */
BPF_TABLE("lru_hash", u32, u64, h, 64);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    u32 k = 5; u64 v = 6; h.update(&k, &v);
    return 0;
}
