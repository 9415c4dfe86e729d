/* TRACEPOINT_PROBE with args->field
 * mode: attach
 * check: out[0] == 110
 */
BPF_ARRAY(out, u64, 16);
TRACEPOINT_PROBE(syscalls, sys_enter_getppid) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    { int k = 0; u64 v = args->__syscall_nr; out.update(&k, &v); }
    return 0;
}
