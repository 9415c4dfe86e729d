/* BPF_PERCPU_ARRAY
 * mode: attach
 * check: sum(x.value for x in b['a'][1]) >= 1
 */
BPF_PERCPU_ARRAY(a, u64, 2);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    a.increment(1);
    return 0;
}
