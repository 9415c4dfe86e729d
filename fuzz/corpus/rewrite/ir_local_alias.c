/* a pointer read into a local keeps the taint (p = t->real_parent; p->tgid)
 * mode: attach
 * check: out[0] == PPID
 * check: out[1] == PPID
 */
BPF_ARRAY(out, u64, 16);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    struct task_struct *t = (struct task_struct *)bpf_get_current_task();
    struct task_struct *p;
    p = t->real_parent;
    { int k = 0; u64 v = p->tgid; out.update(&k, &v); }
    { int k = 1; u64 v = p->pid; out.update(&k, &v); }
    return 0;
}
