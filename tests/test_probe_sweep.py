"""The probe's width sweep: the scaling model, the ladder, the caps, the report and display."""

from __future__ import annotations

import io
import itertools
import json
import os
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from concadvisor import Environment, Executor, advise
from concadvisor.advice import at_measured_width
from concadvisor.probing import protocol as p
from concadvisor.probing._sweep import SweepSettings, run_sweep
from concadvisor.probing.display import render_report
from concadvisor.probing.executors import RunnerSetup
from concadvisor.probing.inference import infer_profile
from concadvisor.probing.planning import (
    SWEEP_ASYNC_CAP,
    SWEEP_PROCESS_CPU_FACTOR,
    SWEEP_ROUNDS,
    SWEEP_THREAD_CAP,
    make_plan,
    sweep_cap,
    sweep_tasks,
)
from concadvisor.probing.report import ProbeReport, build_report
from concadvisor.probing.scaling import (
    FLAT_GAIN,
    ScalingFit,
    best_width,
    fit_usl,
    geometric_widths,
    next_width,
)
from concadvisor.probing.session import Measurements
from concadvisor.probing.sweep_result import best_point, sweep_points

# --- the scaling model ------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    lam=st.floats(1.0, 1e5),
    sigma=st.floats(0.0, 0.5),
    kappa=st.floats(0.0, 0.02),
    top=st.integers(3, 9),
)
def test_the_usl_fit_recovers_the_law_from_exact_points(
    lam: float, sigma: float, kappa: float, top: int
) -> None:
    truth = ScalingFit(lam, sigma, kappa)
    widths = [2**i for i in range(top)]
    fit = fit_usl([(w, truth.throughput(w)) for w in widths])
    assert fit is not None
    assert fit.lam == pytest.approx(lam)
    for width in [*widths, 3 * widths[-1]]:  # measured, and interpolated beyond them
        assert fit.throughput(width) == pytest.approx(truth.throughput(width), rel=1e-6)


@given(
    lam=st.floats(1.0, 1e4),
    sigma=st.floats(0.01, 0.5),
    kappa=st.floats(1e-4, 0.02),
)
def test_the_peak_of_the_law_is_where_throughput_is_highest(
    lam: float, sigma: float, kappa: float
) -> None:
    fit = ScalingFit(lam, sigma, kappa)
    peak = fit.peak_width()
    best = max(range(1, 2000), key=fit.throughput)
    assert abs(best - peak) <= 1


def test_linear_growth_is_fitted_as_no_contention() -> None:
    fit = fit_usl([(1, 10.0), (2, 20.0), (4, 40.0), (8, 80.0)])
    assert fit is not None
    assert fit.sigma == pytest.approx(0.0, abs=1e-9) and fit.kappa == pytest.approx(0.0, abs=1e-9)
    assert fit.peak_width() == float("inf")


def test_no_fit_without_width_one_and_another() -> None:
    assert fit_usl([]) is None
    assert fit_usl([(2, 5.0), (4, 9.0)]) is None
    assert fit_usl([(1, 5.0)]) is None


@given(st.integers(1, 5000))
def test_widths_are_geometric_and_end_at_the_cap(cap: int) -> None:
    widths = geometric_widths(cap)
    assert widths[0] == 1 and widths[-1] == cap
    for low, high in itertools.pairwise(widths):
        assert low < high <= 2 * low


def _climb(throughput: ScalingFit, cap: int) -> list[int]:
    """The widths the ladder measures on exact data."""
    points: list[tuple[int, float]] = []
    while (width := next_width(points, cap)) is not None:
        assert all(width != w for w, _ in points), "a width measured twice"
        points.append((width, throughput.throughput(width)))
    return [w for w, _ in points]


@given(cap=st.integers(1, 1024))
def test_linear_scaling_climbs_to_the_cap(cap: int) -> None:
    assert _climb(ScalingFit(10.0, 0.0, 0.0), cap) == geometric_widths(cap)


@given(sigma=st.floats(0.0, 0.9), kappa=st.floats(0.0, 0.05), cap=st.integers(1, 1024))
def test_the_ladder_stays_within_the_cap_and_is_geometric(
    sigma: float, kappa: float, cap: int
) -> None:
    widths = _climb(ScalingFit(10.0, sigma, kappa), cap)
    assert widths[0] == 1
    assert max(widths) <= cap
    for low, high in itertools.pairwise(widths):
        assert low < high <= 2 * low


def test_the_ladder_stops_once_throughput_falls() -> None:
    # peak near 10: throughput falls past it, so the ladder never reaches the cap of 256
    widths = _climb(ScalingFit(10.0, 0.0, 0.01), 256)
    assert widths[-1] < 64
    assert next_width([(1, 10.0), (2, 10.0)], 256) is None  # flat: doubling gained nothing
    gain = 1 + FLAT_GAIN / 2
    assert next_width([(1, 10.0), (2, 10.0 * gain)], 256) is None


