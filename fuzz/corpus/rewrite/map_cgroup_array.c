/* BPF_CGROUP_ARRAY and check_current_task (empty slot)
 * mode: attach
 */
BPF_CGROUP_ARRAY(cg, 2);
BPF_ARRAY(out, u64, 2);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    int i = 0; u64 r = (u64)(s64)cg.check_current_task(0); out.update(&i, &r);
    return 0;
}
