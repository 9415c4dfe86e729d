/* a whole embedded struct read (qstr) through the chain
 * mode: attach
 * check: out[0] == len(EXE)
 */
BPF_ARRAY(out, u64, 16);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    struct task_struct *t = (struct task_struct *)bpf_get_current_task();
    struct qstr q = t->mm->exe_file->f_path.dentry->d_name;
    { int k = 0; u64 v = q.len; out.update(&k, &v); }
    return 0;
}
