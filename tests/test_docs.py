"""The documentation is generated from the code and kept in sync with it."""

from __future__ import annotations

from pathlib import Path

from concadvisor.registry import all_codes
from concadvisor.ruledocs import reference_markdown

from conftest import ROOT, run_cli

RULES_MD = ROOT / "docs" / "rules.md"


def test_docs_rules_md_is_up_to_date() -> None:
    expected = reference_markdown()
    actual = RULES_MD.read_text(encoding="utf-8")
    assert actual == expected, (
        "docs/rules.md is stale: run `concadvisor rules --markdown -o docs/rules.md`"
    )


def test_every_code_is_in_the_reference() -> None:
    text = RULES_MD.read_text(encoding="utf-8")
    for code in all_codes():
        assert f'<a id="{code.id.lower()}"></a>' in text
        assert f"{code.id} `{code.name}`" in text


def test_markdown_command_writes_the_reference(tmp_path: Path) -> None:
    out = tmp_path / "rules.md"
    result = run_cli("rules", "--markdown", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8") == reference_markdown()


def test_changelog_and_readme_exist() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in changelog
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/rules.md" in readme
