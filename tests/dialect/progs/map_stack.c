/* BPF_STACK push/pop
 * mode: attach
 * check: b['out'][0].value == 2
 */
BPF_STACK(s, u64, 8);
BPF_ARRAY(out, u64, 2);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    u64 a = 1, c = 2, got = 0; s.push(&a, 0); s.push(&c, 0); s.pop(&got); int i = 0; out.update(&i, &got); s.pop(&got);
    return 0;
}
