/* implicit read, chain of 3: grandparent through two real_parent hops
 * mode: attach
 * check: out[0] == PPPID
 */
BPF_ARRAY(out, u64, 16);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    struct task_struct *t = (struct task_struct *)bpf_get_current_task();
    { int k = 0; u64 v = t->real_parent->real_parent->tgid; out.update(&k, &v); }
    return 0;
}
