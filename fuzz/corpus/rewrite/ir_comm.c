/* comm is an array member: left alone and read with bpf_probe_read_kernel_str
 * mode: attach
 * check: bytes(b['names'][0].s).split(b'\0')[0].decode() == COMM
 */
struct name_t { char s[16]; };
BPF_ARRAY(names, struct name_t, 1);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    struct task_struct *t = (struct task_struct *)bpf_get_current_task();
    struct name_t v = {}; int k = 0;
    bpf_probe_read_kernel_str(v.s, sizeof(v.s), t->comm);
    names.update(&k, &v);
    return 0;
}
