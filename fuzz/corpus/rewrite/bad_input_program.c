
struct key_t { u32 pid; char comm[16]; };
struct val_t { u64 count; s32 delta; u8 flags; };
struct event { u32 pid; u32 seq; };
BPF_HASH(h, u32, u64, 4);
BPF_HASH(s, struct key_t, struct val_t, 16);
BPF_ARRAY(a, u64, 8);
BPF_ARRAY(sa, s32, 8);
BPF_PERCPU_ARRAY(pa, u64, 4);
BPF_RINGBUF_OUTPUT(ring, 1);
BPF_PERF_OUTPUT(perf);

/* explicit attach targets of several program types */
int fn(void *ctx) { return 0; }
int rawfn(struct bpf_raw_tracepoint_args *ctx) { return 0; }

/* events, only from this process's getppid() */
int produce(struct bpf_raw_tracepoint_args *ctx) {
    if ((bpf_get_current_pid_tgid() >> 32) != TARGET_PID || ctx->args[1] != SYS_GETPPID_NR)
        return 0;
    struct event e = { .pid = TARGET_PID };
    ring.ringbuf_output(&e, sizeof(e), 0);
    perf.perf_submit(ctx, &e, sizeof(e));
    return 0;
}
