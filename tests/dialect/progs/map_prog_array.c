/* BPF_PROG_ARRAY and a tail call to an empty slot falls through
 * mode: attach
 * check: b['out'][0].value == 1
 */
BPF_PROG_ARRAY(jmp, 4);
BPF_ARRAY(out, u64, 2);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    jmp.call(ctx, 1);
    int i = 0; u64 r = 1; out.update(&i, &r);
    return 0;
}
