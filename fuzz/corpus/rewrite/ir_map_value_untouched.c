/* map values are not kernel memory: direct access stays
 * mode: attach
 * check: b['vals'][1].pid == PID
 * check: b['vals'][1].n >= 1
 */
struct val { u64 n; u32 pid; };
BPF_HASH(vals, u32, struct val);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    u32 key = 1; struct val zero = {};
    struct val *v = vals.lookup_or_try_init(&key, &zero);
    if (v) { v->n += 1; v->pid = bpf_get_current_pid_tgid() >> 32; }
    return 0;
}
