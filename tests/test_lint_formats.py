"""Each output format of concadvisor lint, snapshot-like, volatile fields redacted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from conftest import ROOT, run_cli

DEMO = ROOT / "examples" / "lint-demo"
SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
EXPECTED = run_cli("lint", cwd=DEMO).stdout.splitlines()  # == EXPECTED.txt (test_lint_checks)
FINDINGS = EXPECTED[:-1]  # the last line is the summary


def _parse_text(line: str) -> tuple[str, int, int, str, str, str]:
    location, rest = line.split(": ", 1)
    path, line_no, column = location.rsplit(":", 2)
    code, severity, message = rest.split(" ", 2)
    return path, int(line_no), int(column), code, severity.strip("[]"), message


def test_text_format_is_sorted_with_a_summary() -> None:
    parsed = [_parse_text(line) for line in FINDINGS]
    assert parsed == sorted(parsed, key=lambda f: (f[0], f[1], f[2], f[3], f[5]))
    assert EXPECTED[-1] == (
        f"Found {len(FINDINGS)} findings (16 errors, 7 warnings; 16 tasks in 2 files checked)."
    )


def test_json_format_matches_text() -> None:
    proc = run_cli("lint", "--format", "json", cwd=DEMO)
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["version"] == 1
    rows = [
        (f["path"], f["line"], f["column"], f["code"], f["severity"], f["message"])
        for f in data["findings"]
    ]
    assert rows == [_parse_text(line) for line in FINDINGS]
    assert data["summary"] == {
        "files": 2,
        "tasks": 16,
        "findings": len(FINDINGS),
        "errors": 16,
        "warnings": 7,
        "exit_code": 1,
    }
    first = data["findings"][0]
    assert set(first) == {
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "code",
        "name",
        "severity",
        "message",
        "task",
        "fix",
        "related",
    }
    assert first["related"] == [{"path": "pyproject.toml", "line": 92, "column": 1}]


def _redact(sarif: dict[str, Any]) -> dict[str, Any]:
    run = sarif["runs"][0]
    run["originalUriBaseIds"]["%SRCROOT%"]["uri"] = "<root>"
    run["tool"]["driver"]["version"] = run["tool"]["driver"]["semanticVersion"] = "<version>"
    return sarif


def test_sarif_is_valid_against_the_official_schema() -> None:
    proc = run_cli("lint", "--format", "sarif", cwd=DEMO)
    assert proc.returncode == 1
    sarif = json.loads(proc.stdout)
    jsonschema.validate(sarif, SCHEMA, cls=jsonschema.Draft4Validator)
    run = _redact(sarif)["runs"][0]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": "<root>"}}
    assert run["columnKind"] == "unicodeCodePoints"
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert len(results) == len(FINDINGS)
    for result, line in zip(results, FINDINGS, strict=True):
        path, line_no, column, code, severity, message = _parse_text(line)
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == code
        assert result["level"] == severity
        assert result["message"]["text"] == message
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": path, "uriBaseId": "%SRCROOT%"}
        region = physical["region"]
        assert (region["startLine"], region["startColumn"]) == (line_no, column)
        # the span ends after it starts (exclusive end, SARIF's convention)
        assert (region["endLine"], region["endColumn"]) > (line_no, column)
    assert rules[0] == {
        "id": "CA301",
        "name": "invalid-toml",
        "shortDescription": {"text": "The file is not valid TOML"},
        "fullDescription": {"text": rules[0]["fullDescription"]["text"]},
        "help": rules[0]["help"],
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["CA3xx", "G7"], "guidance": "G7"},
    }


def test_sarif_without_findings_and_with_input_errors(tmp_path: Path) -> None:
    clean = run_cli("lint", "--format", "sarif", "--select", "CA326", cwd=DEMO)
    assert clean.returncode == 0
    sarif = json.loads(clean.stdout)
    jsonschema.validate(sarif, SCHEMA, cls=jsonschema.Draft4Validator)
    assert sarif["runs"][0]["results"] == []
    loop = tmp_path / "concadvisor.toml"
    loop.symlink_to(loop)
    broken = run_cli("lint", "--format", "sarif", str(tmp_path), cwd=tmp_path)
    assert broken.returncode == 2
    sarif = json.loads(broken.stdout)
    jsonschema.validate(sarif, SCHEMA, cls=jsonschema.Draft4Validator)
    invocation = sarif["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert "cannot read" in invocation["toolExecutionNotifications"][0]["message"]["text"]


def test_github_annotations() -> None:
    proc = run_cli("lint", "--format", "github", cwd=DEMO)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert len(lines) == len(FINDINGS)
    for annotation, line in zip(lines, FINDINGS, strict=True):
        path, line_no, column, code, severity, message = _parse_text(line)
        assert annotation.startswith(f"::{severity} file={path},line={line_no},col={column},")
        assert f"title={code} " in annotation
        assert annotation.endswith(f"::{code} {message.replace('%', '%25')}")


def test_github_escaping() -> None:
    from concadvisor.lint.formatters.github import escape_data, escape_property

    assert escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert escape_property("a:b,c") == "a%3Ab%2Cc"


def test_lint_schema_for_editors_matches_lint() -> None:
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    proc = run_cli("lint", "--schema", "concadvisor")
    assert proc.returncode == 0
    schema = json.loads(proc.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    with (DEMO / "services" / "concadvisor.toml").open("rb") as handle:
        document = tomllib.load(handle)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(document))
    assert [e.message for e in errors] == [
        "'thread' is not one of "
        "['serial', 'threads', 'processes', 'asyncio', 'interpreters', 'dask']"
    ]
    pyproject = json.loads(run_cli("lint", "--schema", "pyproject").stdout)
    with (DEMO / "pyproject.toml").open("rb") as handle:
        document = tomllib.load(handle)
    messages = [e.message for e in jsonschema.Draft202012Validator(pyproject).iter_errors(document)]
    assert any("'taks' was unexpected" in m for m in messages)
