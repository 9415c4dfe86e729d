"""bcc.containers on bpfy: filter_by_containers() for tools' --cgroupmap and
--mntnsmap options. Without those options it gives the no-op filter bcc
gives; with them it refuses clearly (pinned filter maps are not supported)."""
import errno

from .. import UnsupportedError

_NO_FILTER = """
static inline int container_should_be_filtered() {
    return 0;
}
"""


def filter_by_containers(args):
    """BPF C defining container_should_be_filtered() for the tool's args."""
    for option in ("cgroupmap", "mntnsmap"):
        if getattr(args, option, None):
            raise UnsupportedError(errno.ENOTSUP, f"--{option}: filtering by a pinned "
                                                  "container map is not supported by bpfy")
    return _NO_FILTER


def print_container_info():
    raise UnsupportedError(errno.ENOTSUP, "container info printing is not supported by bpfy")