def test_best_width_is_a_measured_width() -> None:
    assert best_width([(1, 1.0), (2, 3.0), (4, 3.0), (8, 2.0)]) == 2  # narrowest of equals
    assert best_width([]) is None


# --- caps and round sizes ---------------------------------------------------------------


@given(
    executor=st.sampled_from(["threads", "processes", "asyncio", "serial"]),
    cpus=st.integers(1, 64),
    tasks=st.none() | st.integers(1, 10_000),
)
def test_sweep_caps_hold_the_executor_caps_and_the_tasks(
    executor: str, cpus: int, tasks: int | None
) -> None:
    cap = sweep_cap(executor, cpus, tasks)
    limit = {
        "threads": SWEEP_THREAD_CAP,
        "processes": SWEEP_PROCESS_CPU_FACTOR * cpus,
        "asyncio": SWEEP_ASYNC_CAP,
        "serial": 1,
    }[executor]
    assert 1 <= cap <= limit
    if tasks is not None:
        assert cap <= tasks


@given(
    width=st.integers(1, 1024),
    task_seconds=st.floats(1e-7, 10.0),
    limit=st.none() | st.integers(1, 10_000),
)
def test_a_sweep_round_has_work_for_every_worker_unless_the_tasks_run_out(
    width: int, task_seconds: float, limit: int | None
) -> None:
    n = sweep_tasks(width, task_seconds, limit)
    if limit is not None:
        assert n <= limit
        assert n >= min(limit, 2 * width)
    else:
        assert n >= 2 * width


# --- the report -------------------------------------------------------------------------


def _io_measurements(sweep: list[tuple[int, float]], tasks: int) -> Measurements:
    """Sleep-like I/O: 50 ms per task, threads measured at 2 in the main rounds."""
    m = Measurements(target="pkg.mod:fetch")
    m.warmup = {
        "task_seconds": 0.05,
        "cpu_share": 0.01,
        "is_async": False,
        "args_bytes": 10,
        "result_bytes": 10,
        "args_pickle_error": None,
        "result_pickle_error": None,
        "func_pickle_error": None,
    }
    m.plan = {"tasks": 4, "rounds": 3, "threads": 2, "processes": 2, "asyncio": 4}
    for name, wall in (("serial", 0.2), ("threads", 0.1), ("processes", 0.11), ("asyncio", 0.2)):
        m.records[name].walls = [wall] * 3
        m.records[name].cpus = [0.002] * 3
    for width, throughput in sweep:
        n = min(tasks, 2 * width)
        m.records["threads"].sweep += [(width, None, n, n / throughput)] * 3
    return m


def _report(sweep: list[tuple[int, float]], tasks: int = 100) -> ProbeReport:
    m = _io_measurements(sweep, tasks)
    profile = infer_profile(m, cpus=2, start_method="fork", free_threaded=False, tasks=tasks)
    return build_report(m, profile, advise(profile), budget=5.0, overrides=[])


def test_the_recommendation_takes_the_best_measured_width_for_the_tasks() -> None:
    report = _report([(1, 20.0), (2, 40.0), (4, 80.0), (8, 150.0), (16, 140.0)], tasks=100)
    rec = report.recommendation
    assert rec.executor is Executor.THREADS
    assert rec.profile.tasks == 100
    assert rec.workers == 8
    assert "ThreadPoolExecutor(max_workers=8)" in rec.snippet
    assert rec.summary.startswith("Use a thread pool of 8 (best width measured)")
    assert report.extrapolated["workers"] is False
    threads = next(r for r in report.results if r.executor is Executor.THREADS)
    assert threads.best_width == 8
    assert not threads.extrapolated
    assert [p.width for p in threads.sweep] == [1, 2, 4, 8, 16]
    data = json.loads(report.model_dump_json())
    row = next(r for r in data["results"] if r["executor"] == "threads")
    assert {"sweep", "best_width", "extrapolated"} <= set(row)
    assert {"width", "chunksize", "median", "spread"} <= set(row["sweep"][0])
    assert set(data["extrapolated"]) == {"tasks", "workers", "chunksize"}


def test_without_a_sweep_an_unmeasured_width_is_marked_extrapolated() -> None:
    report = _report([], tasks=100)
    assert report.recommendation.workers != 2  # advice wants more than the 2 measured
    assert report.extrapolated["workers"] is True
    assert report.verdict == "inconclusive"
    threads = next(r for r in report.results if r.executor is Executor.THREADS)
    assert threads.extrapolated and threads.sweep == [] and threads.best_width is None


def test_no_width_beyond_the_tasks_is_recommended() -> None:
    report = _report([(1, 20.0), (2, 40.0), (4, 80.0), (8, 160.0)], tasks=5)
    assert report.recommendation.workers <= 5


def test_a_measured_chunksize_reaches_the_snippet() -> None:
    # a GIL build: on a free-threaded one, threads rightly win CPU work
    rec = advise({"workload": "cpu", "tasks": 100}, environment=Environment.example(cpus=2))
    assert rec.executor is Executor.PROCESSES
    assert rec.chunksize is not None  # planned
    measured = at_measured_width(rec, 4, 7, "best width measured")
    assert (measured.workers, measured.chunksize) == (4, 7)
    assert "ProcessPoolExecutor(max_workers=4)" in measured.snippet
    assert "chunksize=7" in measured.snippet


