#!/usr/bin/python3
"""biolatency: block I/O latency histogram, issue to completion
(block:block_rq_issue and block:block_rq_complete tracepoints).

    biolatency.py -d 10      # usecs histogram over 10 s
    biolatency.py -m -D      # msecs, one histogram per disk
"""
import argparse

from bpfy import BPF
from bpfy import histogram

from _common import wait_until_interrupted

PROGRAM = r'''
struct rq_key { u64 dev; u64 sector; };
struct disk_key { u64 dev; u64 slot; };
BPF_HASH(start, struct rq_key, u64);
#ifdef PER_DISK
BPF_HISTOGRAM(dist, struct disk_key);
#else
BPF_HISTOGRAM(dist);
#endif

TRACEPOINT_PROBE(block, block_rq_issue) {
    struct rq_key key = {};
    key.dev = args->dev;
    key.sector = args->sector;
    u64 ts = bpf_ktime_get_ns();
    start.update(&key, &ts);
    return 0;
}

TRACEPOINT_PROBE(block, block_rq_complete) {
    struct rq_key key = {};
    key.dev = args->dev;
    key.sector = args->sector;
    u64 *tsp = start.lookup(&key);
    if (!tsp)
        return 0;
    u64 delta = (bpf_ktime_get_ns() - *tsp) / UNIT_NS;
    start.delete(&key);
#ifdef PER_DISK
    struct disk_key dk = {};
    dk.dev = args->dev;
    dk.slot = bpf_log2l(delta);
    dist.atomic_increment(dk);
#else
    dist.atomic_increment(bpf_log2l(delta));
#endif
    return 0;
}
'''


def disk_name(dev):
    major, minor = dev >> 20, dev & ((1 << 20) - 1)
    try:
        with open(f"/sys/dev/block/{major}:{minor}/uevent") as f:
            for line in f:
                if line.startswith("DEVNAME="):
                    return line.split("=", 1)[1].strip()
    except OSError:
        pass
    return f"{major}:{minor}"


def main():
    parser = argparse.ArgumentParser(description="Block I/O latency histogram")
    parser.add_argument("-m", "--milliseconds", action="store_true", help="msecs, not usecs")
    parser.add_argument("-D", "--disks", action="store_true", help="one histogram per disk")
    parser.add_argument("-d", "--duration", type=float, help="seconds to trace")
    args = parser.parse_args()
    histogram.install()
    cflags = [f"-DUNIT_NS={1000000 if args.milliseconds else 1000}"]
    if args.disks:
        cflags.append("-DPER_DISK")
    b = BPF(text=PROGRAM, cflags=cflags)
    wait_until_interrupted("Tracing block device I/O... Hit Ctrl-C to end.", args.duration)
    unit = "msecs" if args.milliseconds else "usecs"
    if args.disks:
        b["dist"].print_log2_hist(unit, "disk", section_print_fn=disk_name)
    else:
        b["dist"].print_log2_hist(unit)
    b.close()


if __name__ == "__main__":
    main()
