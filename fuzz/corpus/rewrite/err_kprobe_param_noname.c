/* a kprobe parameter without a name
 * mode: error:1:36
 */
int kprobe__x(struct pt_regs *ctx, int) {
    return 0;
}
