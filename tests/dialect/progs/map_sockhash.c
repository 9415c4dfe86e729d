/* BPF_SOCKHASH with sock_hash_update, msg_redirect_hash and sk_redirect_hash
 * mode: load:ops:SOCK_OPS,msg:SK_MSG,verdict:SK_SKB
 */
BPF_SOCKHASH(sh, u32, 4);
int ops(struct bpf_sock_ops *skops) { u32 k = 1; sh.sock_hash_update(skops, &k, BPF_ANY); return 1; }
int msg(struct sk_msg_md *m) { u32 k = 1; return sh.msg_redirect_hash(m, &k, 0); }
int verdict(struct __sk_buff *skb) { u32 k = 1; return sh.sk_redirect_hash(skb, &k, 0); }
