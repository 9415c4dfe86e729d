/* lookup_or_init and lookup_or_try_init
 * mode: attach
 * check: b['h'][4].value % 5 == 0
 */
BPF_HASH(h, u32, u64);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    u32 k = 4; u64 zero = 0, *v = h.lookup_or_init(&k, &zero); if (v) *v += 2;
    v = h.lookup_or_try_init(&k, &zero); if (v) *v += 3;
    return 0;
}
