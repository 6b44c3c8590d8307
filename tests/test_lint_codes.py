"""Meta-tests (flake8-async style): codes, docs and fixtures agree."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from concadvisor import registry
from concadvisor.lint import LintOptions, lint_paths
from concadvisor.lint.codes import CODES, CODES_BY_ID, LintCode
from concadvisor.lint.diagnostics import Diagnostic
from concadvisor.registry import all_codes, get_code
from concadvisor.rules.catalogue import RULES
from test_lint_checks import CASES, DEMO, expectations

from conftest import ROOT, run_cli

SRC = ROOT / "src" / "concadvisor"
LINT_SRC = SRC / "lint"
#: ``CA310.finding(`` / ``CA410, call=...``: a lint code used as an object.
_CODE_USE = re.compile(r"\b(CA\d{3})\b(?=\.finding\(|,|\))")
#: Codes only --probe can produce; their fixtures are the fake-probe tests.
PROBE_ONLY = {"CA350", "CA351"}
#: Codes whose fixtures are too large to keep: test_lint_bounds.py generates them.
GENERATED_ONLY = {"CA405"}


def emitted_by_source() -> set[str]:
    """Lint codes the linter's modules use (as objects: no module spells them as strings)."""
    found: set[str] = set()
    for path in LINT_SRC.rglob("*.py"):
        if path.name != "codes.py":
            found |= set(_CODE_USE.findall(path.read_text(encoding="utf-8"))) & set(CODES_BY_ID)
    return found


def _string_constants(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def test_no_call_site_spells_a_lint_code() -> None:
    """Codes are objects that emit their message: "CA322" as a string is a bypass."""
    for path in LINT_SRC.rglob("*.py"):
        if path.name != "codes.py":
            spelled = _string_constants(path) & set(CODES_BY_ID)
            assert not spelled, f"{path.relative_to(ROOT)} spells {sorted(spelled)}"


def test_no_rules_module_imports_lint_or_the_registry() -> None:
    for path in (SRC / "rules").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                module = "." * node.level + (node.module or "")
                assert "lint" not in module and "registry" not in module, (path, module)
            elif isinstance(node, ast.Import):
                assert not any("lint" in a.name for a in node.names), path


def test_the_registry_lists_every_rule_and_every_lint_code_once() -> None:
    ids = [code.id for code in all_codes()]
    assert ids == sorted(set(ids))
    assert {code.id for code in all_codes() if code.kind == "rule"} == {r.id for r in RULES}
    assert {code.id for code in all_codes() if code.kind == "lint"} == set(CODES_BY_ID)
    assert registry.LINT_CODES == CODES
    for family in registry.FAMILIES:
        assert all(code.family == family.prefix for code in family.codes), family.prefix


def test_every_code_the_linter_can_emit_is_documented() -> None:
    emitted = emitted_by_source()
    assert emitted, "no codes found in the lint sources"
    assert emitted <= set(CODES_BY_ID)


def test_every_registered_code_is_emitted_by_some_fixture() -> None:
    fixtures = {code for _, _, code in expectations(CASES)}
    fixtures |= {line.split()[1] for line in (DEMO / "EXPECTED.txt").read_text().splitlines()[:-1]}
    probe_tests = (ROOT / "tests" / "test_lint_checks.py").read_text()
    fixtures |= {c for c in PROBE_ONLY if c in probe_tests}
    bounds_tests = (ROOT / "tests" / "test_lint_bounds.py").read_text()
    fixtures |= {c for c in GENERATED_ONLY if c in bounds_tests}
    assert set(CODES_BY_ID) - fixtures == set()
    assert emitted_by_source() <= fixtures


def _template_pattern(code: LintCode) -> re.Pattern[str]:
    parts = re.split(r"\{\w+\}", code.message)
    return re.compile(".+?".join(re.escape(part) for part in parts) + r"\Z", re.S)


def _fixture_findings() -> list[Diagnostic]:
    options = LintOptions(base=ROOT)
    found = list(lint_paths([str(CASES)], options).diagnostics)
    return found + list(lint_paths([str(DEMO)], options).diagnostics)


def test_every_message_in_the_fixtures_is_its_documented_template() -> None:
    findings = _fixture_findings()
    assert {d.code for d in findings} >= set(CODES_BY_ID) - PROBE_ONLY - GENERATED_ONLY
    for diagnostic in findings:
        code = CODES_BY_ID[diagnostic.code]
        assert code.effect == f"{code.severity}: {code.message}"
        assert _template_pattern(code).match(diagnostic.message), (code.id, diagnostic.message)
        assert diagnostic.severity == code.severity


def test_a_code_refuses_missing_or_unknown_fields() -> None:
    code = CODES_BY_ID["CA320"]
    assert code.fields == {"workers", "cpus"}
    assert code.render(workers=9, cpus=8).startswith("workers = 9 exceeds the 8 usable CPUs")
    with pytest.raises(TypeError, match="CA320"):
        code.render(workers=9)
    with pytest.raises(TypeError, match="CA320"):
        code.render(workers=9, cpus=8, extra=1)


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


def _lint_one(tmp_path: Path, table: str) -> set[str]:
    (tmp_path / "concadvisor.toml").write_text(f"[tasks.job]\n{table}\n", encoding="utf-8")
    result = lint_paths([str(tmp_path)], LintOptions(base=tmp_path))
    assert not result.input_errors
    return {d.code for d in result.diagnostics}


@pytest.mark.parametrize(
    ("table", "code", "expected"),
    [
        # CA323 follows CA601: one task has nothing to race with.
        (
            'workload = "io"\ntasks = 8\nshared_state = "mutable"\nexecutor = "threads"',
            "CA323",
            True,
        ),
        (
            'workload = "io"\ntasks = 1\nshared_state = "mutable"\nexecutor = "threads"',
            "CA323",
            False,
        ),
        # CA325 follows CA602.
        (
            'workload = "cpu"\ntasks = 8\nshared_state = "mutable"\nexecutor = "processes"',
            "CA325",
            True,
        ),
        (
            'workload = "cpu"\ntasks = 1\nshared_state = "mutable"\nexecutor = "processes"',
            "CA325",
            False,
        ),
        # CA324 follows CA501.
        ('workload = "cpu"\ntasks = 8\npicklable = false\nexecutor = "processes"', "CA324", True),
        ('workload = "cpu"\ntasks = 8\nexecutor = "processes"', "CA324", False),
        # CA321 follows CA205 (thousands of concurrent I/O tasks), then asks for a bound.
        ('workload = "io"\ntasks = 5000\nexecutor = "threads"', "CA321", True),
        ('workload = "io"\ntasks = 5000\nexecutor = "threads"\nworkers = 32', "CA321", False),
        ('workload = "io"\ntasks = 999\nexecutor = "threads"', "CA321", False),
        (
            'workload = "cpu"\ntasks = 5000\nreleases_gil = true\nexecutor = "threads"',
            "CA321",
            False,
        ),
    ],
)
def test_profile_hazards_follow_the_engine_rules(
    tmp_path: Path, table: str, code: str, expected: bool
) -> None:
    assert (code in _lint_one(tmp_path, table)) is expected
