/* implicit read, chain of 1: current task's tgid
 * mode: attach
 * check: out[0] == PID
 */
BPF_ARRAY(out, u64, 16);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    struct task_struct *t = (struct task_struct *)bpf_get_current_task();
    { int k = 0; u64 v = t->tgid; out.update(&k, &v); }
    return 0;
}
