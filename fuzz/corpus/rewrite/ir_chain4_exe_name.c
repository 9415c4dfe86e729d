/* implicit read, chain of 4+: mm->exe_file->f_path.dentry->d_name.len equals the python binary's name length
 * mode: attach
 * check: out[0] == len(EXE)
 */
BPF_ARRAY(out, u64, 16);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    struct task_struct *t = (struct task_struct *)bpf_get_current_task();
    { int k = 0; u64 v = t->mm->exe_file->f_path.dentry->d_name.len; out.update(&k, &v); }
    return 0;
}
