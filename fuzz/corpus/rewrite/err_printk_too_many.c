/* bpf_trace_printk with 4 arguments (the helper and bcc take 3; bpf_printk takes 12)
 * mode: error:2:5
 */
RAW_TRACEPOINT_PROBE(sys_enter) {
    bpf_trace_printk("%d %d %d %d\n", 1, 2, 3, 4);
    return 0;
}
