/* raw_tp sched_switch: prev task from ctx->args[1], pid read through it
 * mode: attach
 * check: out[0] == PID
 */
BPF_ARRAY(out, u64, 16);
RAW_TRACEPOINT_PROBE(sched_switch) {
    struct task_struct *prev = (struct task_struct *)ctx->args[1];
    if (prev->tgid != PID) return 0;
    { int k = 0; u64 v = prev->tgid; out.update(&k, &v); }
    return 0;
}
