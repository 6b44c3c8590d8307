"""Measuring this machine's concurrency costs, honestly and within a time budget.

The method follows pyperf in miniature: every measurement runs once as a warm-up that is
thrown away, then repeats while its share of the budget lasts (at least three samples
when they fit, at most :data:`MAX_SAMPLES`); per-task costs are timed over a loop of many
tasks, doubled until one sample lasts :data:`MIN_SAMPLE_SECONDS`, so that timer resolution
does not matter.  Each figure is the median of its samples, reported with the median
absolute deviation (MAD) and the range, and flagged ``noisy`` when the MAD exceeds 10% of
the median.  Nothing is clamped or made up: a figure that could not be measured is left
out and the built-in default is kept for it, and the report says so.

The budget is a hard limit: a measurement starts only when its estimated cost (what its
first run took, or before that a prior such as the interpreter's start-up time for a
spawn pool) fits in what is left; what does not fit is reported as not measured.  The
figures the platform's default start method depends on come first, the other start
methods last.

:func:`measure` yields :mod:`~concadvisor.costs.events` as it goes; :class:`Collector`
turns them into a :class:`Calibration`.  :func:`calibrate` does both in this process;
``concadvisor calibrate`` runs :func:`measure` in an isolated process instead
(:mod:`concadvisor.costs.isolation`).

Tasks sent to worker processes are built-ins (``os.getpid``, ``list``), so a worker never
imports concadvisor to run them; spawn and forkserver workers still import this program's
main module, as they do for every user.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import datetime
import functools
import importlib
import math
import multiprocessing
import os
import pickle
import statistics
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..profile import StartMethod
from ..workers import chunksize_for
from .document import CalibrationDocument, MeasurementRecord
from .events import Event, Failed, Finished, Progress, Samples, Started, Unmeasured
from .machine import DEFAULT_COSTS, MachineCosts, machine_fingerprint, machine_info
from .penalty import free_threaded_build, measure_penalty

__all__ = [
    "DEFAULT_BUDGET",
    "MAX_PASSES",
    "MAX_SAMPLES",
    "MIN_SAMPLE_SECONDS",
    "Calibration",
    "Collector",
    "Measurement",
    "calibrate",
    "has_interpreter_pool",
    "mad",
    "measure",
]

DEFAULT_BUDGET = 15.0
#: One timed sample of a per-task cost lasts at least this long (loops are doubled).
MIN_SAMPLE_SECONDS = 0.01
#: More samples than this add little to a median.
MAX_SAMPLES = 30
#: Samples wanted when the budget allows.
MIN_SAMPLES = 3
#: Passes over every measurement (see :func:`calibrate`).
MAX_PASSES = 5
#: A measurement whose MAD is above this share of its median is flagged as noisy.
NOISY_MAD_SHARE = 0.10
#: Threads started in the thread pool start-up measurement.
THREAD_POOL_WIDTH = 16
#: Payload sizes (pickled bytes each way) of the IPC throughput measurement.
IPC_SIZES: tuple[int, ...] = (64 * 1024, 1024 * 1024, 4 * 1024 * 1024)
#: Planning prior for a fresh interpreter's start-up (spawn, forkserver) before anything
#: was measured; the isolated runner passes its own measured start-up instead.
DEFAULT_INTERPRETER_START_SECONDS = 0.3
#: Planning prior for a forked worker's start-up.
FORK_START_SECONDS = 0.05
#: The Dask step's weight per pass (it runs once, after the passes): about a quarter of
#: the budget, for a LocalCluster's seconds-long life and its dispatch.
DASK_WEIGHT_PER_PASS = 0.4

ProgressCallback = Callable[[str, float], None]
Clock = Callable[[], float]

_START_METHODS: tuple[StartMethod, ...] = ("fork", "forkserver", "spawn")


def mad(values: Sequence[float]) -> float:
    """Median absolute deviation from the median (0 for fewer than two values)."""
    if len(values) < 2:
        return 0.0
    middle = statistics.median(values)
    return statistics.median(abs(v - middle) for v in values)


@dataclass(frozen=True)
class Measurement:
    """One measured figure: the median of its samples, with their spread."""

    key: str
    label: str
    unit: str
    samples: tuple[float, ...]
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def mad(self) -> float:
        return mad(self.samples)

    @property
    def noisy(self) -> bool:
        return len(self.samples) < 2 or self.mad > NOISY_MAD_SHARE * abs(self.median)

    def record(self) -> MeasurementRecord:
        """The figure as the cache document stores it."""
        return MeasurementRecord(
            key=self.key,
            label=self.label,
            unit=self.unit,
            median=self.median,
            mad=self.mad,
            min=min(self.samples),
            max=max(self.samples),
            samples=len(self.samples),
            noisy=self.noisy,
            note=self.note,
        )


@dataclass
class Calibration:
    """The result of one calibration run: the costs, and the measurements behind them."""

    costs: MachineCosts
    measurements: list[Measurement]
    machine: dict[str, str | int | bool]
    cpus: int
    gil_enabled: bool
    budget: float
    elapsed: float
    skipped: list[str] = field(default_factory=list)

    def document(self) -> CalibrationDocument:
        """The cache file's content (typed, versioned)."""
        from .._version import __version__

        return CalibrationDocument(
            concadvisor=__version__,
            fingerprint=self.costs.fingerprint,
            measured_at=self.costs.measured_at,
            machine=self.machine,
            cpus=self.cpus,
            gil_enabled=self.gil_enabled,
            budget_seconds=self.budget,
            elapsed_seconds=self.elapsed,
            costs=self.costs,
            measurements=[m.record() for m in self.measurements],
            skipped=self.skipped,
        )


