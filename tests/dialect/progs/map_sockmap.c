/* BPF_SOCKMAP with sock_map_update (sockops) and sk_redirect_map (sk_skb)
 * mode: load:ops:SOCK_OPS,verdict:SK_SKB
 */
BPF_SOCKMAP(sm, 4);
int ops(struct bpf_sock_ops *skops) { int k = 0; sm.sock_map_update(skops, &k, BPF_ANY); return 1; }
int verdict(struct __sk_buff *skb) { return sm.sk_redirect_map(skb, 0, 0); }
