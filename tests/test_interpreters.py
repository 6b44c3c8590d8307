"""The interpreters executor (InterpreterPoolExecutor, 3.14+): availability, cost formula,
advice, snippet, and the probe's runner.  Tests needing a real InterpreterPoolExecutor run
only on 3.14+ (the suite runs there too); every advice test pins its environment."""

from __future__ import annotations

import concurrent.futures
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from concadvisor import Environment, Executor, TaskProfile, advise
from concadvisor.costs import DEFAULT_COSTS
from concadvisor.costs.inputs import Inputs
from concadvisor.environment import detect_environment
from concadvisor.executors import SnippetRequest, spec
from concadvisor.executors.interpreters import interpreter_seconds
from concadvisor.probing.executors import (
    Interpreters,
    RunnerSetup,
    TrialError,
    interpreter_pool_class,
    target_location,
)
from concadvisor.probing.planning import make_plan

ROOT = Path(__file__).resolve().parent.parent
HAS_POOL = hasattr(concurrent.futures, "InterpreterPoolExecutor")
needs_pool = pytest.mark.skipif(not HAS_POOL, reason="needs Python 3.14+")

PY311 = Environment.example(python_version=(3, 11, 9))
PY314 = Environment.example(python_version=(3, 14, 0))
CPU = {"workload": "cpu", "tasks": 100, "task_seconds": 0.05}


def _ranked(rec: object) -> list[Executor]:
    return [item.executor for item in rec.ranking]  # type: ignore[attr-defined]


# --- availability ------------------------------------------------------------------------


def test_the_flag_follows_the_version_in_examples_and_can_be_set() -> None:
    assert not PY311.has_interpreter_pool
    assert PY314.has_interpreter_pool
    assert not Environment.example(
        python_version=(3, 14, 0), interpreter_pool=False
    ).interpreter_pool
    assert not spec(Executor.INTERPRETERS).available(PY311)
    assert spec(Executor.INTERPRETERS).available(PY314)


def test_detection_agrees_with_concurrent_futures() -> None:
    assert detect_environment().has_interpreter_pool is HAS_POOL
    assert (interpreter_pool_class() is not None) is HAS_POOL


# --- advice ------------------------------------------------------------------------------


def test_not_ranked_where_unavailable() -> None:
    rec = advise(CPU, environment=PY311)
    assert Executor.INTERPRETERS not in _ranked(rec)
    assert rec.predicted_speedup is not None and "interpreters" not in rec.predicted_speedup


def test_ranked_on_314_but_processes_win_with_cheap_fork_start() -> None:
    rec = advise(CPU, environment=PY314)
    assert Executor.INTERPRETERS in _ranked(rec)
    assert rec.executor is Executor.PROCESSES
    ca507 = next(r for r in rec.reasons if r.rule_id == "CA507")
    assert ca507.effects == ("interpreters -1",)


def test_interpreters_win_where_process_start_up_is_dear() -> None:
    # A machine whose calibration measured spawn like macOS does: 0.5 s per worker.
    costs = DEFAULT_COSTS.model_copy(update={"process_start_seconds": {"spawn": 0.5}})
    env = Environment.example(
        python_version=(3, 14, 0), start_method="spawn", start_methods=("spawn",), costs=costs
    )
    rec = advise({**CPU, "tasks": 40}, environment=env)
    assert rec.executor is Executor.INTERPRETERS
    assert any("sub-interpreters" in w.message and "readline" in w.message for w in rec.warnings)
    assert "InterpreterPoolExecutor" in rec.snippet


def test_the_caveat_is_only_for_an_interpreters_recommendation() -> None:
    rec = advise(CPU, environment=PY314)
    assert rec.executor is not Executor.INTERPRETERS
    assert not any("sub-interpreters" in w.message for w in rec.warnings)


