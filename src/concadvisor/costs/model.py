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

Before any formula, ``t`` is corrected for the build (:func:`.inputs.build_factor`): a
``task_seconds`` measured on a GIL build (``task_seconds_free_threaded=False``) and advised
for a free-threaded one has its CPU part multiplied by the free-threaded single-thread
penalty (``MachineCosts.free_threaded_penalty``, calibrated, or the documented default);
the other way round, divided by it; a figure measured on the build advised for is left
alone.  ``pool_lifetime="program"`` leaves every pool's start-up out (amortised).

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

from ..executors.registry import REGISTRY
from ..profile import Executor, TaskProfile, as_profile
from ..workers import Widths, suggest_widths
from .inputs import (
    DEFAULT_CPU_SHARE,
    ExecutorPrediction,
    Inputs,
    build_factor,
    cpu_share,
    waves,
)
from .machine import MachineCosts

if TYPE_CHECKING:  # environment.py imports this package for MachineCosts
    from ..environment import Environment

__all__ = [
    "DEFAULT_CPU_SHARE",
    "ExecutorPrediction",
    "Inputs",
    "Prediction",
    "cpu_share",
    "describe",
    "format_speedup",
    "predict",
    "predict_inputs",
    "waves",
]


class Prediction(NamedTuple):
    """Predicted serial time and every executor's batch time and speedup."""

    serial_seconds: float
    executors: dict[Executor, ExecutorPrediction]
    costs_source: str
    inputs: Inputs
    assumptions: tuple[str, ...] = ()

    @property
    def speedup(self) -> dict[str, float]:
        """Executor value -> predicted speedup over serial."""
        return {name.value: item.speedup for name, item in self.executors.items()}

    def of(self, executor: Executor | str) -> ExecutorPrediction:
        """The prediction for one executor (by :class:`Executor` or its value)."""
        return self.executors[Executor(executor)]


# The formulas (one per executor, in concadvisor.executors) are written for speed --
# advise() runs them on every call that knows task_seconds: conditional expressions
# instead of max(), ceil(n / k) as -(-n // k).
_SERIAL = Executor.SERIAL  # looked up once: ``Executor.X`` is a slow lookup on 3.11


def predict_inputs(x: Inputs, costs: MachineCosts) -> Prediction:
    """Apply every executor's formula to plain inputs (pool widths of at least 1)."""
    executors = {entry.executor: entry.cost(x, costs) for entry in REGISTRY}
    serial = executors[_SERIAL].seconds
    return Prediction(serial, executors, costs.source, x)


def _widths(
    workers: int | Mapping[Executor, int] | Mapping[str, int] | None, suggested: Widths
) -> Widths:
    if workers is None:
        return suggested
    if isinstance(workers, int):
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        return Widths(workers, workers, workers)
    widths = suggested._asdict()
    for name, value in workers.items():
        key = name.value if isinstance(name, Executor) else str(name)
        if key not in widths:
            raise ValueError(f"unknown executor {name!r} in workers")
        if value < 1:
            raise ValueError(f"workers[{key!r}] must be >= 1, got {value}")
        widths[key] = value
    return Widths(**widths)


def _assumptions(profile: TaskProfile, x: Inputs, env: Environment) -> tuple[str, ...]:
    found: list[str] = []
    factor = 1.0 if profile.releases_gil else build_factor(profile, env)
    if factor != 1.0:
        penalty, measured = env.costs.penalty(env.python_version)
        source = "calibrated" if measured else "default, not calibrated"
        way = "added to" if factor > 1 else "removed from"
        measured_on = "a GIL" if env.free_threaded else "a free-threaded"
        found.append(
            f"free-threaded single-thread penalty {penalty:g}x ({source}) {way} the CPU part "
            f"of task_seconds, measured on {measured_on} build"
        )
    if profile.pool_lifetime == "program":
        found.append("pool_lifetime program: pool start-up amortised, not counted")
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
    workers: int | Mapping[Executor, int] | Mapping[str, int] | None = None,
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
    would suggest, :func:`concadvisor.workers.suggest_widths`).  ``chunksize`` is the
    process pool's batching (default: :func:`concadvisor.workers.chunksize_for`);
    ``include_startup=False`` leaves out pool start-up (for pools created before the clock
    starts); ``awaits_io`` says whether the task's waiting is awaited on the loop (default:
    ``profile.async_libraries``).
    Raises :class:`ValueError` when the profile has no ``task_seconds``.
    """
    task = as_profile(profile)
    if task.task_seconds is None:
        raise ValueError("the cost model needs task_seconds (the duration of one task)")
    from ..environment import detect_environment, effective_environment

    env = effective_environment(task, environment or detect_environment())
    widths = _widths(workers, suggest_widths(task, env))
    x = Inputs.build(
        profile=task,
        environment=env,
        threads=widths.threads,
        processes=widths.processes,
        concurrency=widths.asyncio,
        chunksize=chunksize,
        include_startup=include_startup,
        awaits_io=awaits_io,
    )
    result = predict_inputs(x, env.costs)
    return result._replace(assumptions=_assumptions(task, x, env))


def format_speedup(value: float) -> str:
    """``~0.53x``, ``~1.8x``, ``~25x``: two significant digits, no false precision."""
    if value < 1:
        return f"~{value:.2f}x"
    return f"~{value:.1f}x" if value < 10 else f"~{value:.0f}x"


def describe(item: ExecutorPrediction) -> str:
    """``"processes: ~1.8x predicted"`` -- how reasons quote a prediction."""
    return f"{item.executor.value}: {format_speedup(item.speedup)} predicted"
