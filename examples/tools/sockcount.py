#!/usr/bin/python3
"""sockcount: count packets and bytes per IP protocol and per IPv4
destination with a socket filter on a raw socket (the use cases of the
kernel's sockex1/sockex2 samples). Only received packets (PACKET_HOST) are
counted, so loopback traffic is not counted twice.

    sockcount.py -i lo -d 5
    sockcount.py -i eth0
"""
import argparse
import ipaddress
import socket

from bpfy import BPF

from _common import wait_until_interrupted

PROGRAM = r'''
struct counter { u64 packets; u64 bytes; };
BPF_HASH(by_proto, u32, struct counter);
BPF_HASH(by_dest, u32, struct counter);

static inline void add(struct counter *c, u64 len) {
    __sync_fetch_and_add(&c->packets, 1);
    __sync_fetch_and_add(&c->bytes, len);
}

int count_packets(struct __sk_buff *skb) {
    if (skb->pkt_type != PACKET_HOST || skb->protocol != bpf_htons(ETH_P_IP))
        return 0;
    u8 proto = 0;
    u32 dest = 0;
    if (bpf_skb_load_bytes(skb, ETH_HLEN + 9, &proto, 1) ||
        bpf_skb_load_bytes(skb, ETH_HLEN + 16, &dest, 4))
        return 0;
    dest = bpf_ntohl(dest);
    u32 key = proto;
    struct counter zero = {}, *c = by_proto.lookup_or_try_init(&key, &zero);
    if (c)
        add(c, skb->len);
    c = by_dest.lookup_or_try_init(&dest, &zero);
    if (c)
        add(c, skb->len);
    return 0;  /* keep nothing: the socket only counts */
}
'''

PROTOCOLS = {1: "ICMP", 2: "IGMP", 6: "TCP", 17: "UDP", 41: "IPv6", 47: "GRE", 50: "ESP",
             58: "ICMPv6", 132: "SCTP"}


def main():
    parser = argparse.ArgumentParser(description="Count packets per protocol and destination")
    parser.add_argument("-i", "--interface", default="lo", help="interface (default lo)")
    parser.add_argument("-d", "--duration", type=float, help="seconds to count")
    args = parser.parse_args()
    b = BPF(text=PROGRAM, cflags=["-DPACKET_HOST=0"])
    fn = b.load_func("count_packets", BPF.SOCKET_FILTER)
    BPF.attach_raw_socket(fn, args.interface)
    wait_until_interrupted(f"Counting IPv4 packets on {args.interface}... Hit Ctrl-C to end.",
                           args.duration)
    print(f"{'PROTOCOL':<10} {'PACKETS':>10} {'BYTES':>12}")
    for key, c in sorted(b["by_proto"].items(), key=lambda kv: -kv[1].packets):
        print(f"{PROTOCOLS.get(key.value, str(key.value)):<10} {c.packets:>10} {c.bytes:>12}")
    print(f"\n{'DESTINATION':<16} {'PACKETS':>10} {'BYTES':>12}")
    for key, c in sorted(b["by_dest"].items(), key=lambda kv: -kv[1].packets):
        dest = str(ipaddress.IPv4Address(key.value))
        print(f"{dest:<16} {c.packets:>10} {c.bytes:>12}")
    b.close()


if __name__ == "__main__":
    main()