def test_asyncio_never_recommends_a_limit_slower_than_unbounded() -> None:
    m = Measurements(target="pkg.mod:f")
    record = m.records["asyncio"]
    record.sweep = [(1, None, 2, 0.1), (4, None, 8, 0.1), (16, None, 32, 0.1), (0, None, 64, 0.1)]
    points = sweep_points(record)
    assert [p.width for p in points] == [1, 4, 16, 0]  # unbounded last
    best = best_point(points, 64)
    assert best is not None and best.width == 0
    record.sweep[-1] = (0, None, 64, 1.0)  # unbounded slower: a limit wins
    best = best_point(sweep_points(record), 64)
    assert best is not None and best.width == 16


def test_the_probe_table_fits_80_columns_without_truncating_a_number() -> None:
    widths = [2**i for i in range(9)]
    report = _report([(w, 20.0 * w) for w in widths], tasks=5000)
    for console in (
        Console(file=io.StringIO(), width=80, color_system=None),
        Console(file=io.StringIO(), width=80, color_system=None, force_terminal=True),
    ):
        render_report(console, report)
        text = console.file.getvalue()  # type: ignore[attr-defined]
        lines = text.splitlines()
        assert max(len(line) for line in lines) <= 80
        assert "…" not in text
        assert "width sweep" in text
        assert "256:5.12k*" in text


# --- the sweep itself, in this process (threads only: no child process) -----------------


def _sleep_task(seconds: float = 0.005) -> float:
    time.sleep(seconds)
    return seconds


def _run_sweep(tasks: int, seconds_left: float) -> list[p.Event]:
    plan = make_plan(0.005, 0.0, is_async=False, cpus=2, time_left=1.0)
    settings_ = SweepSettings(
        runner=RunnerSetup(
            func=_sleep_task,
            is_async=False,
            plan=plan,
            spec="tests.test_probe_sweep:_sleep_task",
            cwd=".",
            sys_path=[],
            start_method="fork",
        ),
        cpus=2,
        task_seconds=0.005,
        limit=tasks,
        tasks=tasks,
    )
    read, write = os.pipe()
    try:
        writer = p.EventWriter(write, "s" * 32)
        deadline = time.monotonic() + seconds_left
        run_sweep(writer, settings_, ["serial", "threads"], [((), {})], deadline)
        os.close(write)
        data = b""
        while chunk := os.read(read, 1 << 16):
            data += chunk
    finally:
        os.close(read)
    return p.EventReader("s" * 32).feed(data)


def test_the_sweep_climbs_geometrically_to_the_tasks_and_measures_each_width_thrice() -> None:
    events = _run_sweep(tasks=16, seconds_left=60.0)
    done = [e for e in events if isinstance(e, p.SweepTrialDone)]
    assert {e.executor for e in done} == {"threads"}  # serial has no width
    widths = sorted({e.width for e in done})
    assert widths[0] == 1 and max(widths) <= 16
    for low, high in itertools.pairwise(widths):
        assert low < high <= 2 * low
    for width in widths:
        trials = [e for e in done if e.width == width]
        assert len(trials) == SWEEP_ROUNDS
        assert all(e.tasks <= 16 for e in trials)
    starts = [e for e in events if isinstance(e, p.SweepTrialStarted)]
    assert len(starts) == len(done)


def test_a_sweep_without_time_stops_and_says_which_budget_would_do() -> None:
    events = _run_sweep(tasks=16, seconds_left=0.0)
    assert not [e for e in events if isinstance(e, p.SweepTrialDone)]
    notes = [e.text for e in events if isinstance(e, p.SweepNote)]
    assert any("more --budget would measure it" in note for note in notes)


def test_fastest_compares_each_executor_at_its_best_measured_width() -> None:
    # Main rounds at the planned widths: processes (0.08 s) ahead of threads (0.1 s); the
    # sweep measured threads x 8 at 150 tasks/s, far beyond either per task.
    m = _io_measurements([(1, 20.0), (2, 40.0), (4, 80.0), (8, 150.0), (16, 140.0)], 100)
    m.records["processes"].walls = [0.08] * 3
    profile = infer_profile(m, cpus=2, start_method="fork", free_threaded=False, tasks=100)
    report = build_report(m, profile, advise(profile), budget=5.0, overrides=[])
    assert report.fastest is Executor.THREADS
    threads = next(r for r in report.results if r.executor is Executor.THREADS)
    assert threads.best_workers == 8
    assert threads.best_speedup is not None and threads.speedup is not None
    assert threads.best_speedup > threads.speedup  # per task at 8, not per round at 2
    processes = next(r for r in report.results if r.executor is Executor.PROCESSES)
    assert processes.best_workers == 2  # not swept: its main rounds are its best
