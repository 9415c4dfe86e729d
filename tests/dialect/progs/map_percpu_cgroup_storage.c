/* BPF_PERCPU_CGROUP_STORAGE and get_local_storage
 * mode: load:egress:CGROUP_SKB
 */
BPF_PERCPU_CGROUP_STORAGE(cs, u64);
int egress(struct __sk_buff *skb) { u64 *v = cs.get_local_storage(0); *v += 1; return 1; }
