"""Unit tests of the probe's pure parts: statistics, planning, verdict, targets, inference."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from concadvisor import Executor, advise
from concadvisor.environment import Environment
from concadvisor.errors import TargetError
from concadvisor.probing import probe_target
from concadvisor.probing.executors import TrialError
from concadvisor.probing.inference import TASKS_ASSUMED, infer_profile, workload_tasks
from concadvisor.probing.planning import MAX_ROUNDS, estimate_trials, make_plan, trial_timeout
from concadvisor.probing.report import build_report
from concadvisor.probing.session import Measurements
from concadvisor.probing.stats import mad, median, spread, summarize, within_noise
from concadvisor.probing.targets import load_callable, spec_for_callable
from concadvisor.probing.verdict import Measured, decide, width_measured
from concadvisor.targetspec import parse_target

#: What the advice in these tests assumes, whatever interpreter runs them.
GIL_2CPUS = Environment.example(cpus=2, logical_cpus=2)

# --- statistics ------------------------------------------------------------------------


def test_median_and_mad_on_fixed_data() -> None:
    data = [1.0, 2.0, 3.0, 4.0, 100.0]
    assert median(data) == 3.0
    assert mad(data) == 1.0  # |deviations| = 2, 1, 0, 1, 97 -> median 1
    assert spread(data) == pytest.approx(1.4826)


def test_spread_falls_back_to_half_range_when_mad_is_zero() -> None:
    assert spread([1.0, 1.0, 1.2]) == pytest.approx(0.1)


def test_spread_of_too_few_rounds_is_assumed_large() -> None:
    assert spread([2.0]) == pytest.approx(0.5)
    assert spread([1.0, 3.0]) == pytest.approx(0.5)


def test_median_of_nothing_raises() -> None:
    with pytest.raises(ValueError, match="no values"):
        median([])


def test_within_noise() -> None:
    tight_fast = summarize([0.50, 0.51, 0.49, 0.50, 0.50])
    tight_slow = summarize([1.00, 1.01, 0.99, 1.00, 1.02])
    assert not within_noise(tight_fast, tight_slow)
    close = summarize([0.51, 0.52, 0.50, 0.51, 0.51])
    assert within_noise(tight_fast, close)  # 2% apart: below the minimum effect
    wide = summarize([0.4, 0.9, 0.6, 1.2, 0.5])
    assert within_noise(wide, summarize([0.8, 0.82, 0.81]))
    assert summarize([1.0, 1.1, 0.9]).relative_spread == pytest.approx(0.14826, rel=1e-3)


# --- planning --------------------------------------------------------------------------


@pytest.mark.parametrize("task_seconds", [1e-6, 1e-4, 0.005, 0.05, 0.5])
@pytest.mark.parametrize("cpu_share", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("cpus", [1, 2, 8])
def test_plan_invariants(task_seconds: float, cpu_share: float, cpus: int) -> None:
    plan = make_plan(task_seconds, cpu_share, is_async=False, cpus=cpus, time_left=5.0)
    widest = max(plan.threads, plan.processes)
    assert plan.tasks >= 2 * plan.processes
    assert plan.tasks >= 2 * widest or plan.threads == cpus
    assert 1 <= plan.rounds <= MAX_ROUNDS
    assert plan.processes == cpus
    assert plan.chunksize >= 1
    assert set(plan.estimates) == {
        "serial",
        "threads",
        "processes",
        "asyncio",
        "interpreters",
        "dask",
    }


def test_plan_respects_tasks_and_workers() -> None:
    plan = make_plan(0.01, 1.0, is_async=False, cpus=4, time_left=5.0, tasks=7, workers=3)
    assert (plan.tasks, plan.threads, plan.processes, plan.asyncio) == (7, 3, 3, 3)


def test_plan_shrinks_the_batch_to_fit_the_budget() -> None:
    roomy = make_plan(0.001, 1.0, is_async=False, cpus=2, time_left=10.0)
    tight = make_plan(0.001, 1.0, is_async=False, cpus=2, time_left=0.3)
    assert tight.tasks < roomy.tasks
    assert tight.tasks >= 4


def test_plan_caps_the_batch_at_the_inputs() -> None:
    plan = make_plan(0.001, 1.0, is_async=False, cpus=2, time_left=10.0, inputs=8)
    assert plan.tasks == 8


def test_estimates_model_the_executors() -> None:
    io = estimate_trials(32, 0.01, 0.0, is_async=False, cpus=2)
    assert io["serial"] == pytest.approx(0.32)
    assert io["threads"] == pytest.approx(0.32 / 16)
    assert io["asyncio"] == pytest.approx(0.32)  # sync target blocks the loop
    coro = estimate_trials(32, 0.01, 0.0, is_async=True, cpus=2)
    assert coro["asyncio"] == pytest.approx(0.01)
    cpu = estimate_trials(8, 0.01, 1.0, is_async=False, cpus=2)
    assert cpu["threads"] == pytest.approx(0.08)
    assert cpu["processes"] < cpu["serial"]


def test_trial_timeout_is_generous() -> None:
    assert trial_timeout(0.0) == 1.0
    assert trial_timeout(0.5) == 4.0
    assert trial_timeout(0.1, previous=1.0) == 8.0


# --- verdict ---------------------------------------------------------------------------


def _m(
    name: str,
    walls: list[float] | None,
    serial: float = 1.0,
    cpu: float = 1.0,
    status: str = "ok",
    reason: str | None = None,
) -> Measured:
    if walls is None:
        return Measured(name, status, reason, None, None, None)
    summary = summarize(walls)
    return Measured(name, status, reason, summary, serial / summary.median, cpu)


def _results(
    threads: list[float], processes: list[float], threads_cpu: float = 1.0
) -> list[Measured]:
    return [
        _m("serial", [1.0, 1.01, 0.99, 1.0, 1.0]),
        _m("threads", threads, cpu=threads_cpu),
        _m("processes", processes, cpu=1.9),
        _m("asyncio", [1.0, 1.02, 1.0, 0.99, 1.0]),
    ]


def test_verdict_confirmed_when_recommended_is_fastest() -> None:
    results = _results([1.0, 1.0, 1.01, 0.99, 1.0], [0.52, 0.53, 0.51, 0.52, 0.52])
    decision = decide(results, "processes")
    assert (decision.verdict, decision.fastest, decision.fastest_clear) == (
        "confirmed",
        "processes",
        True,
    )


def test_verdict_contradicted_names_the_measured_reason() -> None:
    results = _results([0.52, 0.53, 0.51, 0.52, 0.52], [1.0, 1.0, 1.01, 0.99, 1.0], 1.9)
    decision = decide(results, "processes", workload="cpu")
    assert decision.verdict == "contradicted"
    assert decision.fastest == "threads"
    assert "threads ran 1.9x faster than serial" in decision.reason
    assert "releases the GIL" in decision.reason


def test_verdict_confirmed_within_noise_of_fastest() -> None:
    results = _results([0.51, 0.52, 0.50, 0.52, 0.51], [0.50, 0.51, 0.50, 0.52, 0.50])
    decision = decide(results, "threads")
    assert decision.verdict == "confirmed"
    assert decision.fastest == "processes"
    assert not decision.fastest_clear


def test_verdict_inconclusive_when_noise_rules() -> None:
    results = _results([0.3, 0.9, 0.5, 0.7, 0.4], [0.5, 0.35, 0.9, 0.6, 0.45])
    decision = decide(results, "threads")
    assert decision.verdict == "inconclusive"
    assert "noisy" in decision.reason


def test_verdict_when_recommended_cannot_be_measured() -> None:
    results = _results([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])
    results[2] = _m("processes", None, status="skipped", reason="the result cannot be pickled")
    assert decide(results, "processes").verdict == "inconclusive"
    results[2] = _m("processes", None, status="timeout", reason="did not finish a round")
    decision = decide(results, "processes")
    assert decision.verdict == "contradicted"
    assert "timed out" in decision.reason


def test_verdict_with_nothing_measured() -> None:
    results = [_m("serial", None, status="failed", reason="ValueError: boom")] + [
        _m(name, None, status="skipped") for name in ("threads", "processes", "asyncio")
    ]
    decision = decide(results, "serial")
    assert decision.verdict == "inconclusive"
    assert decision.fastest is None
    assert "ValueError: boom" in decision.reason


def _widths(results: list[Measured], **workers: int) -> list[Measured]:
    return [
        Measured(
            r.executor,
            r.status,
            r.reason,
            r.summary,
            r.speedup,
            r.cpu_use,
            workers.get(r.executor, 1),
        )
        for r in results
    ]


def test_verdict_is_not_confirmed_for_a_width_that_was_not_measured() -> None:
    results = _widths(
        _results([0.2, 0.2, 0.21, 0.2, 0.2], [0.6, 0.6, 0.6, 0.61, 0.6]), threads=2, processes=2
    )
    assert decide(results, "threads", recommended_workers=2).verdict == "confirmed"
    decision = decide(results, "threads", recommended_workers=50)
    assert decision.verdict == "inconclusive"
    assert "recommended width not measured" in decision.reason
    assert "threads ran with 2 workers, the recommendation is 50" in decision.reason
    assert "confirmed" not in decision.reason
    # a failure contradicts the executor at any width
    results[1] = Measured("threads", "failed", "RuntimeError: x", None, None, None, 2)
    assert decide(results, "threads", recommended_workers=50).verdict == "contradicted"


_WALLS = st.lists(st.floats(min_value=0.01, max_value=2.0), min_size=3, max_size=5)


@given(
    walls=st.tuples(_WALLS, _WALLS, _WALLS, _WALLS),
    widths=st.tuples(*(st.integers(1, 64) for _ in range(3))),
    recommended=st.sampled_from(list(Executor)[:4]),
    recommended_workers=st.integers(1, 64),
)
def test_verdict_confirms_only_what_was_measured(
    walls: tuple[list[float], ...],
    widths: tuple[int, int, int],
    recommended: Executor,
    recommended_workers: int,
) -> None:
    serial = summarize(walls[0]).median
    names = ("serial", "threads", "processes", "asyncio")
    results = [
        Measured(name, "ok", None, summarize(w), serial / summarize(w).median, 1.0, width)
        for name, w, width in zip(names, walls, (1, *widths), strict=True)
    ]
    decision = decide(results, recommended.value, recommended_workers=recommended_workers)
    chosen = results[names.index(recommended.value)]
    if decision.verdict == "confirmed":
        assert width_measured(chosen, recommended_workers)
    if not width_measured(chosen, recommended_workers):
        assert decision.verdict == "inconclusive"
        assert "recommended width not measured" in decision.reason
    assert decision.fastest == min(results, key=lambda r: _median(r)).executor


def _median(result: Measured) -> float:
    assert result.summary is not None
    return result.summary.median


# --- targets ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nocolon", "expected MODULE:FUNCTION"),
        (":func", "module part"),
        ("mod:", "is not a name"),
        ("mod:1func", "is not a name"),
        ("bad-module:func", "neither a dotted module"),
    ],
)
def test_parse_target_rejects(spec: str, message: str) -> None:
    with pytest.raises(TargetError, match=message):
        parse_target(spec)


def test_parse_target_accepts_files_and_methods() -> None:
    assert parse_target("pkg/mod.py:Class.method").is_path
    spec = parse_target("pkg.mod:Class.method")
    assert (spec.module, spec.qualname, spec.is_path) == ("pkg.mod", "Class.method", False)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("tests.probe_targets.nope:func", "cannot import 'tests.probe_targets.nope'"),
        ("tests.probe_targets.broken_import:f", "RuntimeError: this module refuses"),
        ("tests.probe_targets.workloads:nothing", "has no attribute 'nothing'"),
        ("tests.probe_targets.workloads:NOT_CALLABLE", "is not callable"),
        ("tests/probe_targets/missing.py:f", "no such file"),
    ],
)
def test_load_callable_errors(spec: str, message: str) -> None:
    with pytest.raises(TargetError, match=message):
        load_callable(spec)


def test_load_callable_method_and_file() -> None:
    assert load_callable("tests.probe_targets.workloads:Jobs.double")(3) == 6
    assert load_callable("tests/probe_targets/workloads.py:add")(2, 3) == 5


def test_spec_for_callable() -> None:
    cpu = load_callable("tests.probe_targets.workloads:cpu")
    double = load_callable("tests.probe_targets.workloads:Jobs.double")
    assert spec_for_callable(cpu) == "tests.probe_targets.workloads:cpu"
    assert spec_for_callable(double) == "tests.probe_targets.workloads:Jobs.double"
    with pytest.raises(TargetError, match="lambdas and nested functions"):
        spec_for_callable(lambda: None)


# --- inference -------------------------------------------------------------------------


def _measurements(
    serial: list[float],
    serial_cpu: list[float],
    threads: list[float],
    threads_cpu: list[float],
    is_async: bool = False,
) -> Measurements:
    m = Measurements(target="pkg.mod:work", is_async=is_async)
    m.warmup = {
        "task_seconds": 0.01,
        "cpu_share": 1.0,
        "is_async": is_async,
        "args_bytes": 40,
        "result_bytes": 60,
        "args_pickle_error": None,
        "result_pickle_error": None,
        "func_pickle_error": None,
    }
    m.plan = {"tasks": 10, "rounds": 3}
    m.records["serial"].walls, m.records["serial"].cpus = serial, serial_cpu
    m.records["threads"].walls, m.records["threads"].cpus = threads, threads_cpu
    return m


def test_infer_cpu_work_that_releases_the_gil() -> None:
    m = _measurements([0.1] * 3, [0.1] * 3, [0.052] * 3, [0.1] * 3)
    profile = infer_profile(m, cpus=2, start_method="fork", free_threaded=False)
    assert profile.workload == "cpu"
    assert profile.releases_gil
    assert profile.payload_bytes == 100
    assert profile.tasks == TASKS_ASSUMED  # not the round's 10 tasks
    assert profile.task_seconds == pytest.approx(0.01)
    assert profile.name == "work"


def test_infer_io_work_and_async() -> None:
    m = _measurements([0.1] * 3, [0.002] * 3, [0.01] * 3, [0.002] * 3, is_async=True)
    profile = infer_profile(m, cpus=2, start_method="spawn", free_threaded=False)
    assert profile.workload == "io"
    assert not profile.releases_gil
    assert profile.async_libraries
    assert profile.already_async
    assert profile.cpu_fraction == pytest.approx(0.02)
    assert profile.start_method == "spawn"


def test_infer_leaves_asyncio_run_overhead_out_of_the_cpu_share() -> None:
    m = _measurements([0.1] * 3, [0.006] * 3, [0.01] * 3, [0.006] * 3, is_async=True)
    assert m.warmup is not None
    # asyncio.run() costs 0.4 ms of CPU per call, 0.5 ms of wall: 10 calls per round.
    m.warmup.update(loop_cpu_seconds=0.0004, loop_wall_seconds=0.0005)
    profile = infer_profile(m, cpus=2, start_method="fork", free_threaded=False)
    assert profile.cpu_fraction == pytest.approx(0.002 / 0.095, abs=1e-4)
    assert profile.task_seconds == pytest.approx(0.01)  # serial really pays it


def test_infer_keeps_defaults_and_applies_overrides() -> None:
    m = _measurements([0.1] * 3, [0.05] * 3, [0.1] * 3, [0.05] * 3)
    profile = infer_profile(
        m,
        cpus=1,
        start_method="fork",
        free_threaded=False,
        overrides={"refactor_tolerance": "high", "shared_state": "read_only"},
    )
    assert profile.workload == "mixed"
    assert not profile.releases_gil  # one CPU: cannot be seen
    assert profile.refactor_tolerance == "high"
    assert profile.shared_state == "read_only"
    assert math.isclose(profile.cpu_fraction or 0, 0.5)


@given(tasks=st.integers(1, 10**7) | st.none(), batch=st.integers(1, 4096) | st.none())
def test_workload_tasks_is_the_users_count_or_an_assumption(
    tasks: int | None, batch: int | None
) -> None:
    count, assumed = workload_tasks(tasks, batch)
    assert assumed is (tasks is None)
    if tasks is not None:
        assert count == tasks
    else:
        assert count >= TASKS_ASSUMED
        assert count >= (batch or 0)


def _cpu_measurements(task_seconds: float, batch: int) -> Measurements:
    """Pure-Python CPU work measured in a round of ``batch`` tasks."""
    wall = task_seconds * batch
    m = _measurements([wall] * 3, [wall] * 3, [wall] * 3, [wall] * 3)
    assert m.warmup is not None and m.plan is not None
    m.warmup["task_seconds"] = task_seconds
    m.plan.update(tasks=batch, threads=batch, processes=2, asyncio=batch)
    m.records["processes"].walls = [wall / 1.9] * 3
    m.records["processes"].cpus = [wall / 1.9 * 1.9] * 3
    m.records["asyncio"].walls, m.records["asyncio"].cpus = [wall] * 3, [wall] * 3
    return m


def test_a_short_round_does_not_talk_cpu_work_into_serial() -> None:
    """The regression: 12 tasks of 4 ms per round made CA702 recommend serial."""
    m = _cpu_measurements(0.004, 12)
    profile = infer_profile(m, cpus=2, start_method="fork", free_threaded=False)
    assert profile.tasks == TASKS_ASSUMED
    recommendation = advise(profile, environment=GIL_2CPUS)
    assert recommendation.executor is Executor.PROCESSES
    report = build_report(m, profile, recommendation, budget=3.0, overrides=[], tasks_assumed=True)
    assert report.tasks_assumed is True
    assert report.extrapolated == {"tasks": True, "workers": False, "chunksize": True}
    assert report.fastest is Executor.PROCESSES
    assert report.verdict == "confirmed", report.verdict_reason


def test_the_users_task_count_decides_and_is_not_assumed() -> None:
    m = _cpu_measurements(0.004, 12)
    profile = infer_profile(m, cpus=2, start_method="fork", free_threaded=False, tasks=1)
    assert profile.tasks == 1
    recommendation = advise(profile, environment=GIL_2CPUS)
    assert recommendation.executor is Executor.SERIAL  # one task: nothing to overlap
    report = build_report(m, profile, recommendation, budget=3.0, overrides=[])
    assert report.tasks_assumed is False
    assert report.extrapolated["tasks"] is True  # a round ran 12


def test_a_function_reached_only_by_name_skips_processes() -> None:
    m = _cpu_measurements(0.004, 12)
    assert m.warmup is not None
    m.warmup["func_pickle_error"] = "AttributeError: Can't pickle local object 'f.<locals>.g'"
    profile = infer_profile(m, cpus=2, start_method="fork", free_threaded=False)
    assert profile.picklable is False
    report = build_report(
        m, profile, advise(profile, environment=GIL_2CPUS), budget=3.0, overrides=[]
    )
    processes = report.results[2]
    assert processes.executor is Executor.PROCESSES
    assert processes.status == "skipped"
    assert processes.reason is not None and "pickled by reference" in processes.reason
    assert processes.wall_seconds is None
    assert report.fastest is not Executor.PROCESSES


def test_nothing_measured_lowers_a_high_confidence() -> None:
    m = Measurements(target="pkg.mod:work")
    m.records["serial"].status, m.records["serial"].reason = "failed", "ValueError: boom"
    for name in ("threads", "processes", "asyncio"):
        m.records[name].status, m.records[name].reason = "skipped", "not measured"
    profile = infer_profile(m, cpus=2, start_method="fork", free_threaded=False)
    recommendation = advise(profile.model_copy(update={"tasks": 1}), environment=GIL_2CPUS)
    assert recommendation.confidence == "high"  # one task: serial, sure of it
    report = build_report(m, profile, recommendation, budget=1.0, overrides=[])
    assert report.recommendation.confidence == "low"
    assert any("confidence lowered from high to low" in note for note in report.notes)
    assert report.verdict == "inconclusive"


def test_trial_error_survives_an_unprintable_exception() -> None:
    class Unprintable(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no str")

    error = TrialError.from_exception(Unprintable())
    assert error.kind == "Unprintable"


def test_probe_target_with_a_missing_directory_is_a_target_error(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="no such directory"):
        probe_target("t:f", cwd=tmp_path / "missing", budget=1)
