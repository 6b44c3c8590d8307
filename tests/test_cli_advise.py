"""The advise, rules and schema commands, through a real subprocess."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from concadvisor import Recommendation, TaskProfile, __version__

from conftest import one_line_error, run_cli


def test_advise_json_from_flags() -> None:
    result = run_cli("advise", "--workload", "io", "--async-libraries", "--tasks", "1000", "--json")
    assert result.returncode == 0, result.stderr
    rec = Recommendation.model_validate_json(result.stdout)
    assert rec.executor.value == "asyncio"
    data = json.loads(result.stdout)
    for key in (
        "executor",
        "offload",
        "workers",
        "ranking",
        "reasons",
        "warnings",
        "confidence",
        "snippet",
    ):
        assert key in data
    assert {"rule_id", "message", "guidance"} <= set(data["reasons"][0])


def test_advise_human_output_explains_the_choice() -> None:
    result = run_cli(
        "advise", "--workload", "cpu", "--tasks", "64", "--cpus", "4", "--no-free-threaded"
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "processes" in out
    assert "CA103" in out and "G5" in out  # the reason, with rule id and guidance
    assert "ProcessPoolExecutor" in out  # the snippet
    assert "Ranking" in out


def test_every_profile_field_has_a_flag() -> None:
    result = run_cli("advise", "--help")
    assert result.returncode == 0
    for field in TaskProfile.model_fields:
        assert "--" + field.replace("_", "-") in result.stdout, field
    assert "--no-releases-gil" in result.stdout


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_advise_from_profile_file_with_flag_override(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"profile{suffix}"
    if suffix == ".toml":
        path.write_text('name = "crawler"\nworkload = "io"\ntasks = 3000\nasync_libraries = true\n')
    else:
        path.write_text(
            json.dumps(
                {"name": "crawler", "workload": "io", "tasks": 3000, "async_libraries": True}
            )
        )
    result = run_cli("advise", "--profile", str(path), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["executor"] == "asyncio"
    override = run_cli("advise", "--profile", str(path), "--no-async-libraries", "--json")
    assert json.loads(override.stdout)["executor"] == "threads"


def test_advise_picks_a_task_from_a_project_file(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(
        "[tool.concadvisor.tasks.thumbs]\nworkload = 'cpu'\ntasks = 500\nexecutor = 'threads'\n"
        "[tool.concadvisor.tasks.fetch]\nworkload = 'io'\ntasks = 20\nexecutor = 'threads'\n"
    )
    ambiguous = run_cli("advise", "--profile", str(path))
    assert ambiguous.returncode == 2
    assert "choose one with --task" in ambiguous.stderr
    result = run_cli(
        "advise", "--profile", str(path), "--task", "thumbs", "--no-free-threaded", "--json"
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["name"] == "thumbs"
    assert data["executor"] in ("processes", "serial")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--workload", "io", "--tasks", "0"], "tasks: expected a value >= 1, got 0"),
        (["--workload", "io", "--cpu-fraction", "2"], "cpu_fraction"),
        (["--tasks", "3"], "needs a workload"),
        (["--workload", "disk"], "invalid choice"),
        (["--workload", "io", "--tasks", "many"], "invalid int value"),
        (["--profile", "/nonexistent/p.toml"], "no such file"),
        (["--workload", "io", "--task", "x"], "--task needs --profile"),
    ],
)
def test_invalid_input_is_one_clear_line_and_exit_2(args: list[str], fragment: str) -> None:
    result = run_cli("advise", *args)
    assert result.returncode == 2
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_bad_profile_files(tmp_path: Path) -> None:
    bad_toml = tmp_path / "bad.toml"
    bad_toml.write_text("workload = \n")
    unknown = tmp_path / "unknown.json"
    unknown.write_text('{"workload": "io", "taks": 4}')
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    for path, fragment in [
        (bad_toml, "invalid TOML"),
        (unknown, "unknown field 'taks' (did you mean 'tasks'?)"),
        (binary, "not UTF-8"),
        (tmp_path, "is a directory"),
    ]:
        result = run_cli("advise", "--profile", str(path))
        assert result.returncode == 2, path
        assert fragment in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.stderr


def test_rules_list_and_explain() -> None:
    listing = run_cli("rules")
    assert listing.returncode == 0
    assert "CA101" in listing.stdout and "CA805" in listing.stdout
    one = run_cli("rules", "ca103")
    assert one.returncode == 0
    for part in ("CA103", "Why", "Example", "G5"):
        assert part in one.stdout
    unknown = run_cli("rules", "CA1O3")
    assert unknown.returncode == 2
    assert "did you mean 'CA103'" in unknown.stderr


def test_rules_json() -> None:
    result = run_cli("rules", "--json")
    codes = json.loads(result.stdout)
    assert {"id", "name", "title", "guidance", "rationale", "example", "effect"} <= set(codes[0])


def test_schema_is_the_profile_schema() -> None:
    result = run_cli("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["required"] == ["workload"]
    assert schema["additionalProperties"] is False
    assert set(TaskProfile.model_fields) < set(schema["properties"])


def test_version_and_help() -> None:
    assert run_cli("--version").stdout.strip() == f"concadvisor {__version__}"
    bare = run_cli()
    assert bare.returncode == 2
    assert "advise" in bare.stderr
    helped = run_cli("--help")
    assert helped.returncode == 0 and "rules" in helped.stdout


@pytest.mark.parametrize("kind", ["concadvisor", "pyproject"])
def test_schema_for_project_files(kind: str) -> None:
    result = run_cli("schema", "--for", kind)
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert "executor" in result.stdout


@pytest.mark.parametrize("indent", ["99999999999999999999", "-5"])
def test_schema_rejects_absurd_indent(indent: str) -> None:
    proc = run_cli("schema", "--indent", indent)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "--indent" in proc.stderr
    assert proc.stdout == ""


def test_profile_from_an_endless_file_is_refused() -> None:
    import resource
    import subprocess
    import sys

    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")

    def limit_memory() -> None:  # without the fix, reading /dev/zero eats all memory
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    proc = subprocess.run(
        [sys.executable, "-m", "concadvisor", "advise", "--profile", "/dev/zero"],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit_memory,
        check=False,
    )
    assert proc.returncode == 2
    assert "too large" in one_line_error(proc)
