"""The cost model: predict each executor's batch time and speedup before running anything.

A batch is ``n`` tasks of ``t`` seconds each (serially), of which a share ``c`` is CPU
work and ``1 - c`` waiting; each task moves ``b`` payload bytes to and from its worker.
Every executor is modelled as a few *bottlenecks* -- resources that must do a fixed amount
of work one piece at a time -- and the batch takes as long as its busiest one, plus what
the pool costs to start and stop.  Names used below:

========================  ==============================================================
``waves(n, k)``           ``ceil(n / k)``: tasks one of ``k`` equal workers runs in turn
``P``                     usable CPUs, as parallel capacity: ``MachineCosts.parallel_cpus``
                          (``cpus`` x the measured parallel efficiency, 1..cpus)
``d_*``                   per-task dispatch (:class:`MachineCosts`), ``x_*`` hand-off
``ipc = b / B``           pickling + pipe time of one task's payload (``B``: throughput)
========================  ==============================================================

serial
    ``T = n t``.
threads (``k`` workers)
    ``span = waves(n, k) t`` (each thread runs its share back to back);
    ``locked = n d_thread + n c t / q + (1 - c) t`` where ``q = 1`` if the CPU part holds
    the GIL, else ``min(k, P)`` -- the GIL-bound share serialises, and the pool's own
    bookkeeping is Python code under the one lock too (a waiting task adds one thread
    hand-off ``x_thread`` to ``d_thread``, to resume); ``(1 - c) t`` is the pipeline fill,
    the first task's wait before the lock has anything to do.
    ``T = k s_thread + max(span, locked)``.
processes (``k`` workers, start method ``m``)
    ``parent = n (d_proc + ipc / 2)`` (the parent pickles arguments, unpickles results and
    feeds the pipes one task at a time; ``d_proc`` is the batched figure when
    ``chunksize > 1``); ``span = waves(n, k) (t + ipc / 2)`` (each worker: its tasks and
    its half of the pickling); ``cpu = n (c t + d_proc + ipc) / P`` (every CPU second, the
    parent's included, shares ``P`` CPUs).  ``T = k s_m + max(parent, span, cpu)``.
asyncio (concurrency limit ``k``)
    Awaited I/O: ``span = waves(n, k) t``; ``loop = n (c t + d_async + x_coro) + (1 - c) t``
    (one thread runs every CPU part and every switch, after the first wait).
    ``T = max(span, loop)``.
    Synchronous code on the loop runs one call at a time: ``T = n (t + d_async)``.

``speedup = n t / T``.  Two consequences hold by construction and are property-tested:
``span >= n t / k`` bounds every speedup by the concurrency limit, and for CPU work
(``c = 1``) ``cpu >= n t / P`` bounds processes by the usable CPUs; every term grows with
payload and dispatch costs, so the prediction is monotone in them.

What it leaves out, on purpose: memory (allocation, bandwidth, caches), turbo clocks,
GIL convoys between many threads running tiny CPU-bound tasks, the import time of the
user's own main module under spawn/forkserver, and load from other programs beyond what
the calibration's parallel efficiency caught.  ``benchmarks/bench_model.py`` measures how
much that costs in accuracy; docs/costs.md records the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from ..profile import Executor, StartMethod, TaskProfile, as_profile
from .machine import MachineCosts

if TYPE_CHECKING:  # environment.py imports this package for MachineCosts
    from ..environment import Environment

__all__ = [
    "ExecutorPrediction",
    "Inputs",
    "Prediction",
    "asyncio_seconds",
    "cpu_share",
    "describe",
    "format_speedup",
    "inputs_for",
    "predict",
    "predict_inputs",
    "process_seconds",
    "thread_seconds",
    "waves",
]

#: Assumed CPU share of one task when the profile does not say (cpu_fraction=None).
DEFAULT_CPU_SHARE: dict[str, float] = {"cpu": 1.0, "io": 0.0, "mixed": 0.5}


def waves(n: int, k: int) -> int:
    """How many tasks the busiest of ``k`` equal workers runs: ``ceil(n / k)``."""
    return -(-n // max(1, k))


def cpu_share(profile: TaskProfile) -> float:
    """The profile's ``cpu_fraction``, or :data:`DEFAULT_CPU_SHARE` for its workload."""
    if profile.cpu_fraction is not None:
        return profile.cpu_fraction
    return DEFAULT_CPU_SHARE[profile.workload]


# NamedTuples rather than dataclasses: immutable, typed, and several times cheaper to build
# -- advise() builds a prediction on every call that knows task_seconds.


class Inputs(NamedTuple):
    """Everything the formulas read, as plain numbers (see the module docstring)."""

    tasks: int
    task_seconds: float
    cpu_share: float
    gil_bound: bool
    payload_bytes: int
    cpus: float
    start_method: StartMethod
    awaits_io: bool
    threads: int
    processes: int
    concurrency: int
    chunksize: int
    include_startup: bool = True


