"""Meta-tests (flake8-async style): codes, docs and fixtures agree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from concadvisor.lint.codes import CODES, CODES_BY_ID
from concadvisor.rules.catalogue import RULES, all_codes, get_code
from test_lint_checks import CASES, DEMO, expectations

from conftest import ROOT, run_cli

LINT_SRC = ROOT / "src" / "concadvisor" / "lint"
_CODE = re.compile(r'"(CA\d{3})"')
#: Codes only --probe can produce; their fixtures are the fake-probe tests.
PROBE_ONLY = {"CA350", "CA351"}


def emitted_by_source() -> set[str]:
    found: set[str] = set()
    for path in LINT_SRC.rglob("*.py"):
        if path.name != "codes.py":
            found |= set(_CODE.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_code_the_linter_can_emit_is_registered() -> None:
    emitted = emitted_by_source()
    assert emitted, "no codes found in the lint sources"
    assert emitted <= set(CODES_BY_ID)
    registered = {code.id for code in all_codes() if code.kind == "lint"}
    assert registered == set(CODES_BY_ID)


def test_every_registered_code_is_emitted_by_some_fixture() -> None:
    fixtures = {code for _, _, code in expectations(CASES)}
    fixtures |= {line.split()[1] for line in (DEMO / "EXPECTED.txt").read_text().splitlines()[:-1]}
    probe_tests = (ROOT / "tests" / "test_lint_checks.py").read_text()
    fixtures |= {c for c in PROBE_ONLY if c in probe_tests}
    assert set(CODES_BY_ID) - fixtures == set()
    assert emitted_by_source() <= fixtures


def test_codes_are_families_3xx_4xx_unique_and_documented() -> None:
    ids = [code.id for code in CODES]
    assert ids == sorted(set(ids))
    assert not set(ids) & {rule.id for rule in RULES}
    for code in CODES:
        assert code.family in ("CA3xx", "CA4xx")
        assert code.effect.startswith(f"{code.severity}: ")
        assert code.name == code.name.lower() and " " not in code.name
        for text in (code.title, code.rationale, code.example, code.fix):
            assert text.strip()


def test_docs_list_every_code() -> None:
    docs = (ROOT / "docs" / "lint.md").read_text(encoding="utf-8")
    for code in CODES:
        assert f"| {code.id} | `{code.name}` | {code.severity} |" in docs, code.id


@pytest.mark.parametrize("code_id", ["CA301", "CA410"])
def test_rules_command_explains_lint_codes(code_id: str) -> None:
    assert get_code(code_id.lower()) is CODES_BY_ID[code_id]
    proc = run_cli("rules", code_id)
    assert proc.returncode == 0
    assert CODES_BY_ID[code_id].name in proc.stdout
    markdown = run_cli("rules", "--markdown")
    assert f"### {code_id} `{CODES_BY_ID[code_id].name}`" in markdown.stdout


def test_pre_commit_hook_runs_lint() -> None:
    text = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert "id: concadvisor-lint" in text
    assert "entry: concadvisor lint" in text
    assert Path(ROOT / "docs" / "lint.md").exists()
