"""lint's ``target-version`` / ``free-threaded``: the interpreter the checked advice assumes.

Lint's findings must not depend on the Python running lint: the default is a GIL build of
the oldest version ``requires-python`` allows, and a project says otherwise explicitly.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from concadvisor import Environment
from concadvisor.lint import LintOptions, lint_paths
from concadvisor.lint.settings import MIN_TARGET_VERSION, Target

from conftest import run_cli

TASK = """
[tasks.crunch]
workload = "cpu"
tasks = 500
task_seconds = 0.08
cpus = 4
executor = "threads"
"""


def _codes(root: Path, text: str, name: str = "concadvisor.toml") -> list[tuple[int, str]]:
    (root / name).write_text(text)
    old = Path.cwd()
    os.chdir(root)
    try:
        result = lint_paths(["."], LintOptions(environment=Environment.example(free_threaded=True)))
    finally:
        os.chdir(old)
    return sorted((d.location.line, d.code) for d in result.diagnostics)


def test_the_default_target_is_a_gil_build_whatever_runs_lint(tmp_path: Path) -> None:
    # The environment lint runs in is free-threaded; the project says nothing: GIL assumed.
    assert _codes(tmp_path, TASK) == [(7, "CA310")]


def test_free_threaded_true_assumes_a_build_without_the_gil(tmp_path: Path) -> None:
    assert _codes(tmp_path, "free-threaded = true\n" + TASK) == []


def test_free_threaded_false_is_the_default(tmp_path: Path) -> None:
    assert _codes(tmp_path, "free-threaded = false\n" + TASK) == [(8, "CA310")]


def test_bad_target_values_are_findings_at_their_line(tmp_path: Path) -> None:
    text = 'free-threaded = "yes"\ntarget-version = 3.13\n' + TASK
    codes = _codes(tmp_path, text)
    assert (1, "CA303") in codes and (2, "CA303") in codes


def test_pyproject_settings_are_read_too(tmp_path: Path) -> None:
    text = (
        '[project]\nname = "x"\nrequires-python = ">=3.12"\n\n[tool.concadvisor]\n'
        "free-threaded = true\n" + TASK.replace("[tasks.", "[tool.concadvisor.tasks.")
    )
    assert _codes(tmp_path, text, "pyproject.toml") == []


@given(st.integers(min_value=0, max_value=99), st.sampled_from(["{}.{}", "py{}{}"]))
def test_target_version_spellings(minor: int, spelling: str) -> None:
    from concadvisor.lint.settings import _VERSION

    found = _VERSION.fullmatch(spelling.format(3, minor))
    assert found is not None and (int(found.group(1)), int(found.group(2))) == (3, minor)


@given(st.tuples(st.just(3), st.integers(min_value=0, max_value=40)), st.booleans())
def test_the_target_environment_is_that_interpreter(version: tuple[int, int], free: bool) -> None:
    base = Environment.example(free_threaded=not free, python_version=(3, 12, 7))
    env = Target(version, free).environment(base)
    assert env.python_version == (*version, 0)
    assert env.free_threaded is free
    assert env.cpus == base.cpus and env.costs == base.costs


def test_the_fallback_version_is_concadvisors_oldest() -> None:
    assert Target().version == MIN_TARGET_VERSION == (3, 10)


def test_lint_cli_output_does_not_name_the_running_interpreter(tmp_path: Path) -> None:
    (tmp_path / "concadvisor.toml").write_text(TASK)
    result = run_cli("lint", str(tmp_path))
    assert result.returncode == 1, result.stderr
    assert "CA310" in result.stdout and "recommended: processes" in result.stdout
