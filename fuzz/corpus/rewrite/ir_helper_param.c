/* a static helper taking a task_struct pointer reads through it
 * mode: attach
 * check: out[0] == PPID
 */
BPF_ARRAY(out, u64, 16);
static __always_inline u32 ppid_of(struct task_struct *t) { return t->real_parent->tgid; }
RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    struct task_struct *t = (struct task_struct *)bpf_get_current_task();
    { int k = 0; u64 v = ppid_of(t); out.update(&k, &v); }
    return 0;
}
