/* insert does not overwrite; delete removes
 * mode: attach
 * check: b['h'][1].value == 10
 * check: b['h'].get(2) is None
 */
BPF_HASH(h, u32, u64);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    u32 k = 1, d = 2; u64 a = 10, c = 20; h.insert(&k, &a); h.insert(&k, &c); h.update(&d, &a); h.delete(&d);
    return 0;
}