def test_vetoed_when_unpicklable_or_on_one_cpu() -> None:
    for profile in ({**CPU, "picklable": False}, {**CPU, "cpus": 1}):
        rec = advise(profile, environment=PY314)
        item = next(i for i in rec.ranking if i.executor is Executor.INTERPRETERS)
        assert not item.viable and item.vetoed_by


def test_start_up_larger_than_the_gain_counts_against_them() -> None:
    rec = advise({"workload": "cpu", "tasks": 8, "task_seconds": 0.001}, environment=PY314)
    ca507 = next(r for r in rec.reasons if r.rule_id == "CA507")
    assert ca507.effects == ("interpreters -3",)
    assert rec.executor is not Executor.INTERPRETERS


# --- cost formula ------------------------------------------------------------------------


@given(
    tasks=st.integers(1, 10_000),
    task_seconds=st.floats(1e-7, 10.0),
    cpu_fraction=st.floats(0.0, 1.0),
    payload=st.integers(0, 10**8),
    cpus=st.integers(1, 64),
    include_startup=st.booleans(),
)
def test_formula_never_beats_its_workers(
    tasks: int,
    task_seconds: float,
    cpu_fraction: float,
    payload: int,
    cpus: int,
    include_startup: bool,
) -> None:
    profile = TaskProfile(
        workload="mixed",
        tasks=tasks,
        task_seconds=task_seconds,
        cpu_fraction=cpu_fraction,
        payload_bytes=payload,
    )
    env = Environment.example(python_version=(3, 14, 0), cpus=cpus, logical_cpus=cpus)
    x = Inputs.build(
        profile=profile,
        environment=env,
        threads=cpus,
        processes=cpus,
        concurrency=cpus,
        include_startup=include_startup,
    )
    p = interpreter_seconds(x, DEFAULT_COSTS)
    assert p.executor is Executor.INTERPRETERS
    assert p.workers == min(cpus, tasks)
    assert p.seconds >= p.ideal_seconds > 0
    assert p.speedup <= p.workers * (1 + 1e-9)
    assert (p.startup_seconds > 0) is include_startup


# --- snippet -----------------------------------------------------------------------------


def _snippet() -> str:
    request = SnippetRequest(None, 2, None, 8, "cpu", True, None)
    return spec(Executor.INTERPRETERS).snippet(request)


def test_snippet_is_a_guarded_module_level_program() -> None:
    script = _snippet()
    compile(script, "<interpreters snippet>", "exec")
    assert "InterpreterPoolExecutor(max_workers=2)" in script
    assert 'if __name__ == "__main__":' in script


