/* bpf_num_cpus() is the number of online CPUs at compile time (bcc)
 * mode: attach
 * check: out[0] == NCPUS
 */
BPF_ARRAY(out, u64, 16);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    { int k = 0; u64 v = bpf_num_cpus(); out.update(&k, &v); }
    return 0;
}
