/* BPF_TASK_STORAGE get with create, on the current task
 * mode: attach
 * check: b['out'][0].value >= 1
 */
BPF_TASK_STORAGE(ts, u64);
BPF_ARRAY(out, u64, 2);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    struct task_struct *t = bpf_get_current_task_btf();
    u64 *v = ts.task_storage_get(t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
    if (v) { *v += 1; int i = 0; out.update(&i, v); }
    return 0;
}
