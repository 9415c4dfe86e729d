"""Parallel stress, after the kernel's test_maps: 4 processes and 2 threads
update and delete disjoint and overlapping keys of one hash map, then a full
walk checks every key; an LRU map under pressure from 4 processes never
refuses an insert and keeps consistent values."""
import os
import threading

from bpfy import BPF

WORKERS = 4
THREADS = 2
PER_WORKER = 1500
OVERLAP = range(100000, 100200)
ROUNDS = 3


def worker_keys(w):
    return range(w * PER_WORKER, (w + 1) * PER_WORKER)


def value_of(key, w):
    return key * 16 + w


def hammer(t, w):
    """Deterministic final state for w's own keys: every key present with
    value_of(key, w) except multiples of 5, which end deleted. Overlapping
    keys are written and deleted by everyone: they end with some writer's
    value or absent."""
    mine = list(worker_keys(w))
    for r in range(ROUNDS):
        for k in mine:
            t[k] = value_of(k, w) + (ROUNDS - 1 - r)      # last round writes value_of
        for k in OVERLAP:
            t[k] = value_of(k, w)
            if (k + r + w) % 3 == 0:
                try:
                    del t[k]
                except KeyError:
                    pass                                  # another writer deleted it
        if r == 1:                                        # a batch op among singles
            t.items_update_batch(mine[:100], [value_of(k, w) + ROUNDS for k in mine[:100]])
    for k in mine[::5]:
        del t[k]


def run_in_children(fn, count):
    pids = []
    for w in range(count):
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                fn(w)
            except BaseException:
                import traceback
                traceback.print_exc()
                code = 1
            os._exit(code)
        pids.append(pid)
    return [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]


def test_hash_map_processes_and_threads():
    with BPF(text="BPF_HASH(shared, u32, u64, 16384);") as b:
        t = b["shared"]
        threads = [threading.Thread(target=hammer, args=(t, WORKERS + i))
                   for i in range(THREADS)]
        codes = run_in_children(lambda w: hammer(t, w), WORKERS)
        for th in threads:        # threads after the forks: no fork with live threads
            th.start()
        for th in threads:
            th.join()
        assert codes == [0] * WORKERS
        walked = {int(k): int(t[k]) for k in t}
        for w in range(WORKERS + THREADS):
            for k in worker_keys(w):
                if k % 5 == 0:
                    assert k not in walked, k
                else:
                    assert walked.get(k) == value_of(k, w), (k, walked.get(k))
        for k in OVERLAP:
            if k in walked:
                assert walked[k] - k * 16 in range(WORKERS + THREADS), (k, walked[k])
        expected = {k for w in range(WORKERS + THREADS) for k in worker_keys(w) if k % 5}
        assert set(walked) - set(OVERLAP) == expected
        assert dict(t.items_lookup_batch()) == walked


def test_lru_under_pressure():
    with BPF(text='BPF_TABLE("lru_hash", u32, u64, lru, 1024);') as b:
        t = b["lru"]

        def fill(w):
            for k in range(w * 100000, w * 100000 + 6000):
                t[k] = k * 3                      # never E2BIG: old entries go

        assert run_in_children(fill, WORKERS) == [0] * WORKERS
        items = dict(t.items())
        assert 0 < len(items) <= 1024
        assert all(v == k * 3 for k, v in items.items())
        # after the pressure, recent keys survive
        for k in range(900000, 900100):
            t[k] = k * 3
        assert all(t[k] == k * 3 for k in range(900000, 900100))
        assert len(t) <= 1024
