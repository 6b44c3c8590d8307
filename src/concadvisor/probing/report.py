"""The probe's result: :class:`ProbeReport` (the contract JSON) and how it is built."""

from __future__ import annotations

import statistics
from dataclasses import replace
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..advice import Recommendation, at_measured_width
from ..environment import available_memory, detect_environment
from ..profile import Executor, TaskProfile
from .inference import free_cpus
from .interpreter import PythonInfo
from .planning import EXECUTORS
from .session import ExecutorRecord, Measurements
from .stats import Summary, summarize
from .sweep_result import SweepPoint, best_point, measured_width, sweep_points
from .usage_report import (
    Contention,
    CpuTime,
    Memory,
    cap_by_memory,
    contention_report,
    cpu_time_report,
    memory_report,
)
from .verdict import (
    PARALLEL_FREE_CPUS,
    Decision,
    Measured,
    Verdict,
    decide,
    under_contention,
    width_measured,
)

__all__ = [
    "FORMAT_VERSION",
    "Comparison",
    "ComparisonSide",
    "ExecutorResult",
    "ProbeReport",
    "Status",
    "build_report",
]

#: Version of the JSON format; bumped when keys change meaning (keys are only ever added).
FORMAT_VERSION = 1

Status = Literal["ok", "failed", "skipped", "timeout"]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class ExecutorResult(BaseModel):
    """One executor's measurement."""

    model_config = _FROZEN

    executor: Executor = Field(description="The executor.")
    status: Status = Field(description="ok, failed (raised or died), skipped, or timeout.")
    wall_seconds: float | None = Field(
        description="Median wall time of one round (the whole batch of tasks)."
    )
    speedup: float | None = Field(description="Serial median divided by this median.")
    reason: str | None = Field(description="Why it is not ok (exception, exit code, skip).")
    spread_seconds: float | None = Field(
        default=None, description="Robust spread of the rounds (1.4826 x MAD)."
    )
    rounds: int = Field(default=0, description="Rounds measured.")
    samples: list[float] = Field(default_factory=list, description="Wall time of each round.")
    per_task_seconds: float | None = Field(
        default=None, description="Median round time divided by the tasks per round."
    )
    cpu_use: float | None = Field(
        default=None, description="CPU seconds per wall second (1.0 = one core busy)."
    )
    startup_seconds: float | None = Field(
        default=None, description="Time to start the pool before the timed rounds."
    )
    workers: int | None = Field(default=None, description="Pool size / concurrency used.")
    exit_code: int | None = Field(
        default=None, description="Exit code (negative: signal) of a process that died."
    )
    note: str | None = Field(default=None, description="How this executor ran the target.")
    predicted_speedup: float | None = Field(
        default=None,
        description="The cost model's speedup for the same batch, pools and workers "
        "(pool start-up excluded, as in the measurement).",
    )
    model_error: float | None = Field(
        default=None, description="predicted_speedup / speedup - 1 (0.1: predicted 10% high)."
    )
    sweep: list[SweepPoint] = Field(
        default_factory=list,
        description="The width sweep: throughput at each width (and chunksize) measured.",
    )
    best_width: int | None = Field(
        default=None,
        description="The swept width of the highest throughput for the tasks (0: asyncio "
        "unbounded); None: not swept.",
    )
    best_chunksize: int | None = Field(
        default=None, description="The chunksize of the best sweep point (processes)."
    )
    sweep_startup_seconds: float | None = Field(
        default=None, description="Time spent starting the sweep's pools (never timed)."
    )
    setup_workers: int | None = Field(
        default=None,
        description="Workers of the main pool the per-worker setup (--setup) ran in, once "
        "each; None: no setup.",
    )
    setup_seconds: float | None = Field(
        default=None,
        description="Total seconds the setup took in those workers (never timed with a "
        "round nor counted in startup_seconds).",
    )
    setup_slowest_seconds: float | None = Field(
        default=None, description="The slowest worker's setup, in seconds."
    )
    sweep_setup_seconds: float | None = Field(
        default=None, description="Seconds the setup took in the sweep's pools (never timed)."
    )
    user_seconds: float | None = Field(
        default=None,
        description="Median user CPU seconds of a round (workers' own included); None: "
        "not told apart from system time.",
    )
    system_seconds: float | None = Field(
        default=None, description="Median system (kernel) CPU seconds of a round."
    )
    peak_rss_bytes: int | None = Field(
        default=None, description="Processes: the highest peak RSS of one worker."
    )
    best_speedup: float | None = Field(
        default=None,
        description="Speedup over serial at this executor's best measured width (main "
        "rounds or sweep), per task: what `fastest` and the verdict compare.",
    )
    best_workers: int | None = Field(
        default=None, description="The width of best_speedup (asyncio unbounded: its tasks)."
    )
    extrapolated: bool = Field(
        default=False,
        description="The recommendation's width for this executor is wider than any width "
        "measured (main rounds or sweep): its figures there are extrapolated.",
    )


