"""The width sweep, runner side: each executor measured at widths 1, 2, 4, ...

After the main rounds, every executor that can run tasks at once (threads, processes, and
asyncio for an ``async def`` target) is measured at a geometric series of widths, one
batch per point per round, the executors interleaved as in the main rounds.  Each point's
batch is sized for its width (:func:`~.planning.sweep_tasks`).  A ladder climbs one width
per round while the scaling model (:mod:`.scaling`) says throughput still grows, and stops
once it flattens or falls, at its cap, or when the budget would not hold the next trial --
then it says which budget would have.  Processes add two chunksizes at their best width
(1 and one chunk per worker); asyncio adds an unbounded point (width 0).

A point's pool is started (and warmed by one untimed batch) before its first trial; the
start-up is reported apart and never timed with the trials.
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass, field, replace

from ..executors.registry import spec
from ..workers import chunksize_for
from .executors import BatchRunner, Call, RunnerSetup, TrialError
from .planning import SWEEP_ROUNDS, setup_estimate, startup_estimate, sweep_cap, sweep_tasks
from .protocol import (
    EventWriter,
    SetupDone,
    SweepNote,
    SweepTrialDone,
    SweepTrialStarted,
    executor_name,
)
from .scaling import best_width, next_width

__all__ = ["SweepSettings", "run_sweep", "sweep_executors"]

#: A point: (width, chunksize); width 0 is asyncio without a limit.
Key = tuple[int, int | None]


@dataclass(frozen=True)
class SweepSettings:
    """What the sweep needs to know: how to build a runner (each point changes its plan's
    width), and what sizes the points."""

    runner: RunnerSetup
    cpus: int
    task_seconds: float
    #: The most tasks a round may hold (``--tasks``, or the inputs given); None: no limit.
    limit: int | None
    #: The user's ``--tasks``: no width beyond it is worth measuring.
    tasks: int | None
    #: One worker's measured setup (the main thread's), in seconds; 0: no setup.
    setup_seconds: float = 0.0


@dataclass
class _Ladder:
    executor: str
    cap: int
    samples: dict[Key, list[float]] = field(default_factory=dict)  # throughputs
    runners: dict[Key, BatchRunner] = field(default_factory=dict)
    climbing: bool = True
    extras_added: bool = False
    stopped: bool = False

    def throughputs(self) -> list[tuple[int, float]]:
        """(width, median throughput) of the width ladder (chunksize as planned)."""
        by_width: dict[int, float] = {}
        for (width, _), values in self.samples.items():
            if width > 0 and values:
                median = statistics.median(values)
                by_width[width] = max(by_width.get(width, 0.0), median)
        return sorted(by_width.items())

    def needing(self) -> list[Key]:
        return [k for k, v in self.samples.items() if len(v) < SWEEP_ROUNDS]


def sweep_executors(
    executors: list[str], is_async: bool, scheduler: str | None = None
) -> list[str]:
    """The executors worth a sweep: those that run tasks at once.

    A sync target under asyncio blocks the loop: its calls run one at a time whatever the
    limit, so there is no width to sweep.  Dask is swept on the LocalCluster the probe
    starts (one cluster of that many one-thread workers per width), not on a cluster given
    with ``--scheduler``, whose width is not the probe's to choose.
    """
    names = ["threads", "processes"] + (["asyncio"] if is_async else [])
    if scheduler is None:
        names.append("dask")
    return [name for name in executors if name in names]


def _chunksize(settings: SweepSettings, executor: str, width: int) -> int | None:
    """The planned chunksize at ``width`` (processes only)."""
    if width <= 0 or executor != "processes":
        return None
    return chunksize_for(sweep_tasks(width, settings.task_seconds, settings.limit), width)


def _tasks(settings: SweepSettings, key: Key) -> int:
    width = key[0] or max(1, settings.limit or _plan_tasks(settings))
    return sweep_tasks(width, settings.task_seconds, settings.limit)


def _plan_tasks(settings: SweepSettings) -> int:
    return settings.runner.plan.tasks


def _expected(settings: SweepSettings, ladder: _Ladder, key: Key) -> float:
    """Seconds the next trial of ``key`` should take: its last one, or a simple estimate."""
    values = ladder.samples.get(key)
    tasks = _tasks(settings, key)
    if values:
        return tasks / min(values)
    measured = ladder.throughputs()
    if measured:
        # As if the new width gained nothing over the best so far: never an underestimate
        # that would make a slow trial look hung (GIL-bound work does not scale).
        return tasks / max(x for _, x in measured)
    width = key[0] or tasks
    computes_apart = ladder.executor in ("processes", "dask")  # one process per worker
    parallel = min(width, settings.cpus) if computes_apart else width
    return tasks * settings.task_seconds / max(1, min(parallel, tasks))


def _startup_estimate(settings: SweepSettings, ladder: _Ladder, key: Key) -> float:
    """A new pool's start-up and per-worker setup; nothing for a pool already up."""
    if key in ladder.runners:
        return 0.0
    width = key[0] or 1
    setup = setup_estimate(ladder.executor, settings.setup_seconds, width, settings.cpus)
    if ladder.executor not in ("processes", "dask"):
        return setup
    return startup_estimate(settings.runner.start_method, width, [ladder.executor]) + setup


