/* a precision (%.3d) is refused by the kernel: error at the '%' of the second conversion
 * mode: error:2:39
 */
RAW_TRACEPOINT_PROBE(sys_enter) {
    bpf_trace_printk("ok %-4d %x\tbad %.3d\n", 1, 2, 3);
    return 0;
}
