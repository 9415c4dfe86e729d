#!/usr/bin/python3
"""bitesize: block I/O size histogram per process name (block:block_rq_issue).

    bitesize.py -d 10     # 10 seconds, then one histogram per command
"""
import argparse

from bpfy import BPF
from bpfy import histogram

from _common import wait_until_interrupted

PROGRAM = r'''
struct proc_key { char name[TASK_COMM_LEN]; u64 slot; };
BPF_HISTOGRAM(dist, struct proc_key);

TRACEPOINT_PROBE(block, block_rq_issue) {
    struct proc_key key = {};
    bpf_get_current_comm(&key.name, sizeof(key.name));
    key.slot = bpf_log2l(args->bytes / 1024);
    dist.atomic_increment(key);
    return 0;
}
'''


def main():
    parser = argparse.ArgumentParser(description="Block I/O size histograms by process")
    parser.add_argument("-d", "--duration", type=float, help="seconds to trace")
    args = parser.parse_args()
    histogram.install()
    b = BPF(text=PROGRAM)
    wait_until_interrupted("Tracing block I/O... Hit Ctrl-C to end.", args.duration)
    b["dist"].print_log2_hist("Kbytes", "Process Name",
                              section_print_fn=lambda name: name.decode(errors="replace"),
                              bucket_sort_fn=sorted)
    b.close()


if __name__ == "__main__":
    main()
