/* BPF_F_TABLE with BPF_F_NO_PREALLOC
 * mode: attach
 * check: b['h'][5].value == 6
 */
BPF_F_TABLE("hash", u32, u64, h, 64, BPF_F_NO_PREALLOC);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    u32 k = 5; u64 v = 6; h.insert(&k, &v);
    return 0;
}
