/* BPF_SK_STORAGE get/delete in a cgroup skb program
 * mode: load:egress:CGROUP_SKB
 */
BPF_SK_STORAGE(ss, u64);
int egress(struct __sk_buff *skb) { struct bpf_sock *sk = skb->sk; if (!sk) return 1; sk = bpf_sk_fullsock(sk); if (!sk) return 1; u64 *v = ss.sk_storage_get(sk, 0, BPF_SK_STORAGE_GET_F_CREATE); if (v) *v += 1; return 1; }
