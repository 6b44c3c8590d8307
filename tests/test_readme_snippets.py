"""The README's install, pre-commit and CI snippets must work when pasted."""

from __future__ import annotations

import re

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
HOOKS = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")


def _value(text: str, key: str) -> str:
    found = re.search(rf"^\s*-?\s*{key}:\s*(.+)$", text, re.M)
    assert found, key
    return found.group(1).strip()


def test_no_snippet_installs_from_an_index_that_does_not_have_it() -> None:
    # concadvisor is not on PyPI: "pip install concadvisor" finds no distribution.
    assert not re.search(r"pip install (-\S+ )*concadvisor\s*$", README, re.M)


def test_pre_commit_snippet_is_a_local_hook_matching_the_published_one() -> None:
    block = re.search(r"```yaml\n(# \.pre-commit-config\.yaml\n.*?)```", README, re.S)
    assert block, "the README has a .pre-commit-config.yaml snippet"
    snippet = block.group(1)
    assert snippet.splitlines()[1] == "repos:"
    assert _value(snippet, "repo") == "local"
    assert "rev:" not in snippet  # no tag exists to point at
    for key in ("id", "entry", "files", "pass_filenames"):
        assert _value(snippet, key) == _value(HOOKS, key), key


def test_published_hooks_file_does_not_name_a_tag_that_does_not_exist() -> None:
    assert "v0.1.0" not in HOOKS
