/* BPF_RINGBUF_OUTPUT reserve/submit, output, discard, query
 * mode: attach
 * check: b['out'][0].value >= 8
 */
struct ev { u32 pid; };
BPF_RINGBUF_OUTPUT(rb, 4);
BPF_ARRAY(out, u64, 2);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    struct ev *e = rb.ringbuf_reserve(sizeof(struct ev)); if (e) { e->pid = 1; rb.ringbuf_discard(e, 0); }
    struct ev x = { 2 }; rb.ringbuf_output(&x, sizeof(x), 0);
    int i = 0; u64 r = rb.ringbuf_query(BPF_RB_AVAIL_DATA); out.update(&i, &r);
    return 0;
}
