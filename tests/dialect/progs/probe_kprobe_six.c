/* six parameters after ctx (PARM6 from the calling convention)
 * mode: kprobe:kprobe__do_sys_openat2
 */
int kprobe__do_sys_openat2(struct pt_regs *ctx, int a, long b, long c, long d, long e, long f) {
    return a + b + c + d + e + f > 0;
}
