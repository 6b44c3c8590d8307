"""Machine calibration: measuring (plausibility only), the cache, and the command."""

from __future__ import annotations

import concurrent.futures
import json
import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from concadvisor import Environment, advise, detect_environment
from concadvisor.costs import DEFAULT_COSTS, CalibrationCacheWarning
from concadvisor.costs.cache import (
    cache_dir,
    cache_path,
    load_cache_document,
    load_cached_costs,
    save_cache_document,
)
from concadvisor.costs.calibration import Calibration, Measurement, calibrate, mad
from concadvisor.costs.machine import machine_fingerprint, machine_info

from conftest import run_cli


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private cache directory, and a fresh environment detection around the test."""
    monkeypatch.setenv("CONCADVISOR_CACHE_DIR", str(tmp_path))
    detect_environment.cache_clear()
    yield tmp_path
    detect_environment.cache_clear()


def _calibration() -> Calibration:
    """A calibration document without measuring anything (figures are made up, on purpose)."""
    info = machine_info()
    costs = DEFAULT_COSTS.model_copy(
        update={
            "source": "calibrated",
            "measured_at": "2026-01-01T00:00:00+00:00",
            "fingerprint": machine_fingerprint(info),
            "process_dispatch_seconds": 5e-5,
        }
    )
    return Calibration(
        costs=costs,
        measurements=[Measurement("process_dispatch", "dispatch", "s", (4e-5, 5e-5, 6e-5))],
        machine=info,
        cpus=2,
        gil_enabled=True,
        budget=1.0,
        elapsed=1.0,
    )


def test_mad_and_measurement_statistics() -> None:
    assert mad([1.0, 2.0, 3.0, 4.0, 100.0]) == 1.0
    assert mad([5.0]) == 0.0
    m = Measurement("x", "x", "s", (1.0, 1.1, 0.9, 1.0))
    assert m.median == 1.0 and not m.noisy
    assert Measurement("y", "y", "s", (1.0, 2.0, 3.0)).noisy
    assert m.record().samples == 4


def test_cache_dir_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CONCADVISOR_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("CONCADVISOR_CACHE_DIR")
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "concadvisor"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "concadvisor"
    assert cache_path("abc").name == "costs-abc.json"


def test_cache_round_trip(cache: Path) -> None:
    calibration = _calibration()
    path = save_cache_document(calibration.document())
    assert path == cache_path() and path.parent == cache
    loaded = load_cached_costs()
    assert loaded == calibration.costs
    env = detect_environment()
    assert env.costs == calibration.costs and env.costs.source == "calibrated"
    rec = advise({"workload": "cpu", "tasks": 100, "task_seconds": 0.01})
    assert rec.costs_source == "calibrated"


def test_no_cache_means_defaults(cache: Path) -> None:
    assert load_cached_costs() is None
    assert detect_environment().costs == DEFAULT_COSTS


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"format": 99}', "format 99"),
        ('{"format": 1, "fingerprint": "0000000000000000"}', "another machine"),
    ],
)
def test_corrupt_cache_is_ignored_with_a_warning(cache: Path, content: str, why: str) -> None:
    cache_path().write_text(content)
    with pytest.warns(CalibrationCacheWarning, match=why):
        assert load_cached_costs() is None
    with pytest.warns(CalibrationCacheWarning):
        assert detect_environment().costs == DEFAULT_COSTS


def test_invalid_costs_in_cache_are_ignored(cache: Path) -> None:
    document = _calibration().document().as_json()
    document["costs"]["ipc_bytes_per_second"] = -1
    cache_path().write_text(json.dumps(document))
    with pytest.warns(CalibrationCacheWarning, match="ipc_bytes_per_second"):
        assert load_cache_document() is None


def test_environment_stays_hashable() -> None:
    env = Environment.example()
    assert hash(env) == hash(Environment.example())
    assert isinstance(hash(DEFAULT_COSTS), int)


def test_calibrate_measures_plausible_figures() -> None:
    # 3 s: enough for every fork-only figure even on a loaded 2-core machine; a budget
    # too small to hold them all leaves some out (they keep their defaults), by design.
    # A free-threaded build also times a GIL build of its version (the penalty): 6 s.
    from concadvisor.costs.penalty import free_threaded_build

    result = calibrate(6.0 if free_threaded_build() else 3.0, methods=("fork",))
    costs = result.costs
    assert costs.source == "calibrated" and costs.fingerprint == machine_fingerprint()
    values = [
        costs.thread_start_seconds,
        costs.thread_dispatch_seconds,
        costs.process_dispatch_seconds,
        costs.process_batched_dispatch_seconds,
        costs.asyncio_dispatch_seconds,
        costs.thread_switch_seconds,
        costs.coroutine_switch_seconds,
        *costs.process_start_seconds.values(),
    ]
    assert all(0 < v < 1 and math.isfinite(v) for v in values)
    assert 1e5 < costs.ipc_bytes_per_second < 1e11
    # What physics requires: a task sent through a pipe to another process costs more than
    # one handed to a thread; batching amortises that dispatch.
    assert costs.process_dispatch_seconds > costs.thread_dispatch_seconds
    assert costs.process_batched_dispatch_seconds < costs.process_dispatch_seconds
    keys = {m.key for m in result.measurements}
    assert {"process_start.fork", "thread_switch", "coroutine_switch"} <= keys
    assert all(len(m.samples) >= 1 for m in result.measurements)
    assert result.elapsed < 10
    assert result.document().format == 1


def test_calibrate_refuses_a_bad_budget() -> None:
    with pytest.raises(ValueError, match="budget"):
        calibrate(0)


@pytest.mark.slow
def test_calibrate_command_end_to_end(cache: Path) -> None:
    result = run_cli("calibrate", "--budget", "3", "--start-method", "fork", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["cached"] is True and Path(data["path"]).is_file()
    assert data["costs"]["source"] == "calibrated"
    shown = run_cli("calibrate", "--show", "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["costs"] == data["costs"]
    human = run_cli("calibrate", "--show")
    assert "coroutine hand-off" in human.stdout
    advice = run_cli("advise", "--workload", "cpu", "--tasks", "50", "--task-seconds", "0.02")
    assert advice.returncode == 0, advice.stderr
    assert "predicted" in advice.stdout and "calibration" in advice.stdout


def test_calibrate_command_without_cache_shows_defaults(cache: Path) -> None:
    shown = run_cli("calibrate", "--show")
    assert shown.returncode == 0, shown.stderr
    assert "No calibration cached" in shown.stdout
    assert run_cli("calibrate", "--budget", "0").returncode == 2


def test_cli_reports_a_corrupt_cache_on_one_line(cache: Path) -> None:
    cache_path().write_text("{not json")
    result = run_cli("advise", "--workload", "io", "--tasks", "10", "--task-seconds", "0.1")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "CalibrationCacheWarning" in lines[0] and "not valid JSON" in lines[0]
    assert "built-in default costs" in result.stdout


def test_sub_interpreter_figures_are_listed_only_where_they_exist() -> None:
    from concadvisor.costs.calibration import figure_labels, has_interpreter_pool

    labels = figure_labels(("fork",), 2)
    wanted = {"interpreter_start", "interpreter_dispatch"}
    assert (wanted <= set(labels)) is has_interpreter_pool()
    assert has_interpreter_pool() is hasattr(concurrent.futures, "InterpreterPoolExecutor")
    if not has_interpreter_pool():
        assert not wanted & set(labels)


@pytest.mark.slow
@pytest.mark.skipif(
    not hasattr(concurrent.futures, "InterpreterPoolExecutor"), reason="needs Python 3.14+"
)
def test_calibrate_measures_sub_interpreters() -> None:
    # Sub-interpreters come after the process pool; at 4 s a loaded 2-core machine has no
    # budget left for them (reported as not measured, by design): the default budget.
    result = calibrate(15.0, methods=("fork",))
    by_key = {m.key: m for m in result.measurements}
    assert {"interpreter_start", "interpreter_dispatch"} <= set(by_key), result.skipped
    costs = result.costs
    assert costs.interpreter_start_seconds == by_key["interpreter_start"].median
    assert costs.interpreter_dispatch_seconds == by_key["interpreter_dispatch"].median
    # A sub-interpreter is started inside this process: no fork, but a fresh import of
    # every module; between a thread's start-up and a second.
    assert costs.thread_start_seconds < costs.interpreter_start_seconds < 1
    assert 0 < costs.interpreter_dispatch_seconds < 0.1
