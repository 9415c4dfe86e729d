/* kprobe__fn with parameters filled from pt_regs (implicit reads through sk)
 * mode: kprobe:kprobe__tcp_v4_connect
 */
BPF_HASH(fam, u32, u64);
int kprobe__tcp_v4_connect(struct pt_regs *ctx, struct sock *sk, struct sockaddr *uaddr, int addr_len) {
    u32 f = sk->__sk_common.skc_family;
    fam.increment(f);
    return 0;
}
