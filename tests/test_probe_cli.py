"""``concadvisor probe`` at its command line: bad arguments, targets that misbehave.

Each failure is one line on stderr with exit code 2, or a report that says what failed;
never a traceback or a wait for a "hang" that is not one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import one_line_error, run_cli

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


@pytest.fixture
def targets(tmp_path: Path) -> Path:
    (tmp_path / "targets.py").write_text(TARGETS)
    return tmp_path


def test_probe_args_nested_too_deeply_is_a_usage_error(targets: Path) -> None:
    proc = run_cli("probe", "targets.py:ok", "--args", "[" * 100_000, cwd=targets)
    assert proc.returncode == 2
    assert "--args" in one_line_error(proc)


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
    line = one_line_error(proc)
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
    assert "SystemExit" in one_line_error(proc)


@pytest.mark.parametrize("plot", ["plots", "missing/speed.png"])
def test_probe_unusable_plot_path_fails_before_measuring(targets: Path, plot: str) -> None:
    pytest.importorskip("matplotlib")
    (targets / "plots").mkdir()
    proc = run_cli("probe", "targets.py:ok", "--budget", "20", "--plot", plot, cwd=targets)
    assert proc.returncode == 2
    assert "--plot" in one_line_error(proc)
    assert not (targets / "plots.png").exists()


def test_probe_refuses_absurd_pool_sizes() -> None:
    result = run_cli("probe", "examples/workloads.py:sleep_io", "--workers", "100000")
    assert result.returncode == 2
    assert "at most 1024" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("tasks", [str(2**1024), "9" * 5000, "1000000000001"])
def test_probe_refuses_a_task_count_beyond_the_profiles_bound_before_measuring(
    targets: Path, tasks: str
) -> None:
    result = run_cli("probe", "targets.py:ok", "--budget", "30", "--tasks", tasks, cwd=targets)
    assert result.returncode == 2
    assert "argument --tasks: expected an integer from 1 to 1000000000000" in result.stderr
    assert len(result.stderr) < 2000  # the 5000 digits are not echoed back
    assert "Traceback" not in result.stderr


def test_probe_api_refuses_a_task_count_beyond_the_profiles_bound() -> None:
    from concadvisor import probe_target

    with pytest.raises(ValueError, match="tasks must be at most 1000000000000"):
        probe_target("examples/workloads.py:sleep_io", tasks=2**1024, budget=30)


@pytest.mark.parametrize("selection", ["serial", "serial,threads", "serial,processes"])
def test_a_selection_without_some_executors_still_reports(selection: str) -> None:
    """Inference, contention and memory read the rows that ran: a selection that leaves
    threads or processes out is a report, not an internal error."""
    proc = run_cli(
        "probe",
        "tests.probe_targets.workloads:cpu",
        "--executors",
        selection,
        "--budget",
        "3",
        "--json",
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    ran = {r["executor"] for r in report["results"]}
    assert ran >= set(selection.split(","))
