/* BPF_LPM_TRIE lookup
 * mode: attach
 * check: b['out'][0].value == 1
 */
struct key_t { u32 prefixlen; u32 addr; };
BPF_LPM_TRIE(t, struct key_t, u64, 16);
BPF_ARRAY(out, u64, 2);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    struct key_t k = { 32, 1 }; u64 one = 1; t.update(&k, &one);
    u64 *v = t.lookup(&k); int i = 0; u64 r = v ? *v : 0; out.update(&i, &r);
    return 0;
}