def _start(
    writer: EventWriter, settings: SweepSettings, executor: str, key: Key, calls: list[Call]
) -> tuple[BatchRunner, float]:
    """A started, warmed runner for ``key`` and its start-up seconds (the warm-up excluded)."""
    width, chunksize = key
    plan = settings.runner.plan
    if executor == "threads":
        plan = replace(plan, threads=width)
    elif executor == "processes":
        plan = replace(plan, processes=width, chunksize=chunksize or plan.chunksize)
    elif executor == "dask":  # a LocalCluster of ``width`` one-thread workers
        plan = replace(plan, processes=width)
    else:  # asyncio; width 0: a limit no batch reaches
        plan = replace(plan, asyncio=width or 1_000_000)
    runner = spec(executor).load_runner().from_setup(replace(settings.runner, plan=plan))
    seconds = runner.start()
    if runner.setup_seconds:
        writer.emit(
            SetupDone(
                executor=executor_name(executor),
                workers=len(runner.setup_seconds),
                total=sum(runner.setup_seconds),
                slowest=max(runner.setup_seconds),
                sweep=True,
            )
        )
    runner.run(calls[: max(1, min(len(calls), 2 * (width or 1)))])  # untimed: cold workers
    return runner, seconds


def _grow(settings: SweepSettings, ladder: _Ladder) -> None:
    """Add the next width, or, once the ladder stops, the extra points at its best width."""
    if ladder.climbing:
        top = max(key[0] for key in ladder.samples)
        if not any(values for key, values in ladder.samples.items() if key[0] == top):
            return  # the widest width has not run yet: one new width per round
        width = next_width(ladder.throughputs(), ladder.cap)
        if width is not None and all(k[0] != width for k in ladder.samples):
            ladder.samples[(width, _chunksize(settings, ladder.executor, width))] = []
            return
        ladder.climbing = False
    if ladder.extras_added:
        return
    ladder.extras_added = True
    best = best_width(ladder.throughputs())
    if best is None:
        return
    if ladder.executor == "processes":
        tasks = sweep_tasks(best, settings.task_seconds, settings.limit)
        for chunksize in (1, math.ceil(tasks / best)):
            ladder.samples.setdefault((best, chunksize), [])
    elif ladder.executor == "asyncio":
        ladder.samples.setdefault((0, None), [])


def run_sweep(
    writer: EventWriter,
    settings: SweepSettings,
    executors: list[str],
    calls: list[Call],
    deadline: float,
) -> None:
    """Measure every sweep point until each ladder stops or the budget ends."""
    ladders = [
        _Ladder(name, sweep_cap(name, settings.cpus, settings.tasks))
        for name in sweep_executors(executors, settings.runner.is_async, settings.runner.scheduler)
    ]
    for ladder in ladders:
        ladder.samples[(1, _chunksize(settings, ladder.executor, 1))] = []
    if settings.limit is not None and ladders:
        widest = max(ladder.cap for ladder in ladders)
        if sweep_tasks(widest, settings.task_seconds, None) > settings.limit:
            writer.emit(
                SweepNote(
                    text=f"sweep: rounds held at most {settings.limit} tasks (the tasks or "
                    "inputs given), fewer than a wide pool needs to be measured well"
                )
            )
    try:
        while True:
            active = [ladder for ladder in ladders if not ladder.stopped]
            for ladder in active:
                _grow(settings, ladder)
            work = [(ladder, key) for ladder in active for key in ladder.needing()]
            if not work:
                break
            for ladder, key in work:
                if ladder.stopped:
                    continue
                _trial(writer, settings, ladder, key, calls, deadline)
    finally:
        for ladder in ladders:
            for runner in ladder.runners.values():
                runner.close()


def _trial(
    writer: EventWriter,
    settings: SweepSettings,
    ladder: _Ladder,
    key: Key,
    calls: list[Call],
    deadline: float,
) -> None:
    name = executor_name(ladder.executor)
    expected = _expected(settings, ladder, key)
    needed = expected + _startup_estimate(settings, ladder, key)
    left = deadline - time.monotonic()
    if needed > left:
        more = math.ceil(needed * SWEEP_ROUNDS - max(0.0, left))
        width = key[0] or "unbounded"
        done = len(ladder.samples.get(key, ()))
        where = (
            f"after {done} of {SWEEP_ROUNDS} rounds at width {width}"
            if done
            else f"before width {width}"
        )
        writer.emit(
            SweepNote(
                text=f"sweep: {ladder.executor} stopped {where} (the budget ran out); about "
                f"{max(1, more)} s more --budget would measure it"
            )
        )
        ladder.stopped = True
        return
    tasks = _tasks(settings, key)
    batch = [calls[i % len(calls)] for i in range(tasks)]
    startup = 0.0
    try:
        if key not in ladder.runners:
            ladder.runners[key], startup = _start(writer, settings, ladder.executor, key, batch)
        writer.emit(
            SweepTrialStarted(
                executor=name, width=key[0], chunksize=key[1], tasks=tasks, expected=expected
            )
        )
        trial = ladder.runners[key].run(batch)
    except TrialError as exc:
        writer.emit(SweepNote(text=f"sweep: {ladder.executor} failed at width {key[0]}: {exc}"))
        ladder.stopped = True
        return
    ladder.samples[key].append(tasks / trial.wall)
    writer.emit(
        SweepTrialDone(
            executor=name,
            width=key[0],
            chunksize=key[1],
            tasks=tasks,
            wall=trial.wall,
            startup=startup,
        )
    )
