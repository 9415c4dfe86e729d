/* BPF_ARRAY_OF_MAPS with an inner map named by a string (bcc)
 * mode: attach
 */
BPF_ARRAY(ex1, u64, 4);
BPF_ARRAY_OF_MAPS(outer, "ex1", 4);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    int k = 0; void *inner = bpf_map_lookup_elem(&outer, &k); if (inner) { u64 *v = bpf_map_lookup_elem(inner, &k); if (v) *v += 1; }
    return 0;
}
