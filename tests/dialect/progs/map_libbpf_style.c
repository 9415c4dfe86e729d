/* a libbpf-style SEC(".maps") map with bcc methods on it
 * mode: attach
 * check: b['lb'][1].value == 77
 */
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 2); __type(key, int); __type(value, u64); } lb SEC(".maps");

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    int k = 1; u64 v = 77; lb.update(&k, &v);
    return 0;
}
