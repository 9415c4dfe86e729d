"""bcc.table on bpfy: map type constants and the table classes (bpfy's C
types under bcc's names)."""
from .. import _bpfy
from .. import histogram as _histogram

BPF_MAP_TYPE_HASH = 1
BPF_MAP_TYPE_ARRAY = 2
BPF_MAP_TYPE_PROG_ARRAY = 3
BPF_MAP_TYPE_PERF_EVENT_ARRAY = 4
BPF_MAP_TYPE_PERCPU_HASH = 5
BPF_MAP_TYPE_PERCPU_ARRAY = 6
BPF_MAP_TYPE_STACK_TRACE = 7
BPF_MAP_TYPE_CGROUP_ARRAY = 8
BPF_MAP_TYPE_LRU_HASH = 9
BPF_MAP_TYPE_LRU_PERCPU_HASH = 10
BPF_MAP_TYPE_LPM_TRIE = 11
BPF_MAP_TYPE_ARRAY_OF_MAPS = 12
BPF_MAP_TYPE_HASH_OF_MAPS = 13
BPF_MAP_TYPE_DEVMAP = 14
BPF_MAP_TYPE_SOCKMAP = 15
BPF_MAP_TYPE_CPUMAP = 16
BPF_MAP_TYPE_XSKMAP = 17
BPF_MAP_TYPE_SOCKHASH = 18
BPF_MAP_TYPE_CGROUP_STORAGE = 19
BPF_MAP_TYPE_REUSEPORT_SOCKARRAY = 20
BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE = 21
BPF_MAP_TYPE_QUEUE = 22
BPF_MAP_TYPE_STACK = 23
BPF_MAP_TYPE_SK_STORAGE = 24
BPF_MAP_TYPE_DEVMAP_HASH = 25
BPF_MAP_TYPE_STRUCT_OPS = 26
BPF_MAP_TYPE_RINGBUF = 27
BPF_MAP_TYPE_INODE_STORAGE = 28
BPF_MAP_TYPE_TASK_STORAGE = 29

map_type_name = {value: name[len("BPF_MAP_TYPE_"):] for name, value in dict(globals()).items()
                 if name.startswith("BPF_MAP_TYPE_")}

stars_max = _histogram.STARS_MAX
log2_index_max = _histogram.LOG2_INDEX_MAX
linear_index_max = _histogram.LINEAR_INDEX_MAX


def get_table_type_name(ttype):
    return map_type_name.get(ttype, "<unknown>")


def _type(name, default):
    return getattr(_bpfy, name, default)


TableBase = _bpfy.Table
HashTable = _type("HashTable", TableBase)
LruHash = HashTable
Array = _type("Array", TableBase)
ArrayBase = Array
PerCpuHash = _type("PerCpuHash", TableBase)
LruPerCpuHash = PerCpuHash
PerCpuArray = _type("PerCpuArray", TableBase)
PerfEventArray = _type("PerfEventArray", TableBase)
RingBuf = _type("RingBuf", TableBase)
StackTrace = _type("StackTrace", TableBase)
LpmTrie = _type("LpmTrie", TableBase)
QueueStack = _type("QueueStack", TableBase)
ProgArray = _type("ProgArray", TableBase)