class ComparisonSide(BaseModel):
    """One interpreter's probe in a ``--compare-python`` run."""

    model_config = _FROZEN

    label: str = Field(description="The interpreter in short, e.g. '3.13t', '3.11'.")
    python: PythonInfo = Field(description="The interpreter and its GIL after the import.")
    fastest: Executor | None = Field(description="Its fastest executor.")
    speedup: float | None = Field(description="The fastest's speedup over its own serial.")
    per_task_seconds: float | None = Field(
        description="The fastest's median time per task: comparable across interpreters."
    )
    spread_seconds: float | None = Field(description="The fastest's spread per task.")
    verdict: Verdict = Field(description="That probe's verdict.")
    results: list[ExecutorResult] = Field(description="That probe's results.")


class Comparison(BaseModel):
    """``--compare-python``: the probe under two interpreters, side by side."""

    model_config = _FROZEN

    sides: list[ComparisonSide] = Field(
        description="The current interpreter first, then --compare-python's."
    )
    budget_seconds_each: float = Field(description="Each probe had half of the budget.")
    free_threaded_helps: bool | None = Field(
        description="The free-threaded build ran a task clearly faster (None: no free-threaded "
        "build without the GIL among the two, or no clear difference)."
    )
    answer: str = Field(description="Would the free-threaded build help, in one line.")


class ProbeReport(BaseModel):
    """What ``concadvisor probe`` measured, inferred, recommended and concluded.

    ``model_dump(mode="json")`` is the JSON object of DESIGN.md's contract.
    """

    model_config = _FROZEN

    target: str = Field(description="The probed target, e.g. 'pkg.mod:func'.")
    results: list[ExecutorResult] = Field(
        description="serial, threads, processes, asyncio, interpreters."
    )
    fastest: Executor | None = Field(description="Best median among the ok executors.")
    measured_profile: TaskProfile = Field(description="Inferred profile (+ overrides).")
    recommendation: Recommendation = Field(description="advise(measured_profile).")
    verdict: Verdict = Field(description="confirmed, contradicted or inconclusive.")
    verdict_reason: str = Field(description="The verdict in plain words.")
    fastest_clear: bool = Field(
        description="The fastest beat the runner-up by more than the measured noise."
    )
    runner_up: Executor | None = Field(default=None, description="Second best median.")
    tasks_per_round: int | None = Field(default=None, description="Batch size of a round.")
    is_async: bool = Field(default=False, description="The target is an async function.")
    setup: str | None = Field(
        default=None,
        description="The per-worker setup (--setup MODULE:FUNC), called once per worker "
        "before timing; its cost is each result's setup_seconds.",
    )
    budget_seconds: float = Field(description="The time budget of the whole probe.")
    elapsed_seconds: float = Field(description="Time the probe took, start-up included.")
    runner_startup_seconds: float | None = Field(
        default=None, description="Time until the isolated runner had imported the target."
    )
    warmup: dict[str, Any] | None = Field(default=None, description="Warm-up measurements.")
    plan: dict[str, Any] | None = Field(default=None, description="Batch and rounds planned.")
    overrides: list[str] = Field(
        default_factory=list, description="Profile fields set by the user, not measured."
    )
    notes: list[str] = Field(default_factory=list, description="Anything worth knowing.")
    tasks_assumed: bool = Field(
        default=False,
        description="The user did not say how many tasks they have (--tasks): the "
        "recommendation is for measured_profile.tasks, an assumption, not a measurement.",
    )
    extrapolated: dict[str, bool] = Field(
        default_factory=dict,
        description="Which of the recommendation's figures the probe did not measure: "
        "'tasks' (it is for a different number of tasks than a round ran), 'workers' "
        "(its pool size / concurrency is not one its executor ran with, in the main rounds "
        "or the width sweep) and 'chunksize' (a process pool's chunksize not measured).",
    )
    costs_source: str | None = Field(
        default=None,
        description="Machine costs behind predicted_speedup: 'calibrated' or 'defaults'.",
    )
    python: PythonInfo | None = Field(
        default=None,
        description="The interpreter the function ran under (--python), and its GIL after the "
        "target's import.",
    )
    comparison: Comparison | None = Field(
        default=None, description="--compare-python: the same probe under a second interpreter."
    )
    free_cpus: float | None = Field(
        default=None,
        description="The fewest CPUs the probe got, before or after the main rounds, when it "
        "asked for every usable one -- or the most an executor's rounds kept busy, if more "
        "(None: not measured).",
    )
    contention: Contention | None = Field(
        default=None, description="Free CPUs before and after the rounds, run-queue wait."
    )
    cpu_time: CpuTime | None = Field(
        default=None, description="User and system CPU time, and the GIL they show."
    )
    memory: Memory | None = Field(
        default=None, description="Peak RSS per process worker and the memory available."
    )
    format: int = Field(default=FORMAT_VERSION, description="Version of this JSON format.")

    @property
    def exit_code(self) -> int:
        """0 completed; 1 the function failed (or hung) under serial, or under every executor."""
        by_name = {r.executor: r for r in self.results}
        serial = by_name.get(Executor.SERIAL)
        if serial is not None and serial.status in ("failed", "timeout"):
            return 1
        if not any(r.status == "ok" for r in self.results):
            return 1
        return 0