class ExecutorPrediction(NamedTuple):
    """One executor's predicted batch time, and what it is made of."""

    executor: str
    workers: int
    seconds: float
    speedup: float
    startup_seconds: float = 0.0
    #: The batch time if starting the pool, dispatching and pickling were free.
    ideal_seconds: float = 0.0
    #: Pickling + pipe time of one task's payload (processes only).
    ipc_seconds: float = 0.0

    @property
    def overhead_share(self) -> float:
        """Share of the predicted time spent on the pool's own costs, 0..1."""
        if self.seconds <= 0:
            return 0.0
        return max(0.0, 1.0 - self.ideal_seconds / self.seconds)


class Prediction(NamedTuple):
    """Predicted serial time and every executor's batch time and speedup."""

    serial_seconds: float
    executors: dict[str, ExecutorPrediction]
    costs_source: str
    inputs: Inputs
    assumptions: tuple[str, ...] = ()

    @property
    def speedup(self) -> dict[str, float]:
        """Executor value -> predicted speedup over serial."""
        return {name: item.speedup for name, item in self.executors.items()}

    def of(self, executor: str | Executor) -> ExecutorPrediction:
        """The prediction for one executor (by value or :class:`Executor`)."""
        key = executor.value if isinstance(executor, Executor) else executor
        return self.executors[key]


# The formulas below are written for speed (advise() runs them on every call that knows
# task_seconds): conditional expressions instead of max(), ceil(n / k) as -(-n // k).