class _NoTime(Exception):
    """A measurement does not fit in what is left of the budget."""

    def __init__(self, needed: float) -> None:
        more = f" (it needs about {needed:.2g} s more)" if needed >= 0.01 else ""
        super().__init__(f"the budget ran out{more}")


class _Budget:
    """Hands each step its share of the remaining time, and refuses what does not fit."""

    def __init__(self, total: float, clock: Clock) -> None:
        self.clock = clock
        self.start = clock()
        self.end = self.start + total

    def left(self) -> float:
        return self.end - self.clock()

    def slice(self, share: float, weight_left: float) -> float:
        """Deadline for a step worth ``share`` of the ``weight_left`` still to run."""
        return self.clock() + max(0.0, self.left()) * share / weight_left

    def require(self, seconds: float) -> None:
        """Raise :class:`_NoTime` unless ``seconds`` more fit before the end."""
        if self.clock() + seconds > self.end:
            raise _NoTime(seconds)


def _samples(
    run: Callable[[], float],
    deadline: float,
    timer: _Budget,
    *,
    estimate: float,
    warmup: bool = True,
    limit: int = MAX_SAMPLES,
    wanted: int = MIN_SAMPLES,
) -> list[float]:
    """Run ``run`` (which returns one sample) until ``deadline``: at least one sample,
    ``wanted`` when the first one suggests they fit, at most ``limit``, never past the
    budget's end (:class:`_NoTime` when not even the first, of about ``estimate`` seconds,
    fits)."""
    clock = timer.clock
    timer.require(estimate * (1 + warmup))
    started = clock()
    if warmup:
        run()
    values = [run()]
    each = max((clock() - started) / (len(values) + warmup), 1e-9)
    while len(values) < limit:
        now = clock()
        if now + each > timer.end:
            break
        more = len(values) < wanted and now + each <= deadline + each * 0.5
        if not more and now + each > deadline:
            break
        values.append(run())
    return values


def _loop_size(batch: Callable[[int], float], timer: _Budget, deadline: float) -> tuple[int, float]:
    """``(n, seconds)`` such that ``batch(n)`` (the wall seconds of ``n`` tasks) lasts at
    least :data:`MIN_SAMPLE_SECONDS`, found by doubling (which doubles as the warm-up)."""
    n = 16
    elapsed = 0.0
    while True:
        timer.require(2 * elapsed)
        elapsed = batch(n)
        if elapsed >= MIN_SAMPLE_SECONDS or n >= 1 << 20 or timer.clock() >= deadline:
            return n, elapsed
        n *= 2


# -- what is measured -------------------------------------------------------------------
# -- what is measured -------------------------------------------------------------------


def _noop() -> None:
    return None


def _thread_pool_life(width: int, clock: Clock) -> float:
    """Create a pool, get every thread running (a barrier), shut it down."""
    barrier = threading.Barrier(width, timeout=10)
    start = clock()
    with cf.ThreadPoolExecutor(max_workers=width) as pool:
        for future in [pool.submit(barrier.wait) for _ in range(width)]:
            future.result()
    return clock() - start


def _process_pool_life(method: StartMethod, width: int, clock: Clock) -> float:
    """Create a pool, run a no-op on it (which starts every worker), shut it down."""
    context = multiprocessing.get_context(method)
    start = clock()
    with cf.ProcessPoolExecutor(max_workers=width, mp_context=context) as pool:
        for future in [pool.submit(os.getpid) for _ in range(width)]:
            future.result()
    return clock() - start


def has_interpreter_pool() -> bool:
    """``concurrent.futures.InterpreterPoolExecutor`` exists here (CPython 3.14+)."""
    return hasattr(cf, "InterpreterPoolExecutor")


def _interpreter_pool_life(width: int, clock: Clock) -> float:
    """Create an InterpreterPoolExecutor, run a built-in no-op on every worker, shut it
    down.  Each submit made while no worker is idle starts one more sub-interpreter, and
    creating one takes milliseconds, so ``width`` quick submits start ``width`` of them."""
    start = clock()
    with cf.InterpreterPoolExecutor(max_workers=width) as pool:  # type: ignore[attr-defined]
        for future in [pool.submit(os.getpid) for _ in range(width)]:
            future.result()
    return clock() - start


