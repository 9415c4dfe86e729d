/* syscall__ functions read their arguments from the syscall's inner pt_regs
 * mode: kprobe:syscall__openat@openat
 */
int syscall__openat(struct pt_regs *ctx, int dfd, const char *filename, int flags) {
    char buf[16];
    bpf_probe_read_user_str(buf, sizeof(buf), filename);
    return dfd + flags;
}
