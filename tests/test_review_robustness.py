"""Hostile-input regressions: each test is a problem found by a robustness review.

Every CLI failure must be one line on stderr with a non-zero exit (2 for usage errors),
never a traceback, a hang or a lost result.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from concadvisor.costs.cache import (
    CalibrationCacheWarning,
    cache_path,
    load_cache_document,
)
from concadvisor.costs.calibration import Calibration, Measurement
from concadvisor.costs.document import CalibrationDocument
from concadvisor.costs.machine import DEFAULT_COSTS, machine_fingerprint
from concadvisor.environment import detect_environment
from concadvisor.errors import ProfileFileError
from concadvisor.lint import probing
from concadvisor.lint.runner import LintOptions, lint_paths
from concadvisor.probing.executors import TrialError
from concadvisor.profile_files import read_document

from conftest import run_cli

TARGETS = """\
import sys


def sys_exit():
    raise SystemExit(3)


def interrupt():
    raise KeyboardInterrupt


def numbers():
    yield 1
    yield 2


class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no str")


def unprintable():
    raise Unprintable()


def failing_factory():
    raise ValueError("first line\\nsecond line")


def exiting_factory():
    raise SystemExit(1)


def ok():
    return 1
"""


def _one_line_error(proc: object) -> str:
    stderr: str = proc.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("concadvisor: error: "), stderr
    return lines[0]


@pytest.fixture
def targets(tmp_path: Path) -> Path:
    (tmp_path / "targets.py").write_text(TARGETS)
    return tmp_path


# -- schema -------------------------------------------------------------------------------


@pytest.mark.parametrize("indent", ["99999999999999999999", "-5"])
def test_schema_rejects_absurd_indent(indent: str) -> None:
    proc = run_cli("schema", "--indent", indent)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "--indent" in proc.stderr
    assert proc.stdout == ""


# -- probe --------------------------------------------------------------------------------


def test_probe_args_nested_too_deeply_is_a_usage_error(targets: Path) -> None:
    proc = run_cli("probe", "targets.py:ok", "--args", "[" * 100_000, cwd=targets)
    assert proc.returncode == 2
    assert "--args" in _one_line_error(proc)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("target", "kind"),
    [("sys_exit", "SystemExit"), ("interrupt", "KeyboardInterrupt")],
)
def test_probe_base_exception_is_a_failure_not_a_hang(
    targets: Path, target: str, kind: str
) -> None:
    proc = run_cli("probe", f"targets.py:{target}", "--budget", "20", "--json", cwd=targets)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    serial = report["results"][0]
    assert serial["status"] == "failed"
    assert serial["reason"].startswith(kind)
    assert report["elapsed_seconds"] < 10  # not the whole budget, waiting for a "hang"
    assert not any("Traceback" in note for note in report["notes"])


@pytest.mark.slow
def test_probe_exception_whose_str_fails_is_reported(targets: Path) -> None:
    proc = run_cli("probe", "targets.py:unprintable", "--budget", "20", "--json", cwd=targets)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["results"][0]["status"] == "failed"
    assert report["results"][0]["reason"].startswith("Unprintable")
    assert report["elapsed_seconds"] < 10


def test_trial_error_survives_an_unprintable_exception() -> None:
    class Unprintable(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no str")

    error = TrialError.from_exception(Unprintable())
    assert error.kind == "Unprintable"


@pytest.mark.slow
def test_probe_generator_function_is_not_taken_for_a_coroutine(targets: Path) -> None:
    proc = run_cli("probe", "targets.py:numbers", "--budget", "3", "--json", cwd=targets)
    report = json.loads(proc.stdout)
    serial = report["results"][0]
    assert serial["status"] == "ok", serial["reason"]
    assert report["is_async"] is False


@pytest.mark.slow
def test_probe_inputs_factory_error_is_one_line(targets: Path) -> None:
    proc = run_cli("probe", "targets.py:ok", "--inputs", "targets.py:failing_factory", cwd=targets)
    assert proc.returncode == 2
    line = _one_line_error(proc)
    assert "ValueError: first line" in line


@pytest.mark.slow
def test_probe_inputs_factory_system_exit_is_reported_at_once(targets: Path) -> None:
    proc = run_cli(
        "probe",
        "targets.py:ok",
        "--inputs",
        "targets.py:exiting_factory",
        "--budget",
        "20",
        cwd=targets,
        timeout=15,
    )
    assert proc.returncode == 2
    assert "SystemExit" in _one_line_error(proc)


@pytest.mark.parametrize("plot", ["plots", "missing/speed.png"])
def test_probe_unusable_plot_path_fails_before_measuring(targets: Path, plot: str) -> None:
    pytest.importorskip("matplotlib")
    (targets / "plots").mkdir()
    proc = run_cli("probe", "targets.py:ok", "--budget", "20", "--plot", plot, cwd=targets)
    assert proc.returncode == 2
    assert "--plot" in _one_line_error(proc)
    assert not (targets / "plots.png").exists()


def test_demo_output_that_is_a_directory_fails_before_measuring(tmp_path: Path) -> None:
    proc = run_cli("demo", "--only", "tiny", "--budget", "15", "--json", str(tmp_path))
    assert proc.returncode == 2
    assert "--json" in _one_line_error(proc)
    assert proc.stdout == ""


# -- advise --profile ---------------------------------------------------------------------


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
    assert "too large" in _one_line_error(proc)


def test_read_document_refuses_an_oversized_file(tmp_path: Path) -> None:
    from concadvisor import profile_files

    path = tmp_path / "big.json"
    path.write_text(" " * (profile_files.MAX_BYTES + 1))
    with pytest.raises(ProfileFileError, match="too large"):
        read_document(path)


# -- lint ---------------------------------------------------------------------------------


@pytest.mark.parametrize("select", ["5", '["XYZ"]'])
def test_lint_invalid_select_does_not_silence_everything(tmp_path: Path, select: str) -> None:
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.concadvisor]\nselect = {select}\n[tool.concadvisor.tasks.a]\nworkload = "io"\n'
        'executor = "threads"\nworkers = -1\n'
    )
    proc = run_cli("lint", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout
    codes = {finding["code"] for finding in json.loads(proc.stdout)["findings"]}
    assert "CA303" in codes


@pytest.mark.parametrize("value", ["", ","])
def test_lint_empty_select_flag_is_a_usage_error(tmp_path: Path, value: str) -> None:
    proc = run_cli("lint", "--select", value, cwd=tmp_path)
    assert proc.returncode == 2
    assert "--select" in _one_line_error(proc)


def _failing_report(status: str) -> object:
    from types import SimpleNamespace

    from concadvisor import Executor

    results = [
        SimpleNamespace(executor=Executor.SERIAL, status=status, speedup=None, reason="boom"),
        SimpleNamespace(
            executor=Executor.THREADS, status="skipped", speedup=None, reason="not measured"
        ),
    ]
    return SimpleNamespace(fastest=None, results=results, verdict="inconclusive", exit_code=1)


@pytest.mark.parametrize("status", ["failed", "timeout"])
def test_lint_probe_reports_a_target_that_cannot_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: str
) -> None:
    (tmp_path / "concadvisor.toml").write_text(
        '[tasks.t]\nworkload = "io"\ntasks = 20\nexecutor = "threads"\ntarget = "work.py:run"\n'
    )
    (tmp_path / "work.py").write_text("def run():\n    raise SystemExit\n")
    monkeypatch.setattr(probing, "_load_probe", lambda: lambda *a, **k: _failing_report(status))
    monkeypatch.chdir(tmp_path)
    result = lint_paths(["."], LintOptions(probe=True))
    assert [(d.code, d.location.line) for d in result.diagnostics] == [("CA351", 5)]
    assert status in result.diagnostics[0].message


# -- calibrate --show ---------------------------------------------------------------------


@pytest.fixture
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CONCADVISOR_CACHE_DIR", str(tmp_path))
    detect_environment.cache_clear()
    yield tmp_path  # type: ignore[misc]
    detect_environment.cache_clear()


def _calibration_document() -> dict[str, object]:
    costs = DEFAULT_COSTS.model_copy(
        update={
            "source": "calibrated",
            "fingerprint": machine_fingerprint(),
            "measured_at": "2024-01-01T00:00:00+00:00",
        }
    )
    calibration = Calibration(
        costs=costs,
        measurements=[Measurement("thread.start", "thread start-up", "s", (1e-4, 2e-4, 3e-4))],
        machine={},
        cpus=2,
        gil_enabled=True,
        budget=1.0,
        elapsed=1.0,
    )
    return calibration.document().as_json()


def test_cache_nested_too_deeply_is_ignored_with_a_warning(private_cache: Path) -> None:
    cache_path().write_text("[" * 100_000)
    with pytest.warns(CalibrationCacheWarning, match="not valid JSON"):
        assert load_cache_document() is None


@pytest.mark.parametrize(
    "measurements", [5, [5], [{"label": "x"}], [{"label": "x", "unit": "s", "median": "a"}]]
)
def test_cache_with_malformed_measurements_is_ignored(
    private_cache: Path, measurements: object
) -> None:
    document = _calibration_document()
    assert load_cache_document_after_saving(document) is not None
    document["measurements"] = measurements
    with pytest.warns(CalibrationCacheWarning, match="measurements"):
        assert load_cache_document_after_saving(document) is None


def load_cache_document_after_saving(document: dict[str, object]) -> CalibrationDocument | None:
    # Written as raw JSON: the typed writer cannot hold a malformed document.
    cache_path().write_text(json.dumps(document), encoding="utf-8")
    return load_cache_document()


def test_calibrate_show_with_malformed_cache_does_not_crash(private_cache: Path) -> None:
    document = _calibration_document()
    document["measurements"] = [5]
    cache_path().write_text(json.dumps(document), encoding="utf-8")
    proc = run_cli("calibrate", "--show")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "ignoring calibration cache" in proc.stderr


# -- output into a closed pipe ------------------------------------------------------------


@pytest.mark.parametrize("args", [("rules",), ("advise", "--workload", "io")])
def test_rich_output_into_a_closed_pipe_exits_like_json_output(args: tuple[str, ...]) -> None:
    import subprocess
    import sys

    from conftest import ROOT

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        proc = subprocess.Popen(
            [sys.executable, "-m", "concadvisor", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
        )
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # like `| head`, before anything is written
        stderr = proc.stderr.read().decode()
        proc.stderr.close()
        code = proc.wait(timeout=60)
    assert code == 0, stderr
    assert "Traceback" not in stderr


def test_probe_refuses_absurd_pool_sizes() -> None:
    result = run_cli("probe", "examples/workloads.py:sleep_io", "--workers", "100000")
    assert result.returncode == 2
    assert "at most 1024" in result.stderr
    assert "Traceback" not in result.stderr