def thread_seconds(x: Inputs, costs: MachineCosts) -> ExecutorPrediction:
    """Threads: ``k s_thread + max(span, locked)`` (see the module docstring)."""
    n, t, c = x.tasks, x.task_seconds, x.cpu_share
    k = x.threads if x.threads < n else n
    q: float = 1 if x.gil_bound else (k if k < x.cpus else x.cpus)
    dispatch = costs.thread_dispatch_seconds
    if c < 1:
        dispatch += costs.thread_switch_seconds  # a waiting task resumes by a hand-off
    span = -(-n // k) * t
    compute = n * c * t / q
    # The lock cannot start on the batch before the first task has waited: pipeline fill.
    locked = n * dispatch + compute + (1 - c) * t
    startup = k * costs.thread_start_seconds if x.include_startup else 0.0
    seconds = startup + (span if span > locked else locked)
    ideal = span if span > compute else compute
    return ExecutorPrediction("threads", k, seconds, n * t / seconds, startup, ideal)


def process_seconds(x: Inputs, costs: MachineCosts) -> ExecutorPrediction:
    """Processes: ``k s_m + max(parent, span, cpu)`` (see the module docstring)."""
    n, t, c, p = x.tasks, x.task_seconds, x.cpu_share, x.cpus
    k = x.processes if x.processes < n else n
    ipc = x.payload_bytes / costs.ipc_bytes_per_second
    dispatch = (
        costs.process_batched_dispatch_seconds
        if x.chunksize > 1
        else costs.process_dispatch_seconds
    )
    rounds = -(-n // k)
    parent = n * (dispatch + ipc / 2)
    span = rounds * (t + ipc / 2)
    cpu = n * (c * t + dispatch + ipc) / p
    busiest = parent if parent > span else span
    if cpu > busiest:
        busiest = cpu
    startup = 0.0
    if x.include_startup:
        per_worker = costs.process_start_seconds.get(x.start_method)
        startup = k * (costs.start_seconds(x.start_method) if per_worker is None else per_worker)
    seconds = startup + busiest
    ideal_span, ideal_cpu = rounds * t, n * c * t / p
    ideal = ideal_span if ideal_span > ideal_cpu else ideal_cpu
    return ExecutorPrediction("processes", k, seconds, n * t / seconds, startup, ideal, ipc)


def asyncio_seconds(x: Inputs, costs: MachineCosts) -> ExecutorPrediction:
    """asyncio: ``max(span, loop)`` for awaited I/O, ``n (t + d_async)`` for sync code."""
    n, t = x.tasks, x.task_seconds
    if not x.awaits_io:
        seconds = n * (t + costs.asyncio_dispatch_seconds)
        return ExecutorPrediction("asyncio", 1, seconds, n * t / seconds, 0.0, n * t)
    k = x.concurrency if x.concurrency < n else n
    span = -(-n // k) * t
    compute = n * x.cpu_share * t
    loop = (
        compute
        + n * (costs.asyncio_dispatch_seconds + costs.coroutine_switch_seconds)
        + (1 - x.cpu_share) * t  # pipeline fill: the first task waits before the loop computes
    )
    seconds = span if span > loop else loop
    ideal = span if span > compute else compute
    return ExecutorPrediction("asyncio", k, seconds, n * t / seconds, 0.0, ideal)


def predict_inputs(x: Inputs, costs: MachineCosts) -> Prediction:
    """Apply the formulas to plain inputs (pool widths of at least 1)."""
    serial = x.tasks * x.task_seconds
    executors = {
        "serial": ExecutorPrediction("serial", 1, serial, 1.0, 0.0, serial),
        "threads": thread_seconds(x, costs),
        "processes": process_seconds(x, costs),
        "asyncio": asyncio_seconds(x, costs),
    }
    return Prediction(serial, executors, costs.source, x)


def _widths(
    workers: int | Mapping[str, int] | None, suggested: Mapping[str, int]
) -> dict[str, int]:
    if workers is None:
        return dict(suggested)
    if isinstance(workers, int):
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        return dict.fromkeys(("threads", "processes", "asyncio"), workers)
    widths = dict(suggested)
    for name, value in workers.items():
        key = name.value if isinstance(name, Executor) else str(name)
        if key not in widths:
            raise ValueError(f"unknown executor {name!r} in workers")
        if value < 1:
            raise ValueError(f"workers[{key!r}] must be >= 1, got {value}")
        widths[key] = value
    return widths


def inputs_for(
    profile: TaskProfile,
    environment: Environment,
    widths: Mapping[str, int],
    *,
    chunksize: int | None = None,
    include_startup: bool = True,
    awaits_io: bool | None = None,
) -> Inputs:
    """Model inputs for ``profile`` in ``environment`` (which already has its overrides)."""
    seconds = profile.task_seconds
    if seconds is None:
        raise ValueError("the cost model needs task_seconds (the duration of one task)")
    processes = widths["processes"]
    if chunksize is None:
        # The batching the snippets and the probe use: a quarter of each worker's share.
        chunksize = max(1, profile.tasks // (max(1, min(processes, profile.tasks)) * 4))
    return Inputs(
        tasks=profile.tasks,
        task_seconds=seconds,
        cpu_share=cpu_share(profile),
        gil_bound=not profile.releases_gil and not environment.free_threaded,
        payload_bytes=profile.payload_bytes or 0,
        cpus=environment.costs.parallel_cpus(environment.cpus),
        start_method=environment.start_method,
        awaits_io=profile.async_libraries if awaits_io is None else awaits_io,
        threads=widths["threads"],
        processes=processes,
        concurrency=widths["asyncio"],
        chunksize=chunksize,
        include_startup=include_startup,
    )


def _assumptions(profile: TaskProfile, x: Inputs) -> tuple[str, ...]:
    found: list[str] = []
    if profile.cpu_fraction is None:
        found.append(f"cpu_fraction unknown: {x.cpu_share:g} assumed for {profile.workload} work")
    if profile.payload_bytes is None:
        found.append("payload_bytes unknown: no pickling cost counted")
    if not x.awaits_io:
        found.append("no async libraries: asyncio runs the synchronous calls one at a time")
    return tuple(found)


def predict(
    profile: TaskProfile | Mapping[str, Any],
    environment: Environment | None = None,
    *,
    workers: int | Mapping[str, int] | None = None,
    chunksize: int | None = None,
    include_startup: bool = True,
    awaits_io: bool | None = None,
) -> Prediction:
    """Predict every executor's batch time and speedup for ``profile``. Pure, microseconds.

    >>> p = predict({"workload": "cpu", "tasks": 100, "task_seconds": 0.01, "cpus": 2})
    >>> round(p.speedup["processes"], 1) <= 2.0
    True

    ``environment`` (default: detected, with its calibration) supplies the CPUs, the GIL,
    the start method and :class:`MachineCosts`; the profile's ``cpus``/``free_threaded``/
    ``start_method`` override it.  ``workers`` is one width for every pool or a mapping
    ``{"threads": 16, "processes": 2, "asyncio": 100}`` (missing ones: what ``advise``
    would suggest).  ``chunksize`` is the process pool's batching (default: the
    snippets' ``tasks // (4 * workers)``); ``include_startup=False`` leaves out pool
    start-up (for pools created before the clock starts); ``awaits_io`` says whether the
    task's waiting is awaited on the loop (default: ``profile.async_libraries``).
    Raises :class:`ValueError` when the profile has no ``task_seconds``.
    """
    task = as_profile(profile)
    if task.task_seconds is None:
        raise ValueError("the cost model needs task_seconds (the duration of one task)")
    from ..environment import detect_environment, effective_environment
    from ..rules.base import Facts
    from ..workers import suggest_workers

    env = effective_environment(task, environment or detect_environment())
    facts = Facts(task, env)
    suggested = {
        e.value: suggest_workers(e, facts)
        for e in (Executor.THREADS, Executor.PROCESSES, Executor.ASYNCIO)
    }
    x = inputs_for(
        task,
        env,
        _widths(workers, suggested),
        chunksize=chunksize,
        include_startup=include_startup,
        awaits_io=awaits_io,
    )
    result = predict_inputs(x, env.costs)
    return Prediction(
        result.serial_seconds, result.executors, result.costs_source, x, _assumptions(task, x)
    )


def format_speedup(value: float) -> str:
    """``~0.53x``, ``~1.8x``, ``~25x``: two significant digits, no false precision."""
    if value < 1:
        return f"~{value:.2f}x"
    return f"~{value:.1f}x" if value < 10 else f"~{value:.0f}x"


def describe(item: ExecutorPrediction) -> str:
    """``"processes: ~1.8x predicted"`` -- how reasons quote a prediction."""
    return f"{item.executor}: {format_speedup(item.speedup)} predicted"
