"""The README opens with `make demo` and `make test`, links every page of
docs/, and names every tool of examples/tools/."""
import os
import re

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def readme():
    with open(os.path.join(REPO, "README.md")) as f:
        return f.read()


def test_first_two_commands_are_make_demo_and_make_test():
    block = re.search(r"^```sh\n(.*?)^```", readme(), re.S | re.M).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands[:2] == ["make demo", "make test"]


def test_every_docs_page_is_linked():
    text = readme()
    for name in sorted(os.listdir(os.path.join(REPO, "docs"))):
        if name.endswith(".md"):
            assert f"(docs/{name})" in text, f"README.md does not link docs/{name}"
    assert "(docs/maps/README.md)" in text


def test_tools_list_matches_examples_tools():
    text = readme()
    tools_dir = os.path.join(REPO, "examples", "tools")
    for sub in ("", "bcc"):
        for name in sorted(os.listdir(os.path.join(tools_dir, sub))):
            if name.endswith(".py") and not name.startswith("_"):
                assert re.search(rf"\b{re.escape(name[:-3])}\b", text), \
                    f"README.md does not name examples/tools/{sub + '/' if sub else ''}{name}"
    count = len([n for n in os.listdir(tools_dir) if n.endswith(".py") and n[0] != "_"])
    assert f"`examples/tools/` has {count} bcc-style tools" in text