@pytest.mark.slow
@needs_pool
def test_snippet_runs(tmp_path: Path) -> None:
    path = tmp_path / "snippet.py"
    path.write_text(_snippet(), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "8 results"


# --- the probe's runner ------------------------------------------------------------------


def _setup(target: str, tasks: int = 8) -> RunnerSetup:
    plan = make_plan(0.001, 1.0, is_async=False, cpus=2, time_left=5.0, tasks=tasks)
    from concadvisor.probing.targets import load_callable

    func = load_callable(target, str(ROOT))
    return RunnerSetup(func, False, plan, target, str(ROOT), list(sys.path), "forkserver")


def test_a_file_target_is_located_by_path_and_a_module_target_by_name() -> None:
    by_file = target_location(_setup("tests/probe_targets/workloads.py:cpu"))
    assert by_file[1] == str(ROOT / "tests" / "probe_targets" / "workloads.py")
    assert by_file[2] == ("cpu",)
    by_module = target_location(_setup("json:dumps"))
    assert by_module[:3] == ("json", None, ("dumps",))


@pytest.mark.skipif(HAS_POOL, reason="checks the pre-3.14 refusal")
def test_runner_refuses_to_start_without_the_pool() -> None:
    runner = Interpreters.from_setup(_setup("tests/probe_targets/workloads.py:cpu"))
    with pytest.raises(TrialError, match=r"needs Python 3\.14"):
        runner.start()


@needs_pool
def test_runner_runs_a_batch_in_sub_interpreters() -> None:
    runner = Interpreters.from_setup(_setup("tests/probe_targets/workloads.py:cpu"))
    try:
        assert runner.start() > 0
        trial = runner.run([((1000,), {})] * 8)
    finally:
        runner.close()
    assert trial.wall > 0 and trial.cpu > 0


@needs_pool
def test_an_extension_refusing_sub_interpreters_is_a_clear_failure() -> None:
    runner = Interpreters.from_setup(_setup("tests/probe_targets/subinterpreters.py:square_sum"))
    try:
        with pytest.raises(TrialError, match="readline does not support loading in subinterp"):
            runner.start()
    finally:
        runner.close()


@needs_pool
def test_an_unshareable_argument_fails_the_trial_not_the_runner() -> None:
    import threading

    runner = Interpreters.from_setup(_setup("tests/probe_targets/workloads.py:cpu"))
    try:
        runner.start()
        with pytest.raises(TrialError, match="NotShareableError"):
            runner.run([((threading.Lock(),), {})])
    finally:
        runner.close()


# --- end to end, through the CLI ---------------------------------------------------------


def _probe(target: str, *extra: str) -> subprocess.CompletedProcess[str]:
    # 15 s: on a loaded 2-core machine a forkserver pool alone took 3 s to start.
    return subprocess.run(
        [sys.executable, "-m", "concadvisor", "probe", target, "--budget", "15", *extra],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=90,
        check=False,
    )


def _rows(proc: subprocess.CompletedProcess[str]) -> dict[str, dict[str, object]]:
    import json

    assert proc.returncode == 0, proc.stderr
    return {row["executor"]: row for row in json.loads(proc.stdout)["results"]}


@pytest.mark.slow
@pytest.mark.skipif(HAS_POOL, reason="checks the pre-3.14 skip")
def test_probe_skips_interpreters_with_the_reason_in_text_and_json() -> None:
    rows = _rows(_probe("tests/probe_targets/workloads.py:add", "--args", "[1, 2]", "--json"))
    assert rows["interpreters"]["status"] == "skipped"
    assert rows["interpreters"]["reason"] == (
        "needs Python 3.14+ (concurrent.futures.InterpreterPoolExecutor)"
    )
    text = _probe("tests/probe_targets/workloads.py:add", "--args", "[1, 2]")
    assert text.returncode == 0, text.stderr
    assert "interpreters" in text.stdout and "needs Python 3.14+" in text.stdout


@pytest.mark.slow
@needs_pool
def test_probe_measures_interpreters() -> None:
    rows = _rows(_probe("tests/probe_targets/workloads.py:cpu", "--args", "[20000]", "--json"))
    row = rows["interpreters"]
    assert row["status"] == "ok", row
    assert isinstance(row["startup_seconds"], float) and row["startup_seconds"] > 0
    assert row["workers"] == rows["processes"]["workers"]


@pytest.mark.slow
@needs_pool
def test_probe_reports_an_extension_refusing_sub_interpreters() -> None:
    rows = _rows(_probe("tests/probe_targets/subinterpreters.py:square_sum", "--json"))
    assert rows["serial"]["status"] == "ok"
    assert rows["interpreters"]["status"] == "failed"
    assert "readline does not support loading in subinterpreters" in str(
        rows["interpreters"]["reason"]
    )


def test_mutable_shared_state_counts_against_interpreters_only_where_they_exist() -> None:
    profile = {**CPU, "shared_state": "mutable"}
    old = next(r for r in advise(profile, environment=PY311).reasons if r.rule_id == "CA602")
    new = next(r for r in advise(profile, environment=PY314).reasons if r.rule_id == "CA602")
    assert old.effects == ("processes -2",)
    assert new.effects == ("processes -2", "interpreters -2")
