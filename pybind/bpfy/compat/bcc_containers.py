"""bcc.containers on bpfy: filter_by_containers() for tools' --cgroupmap and
--mntnsmap options, as bcc writes it: BPF C that declares the pinned map the
user made (BPF_TABLE_PINNED, which the loader opens at that path, or creates
and pins there when nothing is pinned yet) and defines
container_should_be_filtered(), true for a task that is in none of the
map's cgroups (keys: cgroup v2 ids, the inode numbers of the cgroup
directories) or mount namespaces (keys: the inode numbers of
/proc/PID/ns/mnt)."""
import errno

from .. import UnsupportedError

_NO_CGROUP_FILTER = """
static inline int _cgroup_filter() {
    return 0;
}
"""

_CGROUP_FILTER = """
BPF_TABLE_PINNED("hash", u64, u64, cgroupset, 1024, "CGROUP_PATH");

static inline int _cgroup_filter() {
    u64 cgroupid = bpf_get_current_cgroup_id();
    return cgroupset.lookup(&cgroupid) == NULL;
}
"""

_NO_MNTNS_FILTER = """
static inline int _mntns_filter() {
    return 0;
}
"""

# bcc declares its own `struct mnt_namespace` (fs/mount.h is private to the
# kernel); bpfy's programs see the kernel's real one through BTF, so the read
# is a CO-RE read. MNT_NAMESPACE_DEFINED keeps bcc's guard for tools
# (mountsnoop) that declare the struct themselves.
_MNTNS_FILTER = """
#define MNT_NAMESPACE_DEFINED

BPF_TABLE_PINNED("hash", u64, u32, mount_ns_set, 1024, "MOUNT_NS_PATH");

static inline int _mntns_filter() {
    struct task_struct *current_task = (struct task_struct *)bpf_get_current_task();
    u64 ns_id = BPF_CORE_READ(current_task, nsproxy, mnt_ns, ns.inum);

    return mount_ns_set.lookup(&ns_id) == NULL;
}
"""

_FILTER = """
static inline int container_should_be_filtered() {
    return _cgroup_filter() || _mntns_filter();
}
"""


def _path(value, option):
    """The pinned map path of --cgroupmap/--mntnsmap as text (bcc accepts str)."""
    text = value.decode() if isinstance(value, bytes) else str(value)
    if '"' in text or "\\" in text or "\n" in text:
        raise ValueError(f"--{option}: a pinned map path cannot contain quotes, "
                         f"backslashes or newlines: {text!r}")
    return text


def _cgroup_filter_func_writer(cgroupmap):
    if not cgroupmap:
        return _NO_CGROUP_FILTER
    return _CGROUP_FILTER.replace("CGROUP_PATH", _path(cgroupmap, "cgroupmap"))


def _mntns_filter_func_writer(mntnsmap):
    if not mntnsmap:
        return _NO_MNTNS_FILTER
    return _MNTNS_FILTER.replace("MOUNT_NS_PATH", _path(mntnsmap, "mntnsmap"))


def filter_by_containers(args):
    """BPF C defining container_should_be_filtered() for the tool's args
    (an argparse namespace; its cgroupmap and mntnsmap attributes, when set,
    are paths of pinned hash maps in bpffs: u64 cgroup id -> u64, u64
    mount namespace inode -> u32). Prepend it to the tool's program."""
    return (_cgroup_filter_func_writer(getattr(args, "cgroupmap", None)) +
            _mntns_filter_func_writer(getattr(args, "mntnsmap", None)) + _FILTER)


def print_container_info():
    raise UnsupportedError(errno.ENOTSUP, "container info printing is not supported by bpfy")
