/* #define BPF_LICENSE picks the license string
 * mode: attach
 * check: out[0] == 1
 */
#define BPF_LICENSE GPL
BPF_ARRAY(out, u64, 16);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    { int k = 0; u64 v = 1; out.update(&k, &v); }
    return 0;
}