def _thread_dispatch(pool: cf.ThreadPoolExecutor, clock: Clock) -> Callable[[int], float]:
    def batch(n: int) -> float:
        start = clock()
        for future in [pool.submit(_noop) for _ in range(n)]:
            future.result()
        return clock() - start

    return batch


def _process_dispatch(pool: cf.Executor, clock: Clock) -> Callable[[int], float]:
    """A no-op (``os.getpid``, a built-in: nothing to import) per task on ``pool``."""

    def batch(n: int) -> float:
        start = clock()
        for future in [pool.submit(os.getpid) for _ in range(n)]:
            future.result()
        return clock() - start

    return batch


def _process_batched(
    pool: cf.ProcessPoolExecutor, width: int, clock: Clock
) -> Callable[[int], float]:
    def batch(n: int) -> float:
        start = clock()
        for _ in pool.map(abs, range(n), chunksize=chunksize_for(n, width)):
            pass
        return clock() - start

    return batch


def _asyncio_dispatch(loop: asyncio.AbstractEventLoop, clock: Clock) -> Callable[[int], float]:
    async def noop() -> None:
        return None

    async def gather(n: int) -> float:
        start = clock()
        await asyncio.gather(*[asyncio.ensure_future(noop()) for _ in range(n)])
        return clock() - start

    return lambda n: loop.run_until_complete(gather(n))


def _thread_pingpong(clock: Clock) -> Callable[[int], float]:
    """Two OS threads handing a turn to each other through two Events."""

    def batch(n: int) -> float:
        ping, pong = threading.Event(), threading.Event()

        def other() -> None:
            for _ in range(n):
                ping.wait(10)
                ping.clear()
                pong.set()

        thread = threading.Thread(target=other, daemon=True)
        thread.start()
        start = clock()
        for _ in range(n):
            ping.set()
            pong.wait(10)
            pong.clear()
        elapsed = clock() - start
        thread.join(10)
        return elapsed / 2  # two hand-offs per round: report per-hand-off time x n

    return batch


def _coroutine_pingpong(loop: asyncio.AbstractEventLoop, clock: Clock) -> Callable[[int], float]:
    """Two coroutines on one loop handing a turn to each other through two Events."""

    async def run(n: int) -> float:
        ping, pong = asyncio.Event(), asyncio.Event()

        async def other() -> None:
            for _ in range(n):
                await ping.wait()
                ping.clear()
                pong.set()

        task = asyncio.ensure_future(other())
        start = clock()
        for _ in range(n):
            ping.set()
            await pong.wait()
            pong.clear()
        elapsed = clock() - start
        await task
        return elapsed / 2

    return lambda n: loop.run_until_complete(run(n))


def _parallel_speedup(
    pool: cf.ProcessPoolExecutor, width: int, n: int, clock: Clock
) -> Callable[[], float]:
    """``width`` CPU-bound chunks (``sum(range(n))``, all C, holding the GIL) run one after
    another here, then at once on ``width`` workers: the ratio of the two wall times."""
    work = range(n)

    def once() -> float:
        start = clock()
        for _ in range(width):
            sum(work)
        serial = clock() - start
        start = clock()
        for _ in pool.map(sum, [work] * width):
            pass
        return serial / (clock() - start)

    return once


def _spin_size(clock: Clock, seconds: float) -> int:
    """``n`` such that ``sum(range(n))`` takes about ``seconds`` here."""
    n = 10_000
    while True:
        start = clock()
        sum(range(n))
        elapsed = clock() - start
        if elapsed >= seconds / 4 or n >= 1 << 30:
            return max(1, int(n * seconds / max(elapsed, 1e-9)))
        n *= 4


