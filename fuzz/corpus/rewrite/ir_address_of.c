/* address-of a kernel field is left alone (explicit probe read)
 * mode: attach
 * check: out[0] == PID
 */
BPF_ARRAY(out, u64, 16);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    struct task_struct *t = (struct task_struct *)bpf_get_current_task();
    int pid = 0;
    bpf_probe_read_kernel(&pid, sizeof(pid), &t->tgid);
    { int k = 0; u64 v = pid; out.update(&k, &v); }
    return 0;
}
