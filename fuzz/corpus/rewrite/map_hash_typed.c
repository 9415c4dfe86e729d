/* BPF_HASH with key, leaf and size
 * mode: attach
 * check: b['h'][3].value == 9
 */
BPF_HASH(h, u32, u32, 16);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    u32 k = 3, v = 9; h.update(&k, &v);
    return 0;
}
