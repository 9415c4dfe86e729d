/* a file this process opened: files->fdt->fd[n]->f_path.dentry->d_name (chain through an array)
 * mode: attach
 * check: bytes(b['names'][0].s).split(b'\0')[0].decode() == OPENED
 */
struct name_t { char s[32]; };
BPF_ARRAY(names, struct name_t, 1);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    struct task_struct *t = (struct task_struct *)bpf_get_current_task();
    struct file **fds = t->files->fdt->fd;
    struct file *f = 0;
    bpf_probe_read_kernel(&f, sizeof(f), &fds[FD]);
    if (!f) return 0;
    struct name_t v = {}; int k = 0;
    bpf_probe_read_kernel_str(v.s, sizeof(v.s), f->f_path.dentry->d_name.name);
    names.update(&k, &v);
    return 0;
}
