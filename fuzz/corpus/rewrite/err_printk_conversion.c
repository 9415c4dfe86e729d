/* bpf_trace_printk with a conversion the kernel refuses (%f): error at the '%'
 * mode: error:3:37
 */
RAW_TRACEPOINT_PROBE(sys_enter) {
    u64 t = bpf_ktime_get_ns();
    bpf_trace_printk("time %llu avg %f\n", t, t);
    return 0;
}
