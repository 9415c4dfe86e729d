/* BPF_HASH_OF_MAPS with a key type and an inner map
 * mode: attach
 */
BPF_HASH(inner_h, u32, u64, 4);
BPF_HASH_OF_MAPS(outer, u32, "inner_h", 4);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    u32 k = 0; void *inner = bpf_map_lookup_elem(&outer, &k); if (inner) bpf_map_delete_elem(inner, &k);
    return 0;
}
