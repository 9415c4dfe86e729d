"""Every page of docs/maps/ carries a complete example (BPF C and Python) in
its "## Example" section: this runs each one as a script, so the pages
cannot rot. The examples assert what they show, create and remove their own
network namespaces, veth pairs and cgroups, and skip (printing why, exit 0)
only the step this kernel refuses."""
import os
import re
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAPS = os.path.join(REPO, "docs", "maps")

# The kernel's 33 map types (enum bpf_map_type order), one page each.
MAP_TYPES = [
    "hash", "array", "prog_array", "perf_event_array", "percpu_hash", "percpu_array",
    "stack_trace", "cgroup_array", "lru_hash", "lru_percpu_hash", "lpm_trie",
    "array_of_maps", "hash_of_maps", "devmap", "sockmap", "cpumap", "xskmap", "sockhash",
    "cgroup_storage", "reuseport_sockarray", "percpu_cgroup_storage", "queue", "stack",
    "sk_storage", "devmap_hash", "struct_ops", "ringbuf", "inode_storage", "task_storage",
    "bloom_filter", "user_ringbuf", "cgrp_storage", "arena",
]


def example_of(page):
    """The first ```python block of the page's "## Example" section."""
    with open(os.path.join(MAPS, page + ".md")) as f:
        text = f.read()
    section = text.split("\n## Example", 1)
    assert len(section) == 2, f"docs/maps/{page}.md has no '## Example' section"
    match = re.search(r"^```python\n(.*?)^```", section[1], re.S | re.M)
    assert match, f"docs/maps/{page}.md: no ```python block in its example"
    return match.group(1)


def test_every_map_type_has_a_linked_page():
    with open(os.path.join(MAPS, "README.md")) as f:
        index = f.read()
    with open(os.path.join(REPO, "README.md")) as f:
        readme = f.read()
    for page in MAP_TYPES:
        assert os.path.exists(os.path.join(MAPS, page + ".md")), f"no docs/maps/{page}.md"
        assert f"({page}.md)" in index, f"docs/maps/README.md does not link {page}.md"
    assert "docs/maps/README.md" in readme
    extra = {p[:-3] for p in os.listdir(MAPS) if p.endswith(".md")} - set(MAP_TYPES)
    assert extra == {"README"}, f"pages for no map type: {extra}"


@pytest.mark.parametrize("page", MAP_TYPES)
def test_example_runs(page, tmp_path):
    script = tmp_path / f"{page}_example.py"
    script.write_text(example_of(page))
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "pybind"))
    result = subprocess.run([sys.executable, str(script)], env=env, cwd=str(tmp_path),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, (f"docs/maps/{page}.md example failed:\n"
                                    f"{result.stdout}\n{result.stderr}")
