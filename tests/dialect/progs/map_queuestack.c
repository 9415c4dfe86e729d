/* BPF_QUEUESTACK("queue", ...) and the _PUBLIC/_SHARED variants
 * mode: attach
 */
BPF_QUEUESTACK("queue", q1, u32, 4, 0);
BPF_QUEUESTACK_PUBLIC("stack", q2, u32, 4, 0);
BPF_QUEUESTACK_SHARED("queue", q3, u32, 4, 0);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    u32 a = 1; q1.push(&a, 0); q2.push(&a, 0); q3.push(&a, 0); q1.pop(&a); q2.pop(&a); q3.pop(&a);
    return 0;
}
