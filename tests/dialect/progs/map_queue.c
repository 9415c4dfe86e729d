/* BPF_QUEUE push/pop/peek
 * mode: attach
 * check: b['out'][0].value == 11
 */
BPF_QUEUE(q, u32, 8);
BPF_ARRAY(out, u64, 2);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    u32 a = 11, got = 0; q.push(&a, 0); q.peek(&got); int i = 0; u64 r = got; out.update(&i, &r); q.pop(&got);
    return 0;
}