def _workers(name: str, plan: dict[str, Any] | None) -> int | None:
    if plan is None:
        return None
    if name == Executor.SERIAL:
        return 1
    if name == Executor.INTERPRETERS:
        name = Executor.PROCESSES  # one sub-interpreter per process-pool slot
    value = plan.get(name)
    return int(value) if value is not None else None


def _note(name: str, is_async: bool) -> str | None:
    if name == Executor.ASYNCIO:
        return (
            "async target, awaited natively on one event loop"
            if is_async
            else "sync target called inside the event loop: each call blocks it, so calls "
            "run one at a time (measured as such, not handed to threads)"
        )
    if is_async:
        return "async target: one event loop per worker, kept across calls"
    return None


def _route_problem(name: str, warmup: dict[str, Any] | None) -> str | None:
    """Why ``name`` measured a route the user's own code cannot take, if it did.

    The probe's process workers import the target by name; the user's process pool pickles
    it by reference, which fails for a nested function or a closure bound to a module name.
    """
    if name != Executor.PROCESSES.value or not warmup or not warmup.get("func_pickle_error"):
        return None
    return (
        f"the function cannot be pickled by reference ({warmup['func_pickle_error']}), so a "
        "process pool in your code could not send it (the probe's workers only reached it "
        "by importing it by name)"
    )


def _measured(
    record: ExecutorRecord,
    serial_median: float | None,
    plan: dict[str, Any] | None,
    warmup: dict[str, Any] | None,
) -> Measured:
    workers = _workers(record.name, plan)
    status = record.status or ("ok" if record.walls else "skipped")
    if status == "ok" and record.walls:
        problem = _route_problem(record.name, warmup)
        if problem is not None:
            return Measured(record.name, "skipped", problem, None, None, None, workers)
    if status != "ok" or not record.walls:
        return Measured(record.name, status, record.reason, None, None, None, workers)
    summary = summarize(record.walls)
    speedup = serial_median / summary.median if serial_median and summary.median > 0 else None
    cpu_use = statistics.median(
        c / w for c, w in zip(record.cpus, record.walls, strict=True) if w > 0
    )
    return Measured(record.name, "ok", None, summary, speedup, cpu_use, workers)


def _per_task(summary: Summary, tasks: int) -> Summary:
    return Summary(
        summary.median / tasks,
        summary.spread / tasks,
        summary.rounds,
        summary.low / tasks,
        summary.high / tasks,
    )


def _at_best_widths(
    measured: list[Measured],
    sweeps: dict[str, list[SweepPoint]],
    batch: int | None,
    tasks: int,
) -> list[Measured]:
    """Each ok result with its best measured width: seconds per task at the width (main
    rounds, or a sweep point usable for ``tasks``) of the highest throughput."""
    if not batch:
        return measured
    bases: dict[str, tuple[Summary, int | None]] = {}
    for item in measured:
        if item.status != "ok" or item.summary is None:
            continue
        basis = (_per_task(item.summary, batch), item.workers)
        point = best_point(sweeps[item.executor], tasks)
        if point is not None and point.median / point.tasks < basis[0].median:
            summary = Summary(
                point.median / point.tasks,
                point.spread / point.tasks,
                point.rounds,
                point.median / point.tasks,
                point.median / point.tasks,
            )
            basis = (summary, measured_width(point, tasks))
        bases[item.executor] = basis
    serial = bases.get(Executor.SERIAL.value)
    out = []
    for item in measured:
        if item.executor not in bases:
            out.append(item)
            continue
        summary, workers = bases[item.executor]
        speedup = serial[0].median / summary.median if serial and summary.median > 0 else None
        out.append(replace(item, best=summary, best_workers=workers, best_speedup=speedup))
    return out


