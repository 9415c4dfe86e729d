/* the task address kept in a u64 then cast back
 * mode: attach
 * check: out[0] == PID
 */
BPF_ARRAY(out, u64, 16);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    u64 addr = bpf_get_current_task();
    struct task_struct *t = (struct task_struct *)addr;
    { int k = 0; u64 v = t->pid; out.update(&k, &v); }
    return 0;
}
