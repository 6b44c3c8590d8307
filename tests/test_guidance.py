"""The guidance G1-G13 ships with the package, and the docs are generated from it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from concadvisor.guidance import SECTIONS, get_section, guidance_markdown
from concadvisor.registry import all_codes

from conftest import ROOT, run_cli


def test_docs_guidance_md_is_generated_from_the_package() -> None:
    text = (ROOT / "docs" / "guidance.md").read_text(encoding="utf-8")
    assert text == guidance_markdown(), (
        "docs/guidance.md is stale: concadvisor rules --guidance --markdown -o docs/guidance.md"
    )


def test_every_cited_guidance_id_has_a_section_and_ids_are_consecutive() -> None:
    assert [s.id for s in SECTIONS] == [f"G{i}" for i in range(1, len(SECTIONS) + 1)]
    cited = {code.guidance for code in all_codes()}
    assert cited <= {s.id for s in SECTIONS}, cited - {s.id for s in SECTIONS}


def test_rules_g4_prints_that_section(tmp_path: Path) -> None:
    proc = run_cli("rules", "g4")
    assert proc.returncode == 0, proc.stderr
    assert "G4: Threads" in proc.stdout and "Correction:" in proc.stdout
    assert "CA102" in proc.stdout  # a rule that encodes it


def test_rules_guidance_lists_every_section_and_json_is_data() -> None:
    proc = run_cli("rules", "--guidance")
    assert proc.returncode == 0
    assert all(re.search(rf"\b{s.id}\b", proc.stdout) for s in SECTIONS)
    data = json.loads(run_cli("rules", "G10", "--json").stdout)
    assert data[0]["id"] == "G10" and "asyncio.run()" in data[0]["correction"]


def test_unknown_guidance_id_is_a_usage_error() -> None:
    proc = run_cli("rules", "G99")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "concadvisor: error: unknown guidance section 'G99' (G1-G13); "
        "'concadvisor rules --guidance' lists them"
    ]


def test_get_section_ignores_case_and_blanks() -> None:
    section = get_section(" g13 ")
    assert section is not None and section.id == "G13"
    assert get_section("G0") is None


@pytest.mark.parametrize("where", ["src", "docs", "examples", "README.md"])
def test_nothing_refers_users_to_a_note_they_cannot_read(where: str) -> None:
    root = ROOT / where
    files = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
    hits = [
        str(path.relative_to(ROOT))
        for path in files
        if path.suffix in {".py", ".md", ".toml", ".json", ""}
        and "seed note" in path.read_text(encoding="utf-8", errors="replace").lower()
    ]
    assert not hits
