/* perf_submit_skb in a socket filter
 * mode: load:filter:SOCKET_FILTER
 */
struct ev { u32 len; };
BPF_PERF_OUTPUT(events);
int filter(struct __sk_buff *skb) { struct ev e = { skb->len }; events.perf_submit_skb(skb, skb->len, &e, sizeof(e)); return -1; }