def _temper(
    recommendation: Recommendation, measured: list[Measured]
) -> tuple[Recommendation, str | None]:
    """Lower the confidence of advice that no measurement backs (the target failed everywhere)."""
    if any(item.status == "ok" for item in measured) or recommendation.confidence == "low":
        return recommendation, None
    note = (
        f"confidence lowered from {recommendation.confidence} to low: nothing could be "
        "measured, so the advice rests on an assumed profile, not on your function"
    )
    return recommendation.model_copy(update={"confidence": "low"}), note


def build_report(
    m: Measurements,
    profile: TaskProfile,
    recommendation: Recommendation,
    *,
    budget: float,
    overrides: list[str],
    tasks_assumed: bool = False,
    python: PythonInfo | None = None,
) -> ProbeReport:
    serial = m.records[Executor.SERIAL]
    serial_ok = (serial.status is None) and bool(serial.walls)
    serial_median = statistics.median(serial.walls) if serial_ok else None
    names = [name for name in EXECUTORS if name in m.records]
    measured = [_measured(m.records[name], serial_median, m.plan, m.warmup) for name in names]
    tasks = int(m.plan["tasks"]) if m.plan else None
    sweeps = {name: sweep_points(m.records[name]) for name in names}
    bests = {name: best_point(points, profile.tasks) for name, points in sweeps.items()}
    measured = [
        replace(
            item,
            swept=tuple(sorted({measured_width(p, profile.tasks) for p in sweeps[item.executor]})),
        )
        for item in measured
    ]
    measured = _at_best_widths(measured, sweeps, tasks, profile.tasks)
    recommendation = _at_best_width(recommendation, bests, profile.tasks)
    memory = memory_report(m, available_memory())
    recommendation = cap_by_memory(recommendation, memory)
    recommendation, tempered = _temper(recommendation, measured)
    decision: Decision = decide(
        measured,
        recommendation.executor.value,
        workload=profile.workload,
        payload_bytes=profile.payload_bytes,
        task_seconds=profile.task_seconds,
        recommended_workers=recommendation.workers,
    )
    free = free_cpus(m)
    if any(r.executor == recommendation.executor.value and r.status == "ok" for r in measured):
        # A failure or a hang of the recommendation contradicts it however busy the machine.
        decision = under_contention(decision, free, profile.cpus or 1, profile.workload)
    cpu_time, _ = cpu_time_report(m)
    chosen = next((r for r in measured if r.executor == recommendation.executor.value), None)
    rec_best = bests.get(recommendation.executor.value)
    extrapolated = {
        "tasks": profile.tasks != tasks,
        "chunksize": recommendation.executor is Executor.PROCESSES
        and (rec_best is None or rec_best.chunksize != recommendation.chunksize),
        "workers": recommendation.executor is not Executor.SERIAL
        and not (
            chosen is not None
            and chosen.status == "ok"
            and width_measured(chosen, recommendation.workers)
        ),
    }
    predictions = _predictions(m, profile)
    results: list[ExecutorResult] = []
    for item in measured:
        record = m.records[item.executor]
        summary = item.summary
        results.append(
            ExecutorResult(
                executor=Executor(item.executor),
                status=item.status,
                wall_seconds=summary.median if summary else None,
                speedup=round(item.speedup, 4) if item.speedup is not None else None,
                reason=item.reason,
                spread_seconds=summary.spread if summary else None,
                rounds=len(record.walls) if item.status == "ok" else 0,
                samples=list(record.walls) if item.status == "ok" else [],
                per_task_seconds=summary.median / tasks if summary and tasks else None,
                cpu_use=round(item.cpu_use, 3) if item.cpu_use is not None else None,
                startup_seconds=record.startup,
                workers=item.workers,
                exit_code=record.exitcode,
                note=_note(item.executor, m.is_async),
                predicted_speedup=_rounded(predictions.get(item.executor)),
                model_error=_error(predictions.get(item.executor), item),
                sweep=sweeps[item.executor],
                best_width=best.width if (best := bests[item.executor]) else None,
                best_chunksize=best.chunksize if best else None,
                sweep_startup_seconds=record.sweep_startup if record.sweep else None,
                setup_workers=record.setup_workers or None,
                setup_seconds=_rounded_seconds(record.setup_total, record.setup_workers),
                setup_slowest_seconds=_rounded_seconds(record.setup_slowest, record.setup_workers),
                sweep_setup_seconds=record.sweep_setup if record.sweep_setup else None,
                user_seconds=_median_known(record.users, item.status),
                system_seconds=_median_known(record.systems, item.status),
                peak_rss_bytes=record.peak_rss,
                best_speedup=_rounded(item.best_speedup),
                best_workers=item.best_workers,
                extrapolated=item.executor == recommendation.executor.value
                and extrapolated["workers"],
            )
        )
    notes = list(m.notes)
    if cpu_time is not None and cpu_time.gil_released is None and profile.workload != "io":
        notes.append(
            "GIL release not inferred: "
            + (
                f"only {free:.1f} CPUs were free, so threads could not show it"
                if free is not None and free < PARALLEL_FREE_CPUS
                else "threads were not measured"
            )
        )
    if cpu_time is not None and profile.workload == "io" and cpu_time.system_share > 0.25:
        notes.append(
            f"{cpu_time.system_share:.0%} of a task's running time is kernel CPU time "
            "(system calls): counted as GIL-free I/O, not CPU work"
        )
    if m.warmup is None:
        notes.append("nothing was measured: the profile is the default plus your overrides")
    if tempered is not None:
        notes.append(tempered)
    if not decision.fastest_clear and decision.fastest and decision.runner_up:
        notes.append(
            f"{decision.fastest} has the best median but {decision.runner_up} is within "
            "the measured noise of it"
        )
    return ProbeReport(
        target=m.target,
        results=results,
        fastest=Executor(decision.fastest) if decision.fastest else None,
        measured_profile=profile,
        recommendation=recommendation,
        verdict=decision.verdict,
        verdict_reason=decision.reason,
        fastest_clear=decision.fastest_clear,
        runner_up=Executor(decision.runner_up) if decision.runner_up else None,
        tasks_per_round=tasks,
        is_async=m.is_async,
        setup=m.setup,
        budget_seconds=budget,
        elapsed_seconds=round(m.elapsed, 4),
        runner_startup_seconds=m.runner_startup,
        warmup=m.warmup,
        plan=m.plan,
        overrides=sorted(overrides),
        notes=notes,
        tasks_assumed=tasks_assumed,
        python=python,
        extrapolated=extrapolated,
        costs_source=detect_environment().costs.source if predictions else None,
        free_cpus=_rounded(free),
        contention=contention_report(m),
        cpu_time=cpu_time,
        memory=memory,
    )


