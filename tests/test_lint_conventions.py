"""Lint follows ruff's conventions: noqa comments, per-file-ignores, upward discovery of the
configuration, .py files as arguments, --exit-zero/--statistics/--output-file/--quiet,
end positions, and a crash in one file's check that keeps the other findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from concadvisor.lint import runner
from concadvisor.lint.runner import lint_paths
from concadvisor.lint.suppression import file_noqa, line_noqa, matches_pattern, suppressed_by

from conftest import run_cli

CONFIG = '[tasks.t]\nworkload = "io"\nexecutor = "serial"\n'
SLEEPY = "import time\n\n\nasync def f():\n    time.sleep(1){comment}\n"


def _project(tmp_path: Path, config: str = CONFIG, **modules: str) -> Path:
    (tmp_path / "concadvisor.toml").write_text(config)
    for name, text in modules.items():
        path = tmp_path / f"{name.replace('__', '/')}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def _codes(root: Path, *paths: str) -> list[tuple[str, int, str]]:
    result = lint_paths(
        [str(root / p) for p in paths] or [str(root)], runner.LintOptions(base=root)
    )
    return [(d.location.path, d.location.line, d.code) for d in result.diagnostics]


# -- noqa comments ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("comment", "hidden"),
    [
        ("", False),
        ("  # noqa", True),
        ("  # NOQA", True),
        ("  # noqa: CA410", True),
        ("  # noqa:CA410,E501", True),
        ("  # noqa: E501, CA410", True),
        ("  # noqa: CA41", True),  # a prefix, as select takes it
        ("  # noqa: CA416", False),  # another of our codes
        ("  # noqa: E501", False),  # only another tool's code
        ("  # noqa:", True),  # an empty list: a bare noqa, as ruff reads it
    ],
)
def test_line_noqa(tmp_path: Path, comment: str, hidden: bool) -> None:
    root = _project(tmp_path, m=SLEEPY.format(comment=comment))
    found = [code for _, _, code in _codes(root)]
    assert ("CA410" not in found) is hidden


def test_file_level_noqa(tmp_path: Path) -> None:
    body = (
        SLEEPY.format(comment="") + "\nimport requests\n\n\nasync def g():\n    requests.get('x')\n"
    )
    root = _project(
        tmp_path, every="# concadvisor: noqa\n" + body, some="# concadvisor: noqa: CA416\n" + body
    )
    found = _codes(root)
    assert not [f for f in found if f[0] == "every.py"]
    assert [code for path, _, code in found if path == "some.py"] == ["CA410"]


def test_file_level_noqa_must_stand_on_its_own_line(tmp_path: Path) -> None:
    root = _project(tmp_path, m="x = 1  # concadvisor: noqa\n" + SLEEPY.format(comment=""))
    assert [code for _, _, code in _codes(root)] == ["CA410"]


def test_noqa_in_toml(tmp_path: Path) -> None:
    config = (
        '[tasks.t]\nworkload = "io"\nexecutor = "threads"\nbogus = 1  # noqa: CA302\nmore = 2\n'
    )
    root = _project(tmp_path, config)
    assert _codes(root) == [("concadvisor.toml", 5, "CA302")]


# -- per-file-ignores ------------------------------------------------------------------------
def test_per_file_ignores(tmp_path: Path) -> None:
    config = 'per-file-ignores = {"legacy/*" = ["CA41"], "scratch.py" = ["CA"]}\n' + CONFIG
    sleepy = SLEEPY.format(comment="")
    root = _project(tmp_path, config, legacy__old=sleepy, deep__scratch=sleepy, app=sleepy)
    assert _codes(root) == [("app.py", 5, "CA410")]


def test_per_file_ignores_bad_value_is_a_finding(tmp_path: Path) -> None:
    root = _project(tmp_path, 'per-file-ignores = {"x/*" = ["NOPE"]}\n' + CONFIG)
    assert [code for _, _, code in _codes(root)] == ["CA303"]


@pytest.mark.parametrize(
    ("pattern", "path", "matched"),
    [
        ("tests/*", "tests/a.py", True),
        ("tests/*", "tests/sub/a.py", True),
        ("tests", "tests/sub/a.py", True),
        ("tests/", "tests/a.py", True),
        ("*.py", "src/a.py", True),
        ("a.py", "src/a.py", True),
        ("src/a.py", "lib/a.py", False),
        ("tests/*", "src/tests.py", False),
    ],
)
def test_matches_pattern(pattern: str, path: str, matched: bool) -> None:
    root = Path("/project")
    assert matches_pattern(root / path, root, pattern) is matched


def test_a_pattern_never_matches_outside_its_root() -> None:
    assert not matches_pattern(Path("/elsewhere/a.py"), Path("/project"), "*")


@given(st.text(max_size=200), st.sampled_from(["CA410", "CA302", "CA416"]))
def test_noqa_parsing_is_total(line: str, code: str) -> None:
    exemption = line_noqa(line)
    assert suppressed_by(code, line, None) is (exemption is not None and exemption.hides(code))
    if "noqa" not in line.lower():
        assert exemption is None
    file_noqa(line)  # never raises


# -- discovery and arguments -----------------------------------------------------------------
def test_upward_discovery_from_a_subdirectory(tmp_path: Path) -> None:
    config = 'per-file-ignores = {"pkg/quiet.py" = ["CA410"]}\n' + CONFIG + "bogus = 1\n"
    sleepy = SLEEPY.format(comment="")
    root = _project(tmp_path, config, pkg__loud=sleepy, pkg__quiet=sleepy)
    proc = run_cli("lint", "--format", "json", cwd=root / "pkg")
    assert proc.returncode == 1, proc.stderr
    found = {(Path(f["path"]).name, f["code"]) for f in json.loads(proc.stdout)["findings"]}
    assert found == {("concadvisor.toml", "CA302"), ("loud.py", "CA410")}


def test_settings_above_a_path_argument_apply(tmp_path: Path) -> None:
    config = 'per-file-ignores = {"pkg/*" = ["CA410"]}\n' + CONFIG + "bogus = 1\n"
    root = _project(tmp_path, config, pkg__a=SLEEPY.format(comment=""))
    # The file alone: the project's settings hide its finding; the project's own
    # findings (the bogus key) are not reported, that file was not asked for.
    proc = run_cli("lint", "pkg/a.py", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("No findings")


def test_a_py_file_argument_is_linted_as_code(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(SLEEPY.format(comment=""))
    proc = run_cli("lint", "a.py", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[0].startswith("a.py:5:5: CA410")
    assert "CA301" not in proc.stdout


# -- command-line flags ----------------------------------------------------------------------
def test_exit_zero_statistics_quiet(tmp_path: Path) -> None:
    sleepy = SLEEPY.format(comment="")
    root = _project(tmp_path, CONFIG + "bogus = 1\n", a=sleepy, b=sleepy)
    proc = run_cli("lint", "--statistics", "--exit-zero", cwd=root)
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[:2] == ["2  CA410  blocking-call-in-coroutine", "1  CA302  unknown-field"]
    assert lines[2].startswith("Found 3 findings")
    quiet = run_cli("lint", "--quiet", cwd=root)
    assert quiet.returncode == 1
    assert len(quiet.stdout.splitlines()) == 3
    assert "Found" not in quiet.stdout
    stats = run_cli("lint", "--statistics", "--format", "json", cwd=root)
    assert json.loads(stats.stdout)[0] == {
        "code": "CA410",
        "name": "blocking-call-in-coroutine",
        "severity": "error",
        "count": 2,
    }


def test_statistics_refuses_sarif(tmp_path: Path) -> None:
    proc = run_cli("lint", "--statistics", "--format", "sarif", cwd=_project(tmp_path))
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1


def test_output_file(tmp_path: Path) -> None:
    root = _project(tmp_path, a=SLEEPY.format(comment=""))
    proc = run_cli("lint", "--format", "json", "--output-file", "out.json", cwd=root)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert json.loads((root / "out.json").read_text())["summary"]["findings"] == 1
    bad = run_cli("lint", "-o", "missing/dir/out.txt", cwd=root)
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1
    assert "missing/dir/out.txt" in bad.stderr
    assert "Traceback" not in bad.stderr


# -- end positions ---------------------------------------------------------------------------
def test_end_positions(tmp_path: Path) -> None:
    root = _project(
        tmp_path, CONFIG + "bogus = 1\n", a="import time\nasync def f():\n    é = time.sleep(1)\n"
    )
    proc = run_cli("lint", "--format", "json", cwd=root)
    spans = {
        f["code"]: (f["line"], f["column"], f["end_line"], f["end_column"])
        for f in json.loads(proc.stdout)["findings"]
    }
    # `time.sleep` after "    é = ": code points, exclusive end
    assert spans["CA410"] == (3, 9, 3, 19)
    # a TOML finding spans its line
    assert spans["CA302"] == (4, 1, 4, 10)


# -- a crash of lint itself ------------------------------------------------------------------
def test_a_crash_in_one_file_keeps_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sleepy = SLEEPY.format(comment="")
    root = _project(tmp_path, a=sleepy, b=sleepy)
    real = runner.module_facts

    def exploding(tree: object, path: Path, knowledge: object) -> object:
        if path.name == "a.py":
            raise RuntimeError("boom")
        return real(tree, path, knowledge)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "module_facts", exploding)
    result = lint_paths([str(root)], runner.LintOptions(base=root))
    assert result.exit_code == 2
    assert [d.location.path for d in result.diagnostics] == ["b.py"]
    (error,) = result.input_errors
    assert error.startswith("a.py: internal error in lint (RuntimeError: boom)")


def test_a_crash_through_the_cli_is_one_line_and_exit_2(tmp_path: Path) -> None:
    root = _project(tmp_path, a=SLEEPY.format(comment=""), b=SLEEPY.format(comment=""))
    script = (
        "import sys; from concadvisor.lint import runner; real = runner.module_facts\n"
        "def boom(tree, path, k):\n"
        "    if path.name == 'a.py': raise KeyError('x')\n"
        "    return real(tree, path, k)\n"
        "runner.module_facts = boom\n"
        "from concadvisor.cli import main; sys.exit(main(['lint']))\n"
    )
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "a.py: internal error in lint" in proc.stderr
    assert proc.stdout.startswith("b.py:5:5: CA410")
