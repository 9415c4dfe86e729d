/* bpf_trace_printk with more conversions than arguments
 * mode: error:3:5
 */
RAW_TRACEPOINT_PROBE(sys_enter) {
    u32 pid = bpf_get_current_pid_tgid() >> 32;
    bpf_trace_printk("pid %d comm %s\n", pid);
    return 0;
}