def _rounded_seconds(seconds: float, workers: int) -> float | None:
    """A setup figure, or None when no setup ran in that executor's workers."""
    return round(seconds, 6) if workers else None


def _median_known(values: list[float | None], status: str) -> float | None:
    known = [v for v in values if v is not None]
    if status != "ok" or not known or len(known) != len(values):
        return None
    return round(statistics.median(known), 6)


def _at_best_width(
    recommendation: Recommendation, bests: dict[str, SweepPoint | None], tasks: int
) -> Recommendation:
    """The recommendation at the width (and chunksize) its executor's sweep measured best."""
    best = bests.get(recommendation.executor.value)
    if best is None or recommendation.offload is not None:
        return recommendation
    width = measured_width(best, tasks)
    how = "unbounded measured best" if best.width == 0 else "best width measured"
    return at_measured_width(recommendation, width, best.chunksize, how)


def _rounded(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None


def _error(predicted: float | None, item: Measured) -> float | None:
    if predicted is None or item.status != "ok" or not item.speedup:
        return None
    return round(predicted / item.speedup - 1, 4)


def _predictions(m: Measurements, profile: TaskProfile) -> dict[str, float]:
    """What the cost model predicts for the batch the probe actually ran.

    Same batch size, pool widths and chunksize as the measurement, start-up excluded (the
    probe starts its pools before timing), the CPU share the probe measured.
    """
    if not m.plan or profile.task_seconds is None:
        return {}
    from ..costs import predict

    plan = m.plan
    widths = {
        name: int(plan[name])
        for name in (Executor.THREADS, Executor.PROCESSES, Executor.ASYNCIO)
        if plan.get(name)
    }
    chunksize = int(plan["chunksize"]) if plan.get("chunksize") else None
    try:
        prediction = predict(
            profile.model_copy(update={"tasks": int(plan["tasks"])}),
            workers=widths or None,
            chunksize=chunksize,
            include_startup=False,
            awaits_io=m.is_async,
        )
    except (KeyError, ValueError):
        return {}
    return {name: item.speedup for name, item in prediction.executors.items()}
