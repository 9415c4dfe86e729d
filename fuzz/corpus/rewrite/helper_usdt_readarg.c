/* bpf_usdt_readarg / bpf_usdt_readarg_p compile without bpfy.usdt.PRELUDE (loaded, not attached)
 * mode: load:on_tick:KPROBE
 */
BPF_ARRAY(out, u64, 16);

int on_tick(struct pt_regs *ctx) {
    u64 v = 0; char buf[16];
    bpf_usdt_readarg(1, ctx, &v);
    bpf_usdt_readarg_p(2, ctx, buf, sizeof(buf));
    { int k = 0; out.update(&k, &v); }
    return 0;
}