def _records(size: int) -> list[tuple[int, float, str]]:
    """Plain Python records whose pickle is about ``size`` bytes (about 25 bytes each)."""
    one = len(pickle.dumps([(10**6, 0.5, "abcdefgh")] * 2)) - len(pickle.dumps([]))
    count = max(1, size * 2 // one)
    return [(i, i * 0.5, f"{i:08x}"[-8:]) for i in range(count)]


def _round_trip(
    pool: cf.ProcessPoolExecutor, payload: list[Any] | None, clock: Clock
) -> Callable[[], float]:
    def once() -> float:
        start = clock()
        if payload is None:
            pool.submit(os.getpid).result()
        else:
            pool.submit(list, payload).result()
        return clock() - start

    return once


# -- the run ----------------------------------------------------------------------------


def _per_item(batch: Callable[[int], float], n: int) -> float:
    return batch(n) / n


def _ipc_label(size: int) -> str:
    return f"pickling + IPC, {size / 2**20:.2g} MiB each way"


def figure_labels(methods: Sequence[StartMethod], width: int) -> dict[str, tuple[str, str]]:
    """Every figure a calibration measures: key -> (label, unit), in report order."""
    labels: dict[str, tuple[str, str]] = {
        f"process_start.{m}": (f"process start-up, {m} (per worker of {width})", "s")
        for m in methods
    }
    labels.update(
        {
            "thread_start": (f"thread start-up (per thread of {THREAD_POOL_WIDTH})", "s"),
            "thread_dispatch": ("thread dispatch (per task)", "s"),
            "process_dispatch": ("process dispatch, chunksize=1 (per task)", "s"),
            "process_batched_dispatch": ("process dispatch, batched (per task)", "s"),
            "parallel_speedup": (f"CPU-bound speedup of {width} processes over 1", "x"),
        }
    )
    labels.update({f"ipc.{size}": (_ipc_label(size), "B/s") for size in IPC_SIZES})
    if has_interpreter_pool():
        labels.update(
            {
                "interpreter_start": (f"sub-interpreter start-up (per worker of {width})", "s"),
                "interpreter_dispatch": ("sub-interpreter dispatch (per task)", "s"),
            }
        )
    if _dask_installed():
        labels.update(
            {
                "dask_start": (f"Dask LocalCluster life ({width} workers, 1 thread each)", "s"),
                "dask_dispatch": ("Dask dispatch, Client.map (per task)", "s"),
            }
        )
    if free_threaded_build():
        labels["free_threaded_penalty"] = ("free-threaded single-thread penalty", "x")
    labels.update(
        {
            "asyncio_dispatch": ("asyncio dispatch (per task)", "s"),
            "thread_switch": ("thread hand-off (ping-pong)", "s"),
            "coroutine_switch": ("coroutine hand-off (ping-pong)", "s"),
        }
    )
    return labels


class _Samples:
    """Samples gathered over several passes, by measurement key; new ones become events."""

    def __init__(self, timer: _Budget, labels: dict[str, tuple[str, str]]) -> None:
        self.timer = timer
        self.labels = labels
        self.sizes: dict[str, tuple[int, float]] = {}
        self.measured: set[str] = set()
        self.pending: list[Event] = []

    def add(self, key: str, values: Sequence[float]) -> None:
        if not values:
            return
        label, unit = self.labels[key]
        self.measured.add(key)
        self.pending.append(
            Samples(key=key, label=label, unit=unit, values=tuple(float(v) for v in values))
        )

    def unmeasured(self, key: str, reason: str) -> None:
        """``key`` could not be measured (now): say why, unless it already has samples."""
        if key not in self.measured:
            self.pending.append(Unmeasured(key=key, reason=reason))

    def attempt(self, keys: Sequence[str], measure: Callable[[], None]) -> None:
        """Run ``measure``; if the budget cannot hold it, ``keys`` are left unmeasured."""
        try:
            measure()
        except _NoTime as exc:
            for key in keys:
                self.unmeasured(key, str(exc))

    def drain(self) -> list[Event]:
        events, self.pending = self.pending, []
        return events

    def per_item(
        self,
        key: str,
        batch: Callable[[int], float],
        deadline: float,
        limit: int,
        want: int,
    ) -> None:
        """Sample the per-item cost of ``batch``, sized once (the first pass) and reused."""
        sized = self.sizes.get(key) or _loop_size(batch, self.timer, deadline)
        self.sizes[key] = sized
        n, seconds = sized
        values = _samples(
            functools.partial(_per_item, batch, n),
            deadline,
            self.timer,
            estimate=seconds,
            warmup=False,
            limit=limit,
            wanted=want,
        )
        self.add(key, values)


def _ordered_methods(available: Sequence[StartMethod]) -> list[StartMethod]:
    """The platform's default start method first: the cost model uses it most."""
    default = multiprocessing.get_start_method(allow_none=True) or (
        multiprocessing.get_context().get_start_method()
    )
    return sorted(available, key=lambda m: m != default)


def measure(
    budget: float = DEFAULT_BUDGET,
    *,
    methods: Sequence[StartMethod] | None = None,
    clock: Clock = time.perf_counter,
    passes: int | None = None,
    interpreter_start_seconds: float = DEFAULT_INTERPRETER_START_SECONDS,
) -> Iterator[Event]:
    """Measure this machine's concurrency costs within ``budget`` seconds, as events.

    The measurements run in ``passes`` rounds (default: one per 3 s of budget, at most
    :data:`MAX_PASSES`), each taking a share of every figure's samples, so that a burst of
    load from another program spreads over all figures instead of spoiling one -- on a
    shared machine this is what makes two calibrations agree.  ``methods`` limits the
    process start methods measured (default: every one this platform offers).
    ``interpreter_start_seconds`` is the planning prior for a spawn or forkserver worker.
    """
    from ..environment import usable_cpus

    if not math.isfinite(budget) or budget <= 0:
        raise ValueError(f"budget must be a positive number of seconds, got {budget!r}")
    available = [m for m in _START_METHODS if m in multiprocessing.get_all_start_methods()]
    wanted = _ordered_methods(
        available if methods is None else [m for m in available if m in methods]
    )
    cpus = usable_cpus()
    width = max(2, cpus)
    timer = _Budget(budget, clock)
    yield Started(machine=machine_info(), cpus=cpus, width=width, methods=tuple(wanted))
    rounds = passes or max(1, min(MAX_PASSES, int(budget // 3)))
    limit = max(1, -(-MAX_SAMPLES // rounds))
    want = max(1, -(-MIN_SAMPLES // rounds))
    found = _Samples(timer, figure_labels(wanted, width))
    failed: set[str] = set()
    priors = {
        m: width * (FORK_START_SECONDS if m == "fork" else interpreter_start_seconds)
        for m in wanted
    }

    # Weights: how much of each pass a step gets (spawn and forkserver pools are slow).
    # The default start method's start-up comes first, while no other thread runs (fork
    # with live threads is unsafe, and warns from Python 3.12); every thread, loop and pool
    # of a step is gone when it ends, so the other start methods can come last.
    steps: list[tuple[str, StartMethod | None, float]] = [
        (f"process start-up ({m})", m, 0.15) for m in wanted[:1]
    ]
    # Cheap steps before the expensive process pool, so that a small budget loses the
    # fewest figures.
    steps += [("threads", None, 0.09), ("event loop", None, 0.12), ("process pool", None, 0.39)]
    if has_interpreter_pool():
        steps.append(("sub-interpreters", None, 0.12))
    steps += [(f"process start-up ({m})", m, 0.15) for m in wanted[1:]]
    if "free_threaded_penalty" in found.labels:
        steps.append(("free-threaded penalty", None, 0.03))
    # Dask last and once, after every pass: a LocalCluster leaves Dask's event-loop
    # thread running, and a fork with live threads is unsafe.
    dask = _dask_installed()
    dask_weight = DASK_WEIGHT_PER_PASS * rounds if dask else 0.0
    weight_left = rounds * sum(weight for _, _, weight in steps) + dask_weight
    done = 0
    for pass_no in range(rounds):
        first = pass_no == 0
        for step, method, weight in steps:
            label = step if rounds == 1 else f"{step}, pass {pass_no + 1}/{rounds}"
            yield Progress(step=label, done=done / (rounds * len(steps)))
            deadline = timer.slice(weight, weight_left)
            weight_left -= weight
            done += 1
            if method is not None:
                key = f"process_start.{method}"
                if key in failed:
                    continue
                try:
                    found.attempt(
                        [key],
                        functools.partial(
                            _measure_start,
                            found,
                            method,
                            width,
                            priors[method],
                            deadline,
                            first,
                            limit,
                            want,
                        ),
                    )
                except (OSError, RuntimeError, cf.process.BrokenProcessPool) as exc:
                    failed.add(key)
                    found.unmeasured(key, f"{type(exc).__name__}: {exc}")
            elif step == "threads":
                _measure_threads(found, width, deadline, first, limit, want)
            elif step == "process pool":
                keys = [k for k in found.labels if k.startswith(("process_", "parallel", "ipc."))]
                keys = [k for k in keys if not k.startswith("process_start.")]
                if "pool" in failed:
                    continue
                try:
                    found.attempt(
                        keys,
                        functools.partial(
                            _measure_process_pool,
                            found,
                            wanted,
                            width,
                            priors,
                            deadline,
                            first,
                            limit,
                            want,
                        ),
                    )
                except (OSError, RuntimeError, cf.process.BrokenProcessPool) as exc:
                    failed.add("pool")
                    for key in keys:
                        found.unmeasured(key, f"{type(exc).__name__}: {exc}")
            elif step == "free-threaded penalty":
                if first:  # two fresh interpreters, once: not a per-pass figure
                    ratio, why = measure_penalty(timeout=max(5.0, timer.left()))
                    if ratio is None:
                        found.unmeasured("free_threaded_penalty", why)
                    else:
                        found.add("free_threaded_penalty", [ratio])
            elif step == "sub-interpreters":
                keys = ["interpreter_start", "interpreter_dispatch"]
                if "interpreters" in failed:
                    continue
                try:
                    found.attempt(
                        keys,
                        functools.partial(
                            _measure_interpreters, found, width, deadline, first, limit, want
                        ),
                    )
                except (OSError, RuntimeError) as exc:  # BrokenInterpreterPool is one
                    failed.add("interpreters")
                    for key in keys:
                        found.unmeasured(key, f"{type(exc).__name__}: {exc}")
            else:
                _measure_event_loop(found, deadline, first, limit, want)
            yield from found.drain()
    if dask:
        yield Progress(step="dask", done=done / (done + 1))
        deadline = timer.slice(dask_weight, weight_left)
        keys = ["dask_start", "dask_dispatch"]
        try:
            found.attempt(keys, functools.partial(_measure_dask, found, width, deadline))
        except Exception as exc:  # any failure inside Dask: its figures keep their defaults
            for key in keys:
                found.unmeasured(key, f"{type(exc).__name__}: {exc}"[:200])
        yield from found.drain()
    yield Progress(step="done", done=1.0)
    yield Finished()


class CalibrationFailed(Exception):
    """The measuring stopped on an unexpected error; nothing usable was measured."""


class Collector:
    """Turns :func:`measure`'s events into a :class:`Calibration` (either side of a pipe)."""

    def __init__(self, progress: ProgressCallback | None = None) -> None:
        self.progress = progress
        self.started: Started | None = None
        self.values: dict[str, list[float]] = {}
        self.labels: dict[str, tuple[str, str]] = {}
        self.reasons: dict[str, str] = {}
        self.finished = False
        self.failure: str | None = None

    def feed(self, event: Event) -> None:
        if isinstance(event, Started):
            self.started = event
            self.labels = figure_labels(event.methods, event.width)
        elif isinstance(event, Progress):
            if self.progress is not None:
                self.progress(event.step, event.done)
        elif isinstance(event, Samples):
            self.labels.setdefault(event.key, (event.label, event.unit))
            self.values.setdefault(event.key, []).extend(event.values)
            self.reasons.pop(event.key, None)
        elif isinstance(event, Unmeasured):
            if event.key not in self.values:
                self.reasons[event.key] = event.reason
        elif isinstance(event, Finished):
            self.finished = True
        elif isinstance(event, Failed):
            self.failure = event.error

    def median(self, key: str) -> float | None:
        found = self.values.get(key)
        return statistics.median(found) if found else None

    def calibration(
        self, budget: float, elapsed: float, *, unfinished: str | None = None
    ) -> Calibration:
        """The result so far.  A figure without samples keeps its default, and the
        result's ``skipped`` says why (``unfinished``: why the run stopped early)."""
        if self.started is None:
            raise CalibrationFailed(self.failure or unfinished or "nothing was measured")
        started = self.started
        measurements = [
            Measurement(key, *self.labels[key], tuple(values))
            for key, values in self.values.items()
        ]
        fallback = unfinished or "the budget ran out before it was measured"
        skipped = [
            f"{label}: {self.reasons.get(key, fallback)}"
            for key, (label, _) in self.labels.items()
            if key not in self.values
        ]
        defaults = DEFAULT_COSTS

        def figure(key: str, default: float) -> float:
            value = self.median(key)
            return default if value is None else value

        start_seconds = {
            m: value
            for m in started.methods
            if (value := self.median(f"process_start.{m}")) is not None
        }
        ipc_rates = [m.median for m in measurements if m.key.startswith("ipc.")]
        parallel = self.median("parallel_speedup")
        measured_at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        costs = MachineCosts(
            source="calibrated",
            measured_at=measured_at,
            fingerprint=machine_fingerprint(started.machine),
            process_start_seconds={**defaults.process_start_seconds, **start_seconds},
            thread_start_seconds=figure("thread_start", defaults.thread_start_seconds),
            thread_dispatch_seconds=figure("thread_dispatch", defaults.thread_dispatch_seconds),
            process_dispatch_seconds=figure("process_dispatch", defaults.process_dispatch_seconds),
            process_batched_dispatch_seconds=figure(
                "process_batched_dispatch", defaults.process_batched_dispatch_seconds
            ),
            asyncio_dispatch_seconds=figure("asyncio_dispatch", defaults.asyncio_dispatch_seconds),
            # Small payloads pickle faster per byte than large ones: the median of the sizes.
            ipc_bytes_per_second=statistics.median(ipc_rates)
            if ipc_rates
            else defaults.ipc_bytes_per_second,
            thread_switch_seconds=figure("thread_switch", defaults.thread_switch_seconds),
            coroutine_switch_seconds=figure("coroutine_switch", defaults.coroutine_switch_seconds),
            interpreter_start_seconds=figure(
                "interpreter_start", defaults.interpreter_start_seconds
            ),
            interpreter_dispatch_seconds=figure(
                "interpreter_dispatch", defaults.interpreter_dispatch_seconds
            ),
            dask_start_seconds=figure("dask_start", defaults.dask_start_seconds),
            dask_dispatch_seconds=figure("dask_dispatch", defaults.dask_dispatch_seconds),
            dask_source="calibrated"
            if "dask_start" in self.values and "dask_dispatch" in self.values
            else "defaults",
            free_threaded_penalty=self.median("free_threaded_penalty"),
            parallel_efficiency=defaults.parallel_efficiency
            if parallel is None
            else parallel / started.width,
        )
        return Calibration(
            costs=costs,
            measurements=measurements,
            machine=started.machine,
            cpus=started.cpus,
            gil_enabled=bool(started.machine.get("gil", True)),
            budget=budget,
            elapsed=elapsed,
            skipped=skipped,
        )


def calibrate(
    budget: float = DEFAULT_BUDGET,
    *,
    methods: Sequence[StartMethod] | None = None,
    progress: ProgressCallback | None = None,
    clock: Clock = time.perf_counter,
    passes: int | None = None,
) -> Calibration:
    """Measure this machine's concurrency costs in at most ``budget`` seconds, here.

    See :func:`measure`; ``progress(step, fraction_done)`` is called before each step.
    """
    start = clock()
    collector = Collector(progress)
    for event in measure(budget, methods=methods, clock=clock, passes=passes):
        collector.feed(event)
    return collector.calibration(budget, clock() - start)


def _measure_start(
    found: _Samples,
    method: StartMethod,
    width: int,
    prior: float,
    deadline: float,
    first: bool,
    limit: int,
    want: int,
) -> None:
    """Process pool start-up for ``method``: whole pool lives, divided by the width."""
    key = f"process_start.{method}"
    estimate = found.sizes.get(key, (0, prior))[1]
    life = functools.partial(_process_pool_life, method, width, found.timer.clock)
    values = _samples(
        life, deadline, found.timer, estimate=estimate, warmup=first, limit=limit, wanted=want
    )
    found.sizes[key] = (width, min(values))
    found.add(key, [v / width for v in values])


def _measure_interpreters(
    found: _Samples, width: int, deadline: float, first: bool, limit: int, want: int
) -> None:
    """Sub-interpreter start-up (whole pool lives / width), then dispatch on a warm pool."""
    clock = found.timer.clock
    middle = clock() + (deadline - clock()) / 2
    estimate = found.sizes.get(
        "interpreter_start", (0, width * DEFAULT_COSTS.interpreter_start_seconds)
    )[1]
    values = _samples(
        functools.partial(_interpreter_pool_life, width, clock),
        middle,
        found.timer,
        estimate=estimate,
        warmup=first,
        limit=limit,
        wanted=want,
    )
    found.sizes["interpreter_start"] = (width, min(values))
    found.add("interpreter_start", [v / width for v in values])
    found.timer.require(min(values))
    with cf.InterpreterPoolExecutor(max_workers=width) as pool:  # type: ignore[attr-defined]
        for future in [pool.submit(os.getpid) for _ in range(width)]:
            future.result()
        found.per_item(
            "interpreter_dispatch", _process_dispatch(pool, clock), deadline, limit, want
        )


def _dask_installed() -> bool:
    from ..environment import dask_installed  # environment imports this package

    return dask_installed()


def _dask_cluster_life(distributed: Any, width: int, clock: Clock) -> float:
    """Start a LocalCluster of ``width`` one-thread workers on 127.0.0.1, connect a Client,
    run a no-op on every worker, shut it all down: the seconds it took."""
    from ..executors.dask import local_cluster

    start = clock()
    with (
        local_cluster(distributed, width) as cluster,
        distributed.Client(cluster) as client,
    ):
        client.run(os.getpid)
    return clock() - start


def _dask_dispatch(client: Any, clock: Clock) -> Callable[[int], float]:
    """A no-op (``abs``, a built-in) per task through ``Client.map``, many in flight."""

    def batch(n: int) -> float:
        start = clock()
        client.gather(client.map(abs, range(n), pure=False))
        return clock() - start

    return batch


def _measure_dask(found: _Samples, width: int, deadline: float) -> None:
    """Dask: a LocalCluster's whole life (at most 3 samples), then dispatch on a warm one."""
    from ..executors.dask import local_cluster, quiet_dask

    quiet_dask()
    distributed: Any = importlib.import_module("distributed")
    clock = found.timer.clock
    middle = clock() + (deadline - clock()) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = _samples(
            functools.partial(_dask_cluster_life, distributed, width, clock),
            middle,
            found.timer,
            estimate=DEFAULT_COSTS.dask_start_seconds,
            warmup=False,
            limit=3,
            wanted=1,
        )
        found.add("dask_start", values)
        found.timer.require(min(values))
        with (
            local_cluster(distributed, width) as cluster,
            distributed.Client(cluster) as client,
        ):
            client.run(os.getpid)
            found.per_item("dask_dispatch", _dask_dispatch(client, clock), deadline, 5, 3)


def _measure_threads(
    found: _Samples, width: int, deadline: float, first: bool, limit: int, want: int
) -> None:
    """Thread start-up (its own pools), then dispatch on one warm pool."""
    clock = found.timer.clock
    middle = clock() + (deadline - clock()) / 2

    def start_up() -> None:
        values = _samples(
            lambda: _thread_pool_life(THREAD_POOL_WIDTH, clock),
            middle,
            found.timer,
            estimate=0.01,
            warmup=first,
            limit=limit,
            wanted=want,
        )
        found.add("thread_start", [v / THREAD_POOL_WIDTH for v in values])

    def dispatch() -> None:
        with cf.ThreadPoolExecutor(max_workers=width) as threads:
            threads.submit(_noop).result()
            found.per_item(
                "thread_dispatch", _thread_dispatch(threads, clock), deadline, limit, want
            )

    found.attempt(["thread_start"], start_up)
    found.attempt(["thread_dispatch"], dispatch)


def _measure_process_pool(
    found: _Samples,
    wanted: Sequence[StartMethod],
    width: int,
    priors: dict[StartMethod, float],
    deadline: float,
    first: bool,
    limit: int,
    want: int,
) -> None:
    """Dispatch (one task per message, batched), parallel CPU, pickling + IPC: one pool."""
    timer = found.timer
    clock = timer.clock
    method = wanted[0] if wanted else None
    timer.require(2 * priors[method] if method is not None else 1.0)
    context = multiprocessing.get_context(method)
    with cf.ProcessPoolExecutor(max_workers=width, mp_context=context) as pool:
        for future in [pool.submit(os.getpid) for _ in range(width)]:
            future.result()
        shares = (0.2, 0.15, 0.25, 0.4)  # single, batched, parallel, IPC
        cuts: list[float] = []
        start, span = clock(), deadline - clock()
        for share in shares:
            start += span * share
            cuts.append(start)
        for key, batch, cut in (
            ("process_dispatch", _process_dispatch(pool, clock), cuts[0]),
            ("process_batched_dispatch", _process_batched(pool, width, clock), cuts[1]),
        ):
            found.attempt([key], functools.partial(found.per_item, key, batch, cut, limit, want))

        def parallel() -> None:
            timer.require(0.05)
            spin = found.sizes.get("spin") or (_spin_size(clock, 0.03), 0.03 * (width + 1))
            found.sizes["spin"] = spin
            n, seconds = spin
            values = _samples(
                _parallel_speedup(pool, width, n, clock),
                cuts[2],
                timer,
                estimate=seconds,
                warmup=first,
                limit=limit,
                wanted=want,
            )
            found.add("parallel_speedup", values)

        found.attempt(["parallel_speedup"], parallel)
        ipc_keys = [f"ipc.{size}" for size in IPC_SIZES]
        each = (deadline - clock()) / (len(IPC_SIZES) + 1)
        try:
            base = _samples(
                _round_trip(pool, None, clock),
                clock() + each,
                timer,
                estimate=0.002,
                limit=limit,
                wanted=want,
            )
        except _NoTime as exc:
            for key in ipc_keys:
                found.unmeasured(key, str(exc))
            return
        empty = statistics.median(base)
        for size, key in zip(IPC_SIZES, ipc_keys, strict=True):
            found.attempt(
                [key], functools.partial(_ipc, found, pool, size, empty, each, first, limit, want)
            )


def _ipc(
    found: _Samples,
    pool: cf.ProcessPoolExecutor,
    size: int,
    empty: float,
    each: float,
    first: bool,
    limit: int,
    want: int,
) -> None:
    """Pickling + IPC throughput for a payload of about ``size`` bytes each way."""
    timer, clock = found.timer, found.timer.clock
    key = f"ipc.{size}"
    # Building the records and a round trip at the default rate, both ways, plus margin.
    estimate = found.sizes.get(key, (0, 3 * size / DEFAULT_COSTS.ipc_bytes_per_second))[1]
    timer.require(estimate * (1 + first))
    payload = _records(size)
    sent = len(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))
    trips = _samples(
        _round_trip(pool, payload, clock),
        clock() + each,
        timer,
        estimate=estimate,
        warmup=first,
        limit=limit,
        wanted=want,
    )
    found.sizes[key] = (size, min(trips))
    found.add(key, [2 * sent / (t - empty) for t in trips if t > empty])


def _measure_event_loop(
    found: _Samples, deadline: float, first: bool, limit: int, want: int
) -> None:
    """asyncio dispatch, then thread vs coroutine hand-offs."""
    clock = found.timer.clock
    loop = asyncio.new_event_loop()
    try:
        start, span = clock(), deadline - clock()
        cuts = (start + span / 3, start + 2 * span / 3, deadline)
        for key, batch, cut in (
            ("asyncio_dispatch", _asyncio_dispatch(loop, clock), cuts[0]),
            ("thread_switch", _thread_pingpong(clock), cuts[1]),
            ("coroutine_switch", _coroutine_pingpong(loop, clock), cuts[2]),
        ):
            found.attempt([key], functools.partial(found.per_item, key, batch, cut, limit, want))
    finally:
        loop.close()
