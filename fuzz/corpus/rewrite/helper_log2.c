/* bpf_log2l matches bcc's slots
 * mode: attach
 * check: out[0] == 1
 * check: out[1] == 11
 * check: out[2] == 12
 */
BPF_ARRAY(out, u64, 16);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    { int k = 0; u64 v = bpf_log2l(1); out.update(&k, &v); }
    { int k = 1; u64 v = bpf_log2l(1024); out.update(&k, &v); }
    { int k = 2; u64 v = bpf_log2(4096); out.update(&k, &v); }
    return 0;
}
