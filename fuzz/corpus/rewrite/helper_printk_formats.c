/* every conversion family the kernel's printk accepts passes the check and loads
 * mode: attach
 * check: out[0] == 1
 */
BPF_ARRAY(out, u64, 16);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    u32 addr = 0x0100007f; char c = 'x'; const char *s = "str";
    bpf_trace_printk("%d %i %u\n", -1, 2, 3);
    bpf_trace_printk("%ld %lu %lx\n", -1L, 2UL, 3UL);
    bpf_trace_printk("%lld %llu %llx\n", -1LL, 2ULL, 3ULL);
    bpf_trace_printk("%08X %-3c 100%%\n", 255, c);
    bpf_trace_printk("%s, %p %pK\n", s, s, s);
    bpf_printk("%pI4 %px %c %5d %+d % d %llX\n", &addr, s, c, 1, 2, 3, 4ULL);
    { int k = 0; u64 v = 1; out.update(&k, &v); }
    return 0;
}
