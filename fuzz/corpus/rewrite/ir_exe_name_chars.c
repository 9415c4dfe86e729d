/* implicit read of d_name.name (a pointer) then a probe read of the string
 * mode: attach
 * check: bytes(b['names'][0].s).split(b'\0')[0].decode() == EXE
 */
struct name_t { char s[32]; };
BPF_ARRAY(names, struct name_t, 1);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    struct task_struct *t = (struct task_struct *)bpf_get_current_task();
    const unsigned char *n = t->mm->exe_file->f_path.dentry->d_name.name;
    struct name_t v = {}; int k = 0;
    bpf_probe_read_kernel_str(v.s, sizeof(v.s), n);
    names.update(&k, &v);
    return 0;
}
