/* kretprobe__fn with PT_REGS_RC
 * mode: kprobe:kretprobe__do_sys_openat2
 */
BPF_HASH(rc, u32, s64);
int kretprobe__do_sys_openat2(struct pt_regs *ctx) {
    u32 k = 0; s64 r = PT_REGS_RC(ctx); rc.update(&k, &r);
    return 0;
}
