/* BPF_CORE_READ written by the user is left as it is
 * mode: attach
 * check: out[0] == PPID
 */
BPF_ARRAY(out, u64, 16);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    struct task_struct *t = (struct task_struct *)bpf_get_current_task();
    { int k = 0; u64 v = BPF_CORE_READ(t, real_parent, tgid); out.update(&k, &v); }
    return 0;
}
