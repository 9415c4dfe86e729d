/* reads inside map method and printk macro arguments are rewritten
 * mode: attach
 * check: b['h'][PPID].value >= 1
 */
BPF_HASH(h, u32, u64);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    struct task_struct *t = (struct task_struct *)bpf_get_current_task();
    h.increment(t->real_parent->tgid);
    return 0;
}
