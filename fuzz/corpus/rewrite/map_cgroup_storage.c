/* BPF_CGROUP_STORAGE and get_local_storage in a cgroup skb program
 * mode: load:egress:CGROUP_SKB
 */
BPF_CGROUP_STORAGE(cs, u64);
int egress(struct __sk_buff *skb) { u64 *v = cs.get_local_storage(0); __sync_fetch_and_add(v, 1); return 1; }
