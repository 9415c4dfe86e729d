/* bpf_trace_printk with 1 argument; bpf_printk with 4 (past 3 it uses vprintk)
 * mode: attach
 * check: out[0] == 1
 */
BPF_ARRAY(out, u64, 16);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    bpf_trace_printk("one %d\n", 1);
    bpf_printk("four %d %d %d %d\n", 1, 2, 3, 4);
    { int k = 0; u64 v = 1; out.update(&k, &v); }
    return 0;
}
