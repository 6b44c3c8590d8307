"""Measuring this machine's concurrency costs, honestly and within a time budget.

The method follows pyperf in miniature: every measurement runs once as a warm-up that is
thrown away, then repeats while its share of the budget lasts (at least three samples
when they fit, at most :data:`MAX_SAMPLES`); per-task costs are timed over a loop of many
tasks, doubled until one sample lasts :data:`MIN_SAMPLE_SECONDS`, so that timer resolution
does not matter.  Each figure is the median of its samples, reported with the median
absolute deviation (MAD) and the range, and flagged ``noisy`` when the MAD exceeds 10% of
the median.  Nothing is clamped or made up: a figure that could not be measured is left
out and the built-in default is kept for it, and the report says so.

Tasks sent to worker processes are built-ins (``os.getpid``, ``list``), so a worker never
imports concadvisor to run them; spawn and forkserver workers still import this program's
main module, as they do for every user.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import datetime
import functools
import math
import multiprocessing
import os
import pickle
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..profile import StartMethod
from ..workers import chunksize_for
from .cache import CACHE_FORMAT
from .machine import DEFAULT_COSTS, MachineCosts, machine_fingerprint, machine_info

__all__ = [
    "DEFAULT_BUDGET",
    "MAX_PASSES",
    "MAX_SAMPLES",
    "MIN_SAMPLE_SECONDS",
    "Calibration",
    "Measurement",
    "calibrate",
    "mad",
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

Progress = Callable[[str, float], None]
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

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "unit": self.unit,
            "median": self.median,
            "mad": self.mad,
            "min": min(self.samples),
            "max": max(self.samples),
            "samples": len(self.samples),
            "noisy": self.noisy,
            "note": self.note,
        }


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

    def document(self) -> dict[str, Any]:
        """The cache file's content (versioned JSON)."""
        from .._version import __version__

        return {
            "format": CACHE_FORMAT,
            "concadvisor": __version__,
            "fingerprint": self.costs.fingerprint,
            "measured_at": self.costs.measured_at,
            "machine": self.machine,
            "cpus": self.cpus,
            "gil_enabled": self.gil_enabled,
            "budget_seconds": self.budget,
            "elapsed_seconds": self.elapsed,
            "costs": self.costs.model_dump(mode="json"),
            "measurements": [m.as_dict() for m in self.measurements],
            "skipped": self.skipped,
        }


class _Budget:
    """Hands each step its share of the remaining time."""

    def __init__(self, total: float, clock: Clock) -> None:
        self.clock = clock
        self.start = clock()
        self.end = self.start + total

    def left(self) -> float:
        return self.end - self.clock()

    def slice(self, share: float, weight_left: float) -> float:
        """Deadline for a step worth ``share`` of the ``weight_left`` still to run."""
        return self.clock() + max(0.0, self.left()) * share / weight_left


def _samples(
    run: Callable[[], float],
    deadline: float,
    clock: Clock,
    *,
    warmup: bool = True,
    limit: int = MAX_SAMPLES,
    wanted: int = MIN_SAMPLES,
) -> list[float]:
    """Run ``run`` (which returns one sample) until ``deadline``: at least one sample,
    ``wanted`` when the first one suggests they fit, at most ``limit``."""
    started = clock()
    if warmup:
        run()
    values = [run()]
    each = max((clock() - started) / (len(values) + warmup), 1e-9)
    while len(values) < limit:
        now = clock()
        more = len(values) < wanted and now + each <= deadline + each * 0.5
        if not more and now + each > deadline:
            break
        values.append(run())
    return values


def _loop_size(batch: Callable[[int], float], clock: Clock, deadline: float) -> int:
    """``n`` such that ``batch(n)`` (the wall seconds of ``n`` tasks) lasts at least
    :data:`MIN_SAMPLE_SECONDS`, found by doubling (which doubles as the warm-up)."""
    n = 16
    while True:
        elapsed = batch(n)
        if elapsed >= MIN_SAMPLE_SECONDS or n >= 1 << 20 or clock() >= deadline:
            return n
        n *= 2


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


def _thread_dispatch(pool: cf.ThreadPoolExecutor, clock: Clock) -> Callable[[int], float]:
    def batch(n: int) -> float:
        start = clock()
        for future in [pool.submit(_noop) for _ in range(n)]:
            future.result()
        return clock() - start

    return batch


def _process_dispatch(pool: cf.ProcessPoolExecutor, clock: Clock) -> Callable[[int], float]:
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


class _Samples:
    """Samples gathered over several passes, by measurement key."""

    def __init__(self) -> None:
        self.values: dict[str, list[float]] = {}
        self.labels: dict[str, tuple[str, str]] = {}
        self.sizes: dict[str, int] = {}

    def add(self, key: str, label: str, unit: str, values: Sequence[float]) -> None:
        self.labels.setdefault(key, (label, unit))
        self.values.setdefault(key, []).extend(values)

    def per_item(
        self,
        key: str,
        label: str,
        batch: Callable[[int], float],
        deadline: float,
        clock: Clock,
        limit: int,
        want: int,
    ) -> None:
        """Sample the per-item cost of ``batch``, sized once (the first pass) and reused."""
        n = self.sizes.get(key) or _loop_size(batch, clock, deadline)
        self.sizes[key] = n
        values = _samples(
            functools.partial(_per_item, batch, n),
            deadline,
            clock,
            warmup=False,
            limit=limit,
            wanted=want,
        )
        self.add(key, label, "s", values)

    def median(self, key: str) -> float | None:
        found = self.values.get(key)
        return statistics.median(found) if found else None

    def measurements(self) -> list[Measurement]:
        return [
            Measurement(key, *self.labels[key], tuple(values))
            for key, values in self.values.items()
        ]


def calibrate(
    budget: float = DEFAULT_BUDGET,
    *,
    methods: Sequence[StartMethod] | None = None,
    progress: Progress | None = None,
    clock: Clock = time.perf_counter,
    passes: int | None = None,
) -> Calibration:
    """Measure this machine's concurrency costs in about ``budget`` seconds.

    The measurements run in ``passes`` rounds (default: one per 3 s of budget, at most
    :data:`MAX_PASSES`), each taking a share of every figure's samples, so that a burst of
    load from another program spreads over all figures instead of spoiling one -- on a
    shared machine this is what makes two calibrations agree.  ``methods`` limits the
    process start methods measured (default: every one this platform offers);
    ``progress(step, fraction_done)`` is called before each step.
    """
    from ..environment import usable_cpus

    if not math.isfinite(budget) or budget <= 0:
        raise ValueError(f"budget must be a positive number of seconds, got {budget!r}")
    available = [m for m in _START_METHODS if m in multiprocessing.get_all_start_methods()]
    wanted = available if methods is None else [m for m in available if m in methods]
    cpus = usable_cpus()
    width = max(2, cpus)
    info = machine_info()
    report = progress or (lambda step, done: None)
    timer = _Budget(budget, clock)
    rounds = passes or max(1, min(MAX_PASSES, int(budget // 3)))
    limit = max(1, -(-MAX_SAMPLES // rounds))
    want = max(1, -(-MIN_SAMPLES // rounds))
    found = _Samples()
    skipped: dict[str, str] = {}

    # Weights: how much of each pass a step gets (spawn and forkserver pools are slow).
    # Process start-ups come first, while no other thread runs: fork with live threads is
    # unsafe (and warns from Python 3.12).
    steps: list[tuple[str, float]] = [(f"process start-up ({m})", 0.15) for m in wanted]
    steps += [
        ("threads", 0.09),
        ("process pool", 0.39),
        ("event loop", 0.12),
    ]
    weight_left = rounds * sum(weight for _, weight in steps)
    done = 0

    def begin(step: str, weight: float, pass_no: int) -> float:
        nonlocal weight_left, done
        label = step if rounds == 1 else f"{step}, pass {pass_no + 1}/{rounds}"
        report(label, done / (rounds * len(steps)))
        deadline = timer.slice(weight, weight_left)
        weight_left -= weight
        done += 1
        return deadline

    for pass_no in range(rounds):
        first = pass_no == 0
        for step, weight in steps:
            deadline = begin(step, weight, pass_no)
            if step.startswith("process start-up"):
                method = wanted[[f"process start-up ({m})" for m in wanted].index(step)]
                if method in skipped:
                    continue
                try:
                    life = functools.partial(_process_pool_life, method, width, clock)
                    values = _samples(life, deadline, clock, warmup=first, limit=limit, wanted=want)
                except (OSError, RuntimeError, cf.process.BrokenProcessPool) as exc:
                    skipped[method] = f"process start-up ({method}): {exc}"
                    continue
                found.add(
                    f"process_start.{method}",
                    f"process start-up, {method} (per worker of {width})",
                    "s",
                    [v / width for v in values],
                )
            elif step == "threads":
                _measure_threads(found, width, deadline, clock, first, limit, want)
            elif step == "process pool":
                if "pool" in skipped:
                    continue
                try:
                    _measure_process_pool(found, wanted, width, deadline, clock, first, limit, want)
                except (OSError, RuntimeError, cf.process.BrokenProcessPool) as exc:
                    skipped["pool"] = f"process dispatch and IPC: {exc}"
            else:
                _measure_event_loop(found, deadline, clock, first, limit, want)
    report("done", 1.0)

    measurements = found.measurements()
    defaults = DEFAULT_COSTS

    def figure(key: str, default: float) -> float:
        value = found.median(key)
        return default if value is None else value

    start_seconds = {
        m: value for m in wanted if (value := found.median(f"process_start.{m}")) is not None
    }
    ipc_rates = [m.median for m in measurements if m.key.startswith("ipc.")]
    parallel = found.median("parallel_speedup")
    measured_at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    costs = MachineCosts(
        source="calibrated",
        measured_at=measured_at,
        fingerprint=machine_fingerprint(info),
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
        parallel_efficiency=defaults.parallel_efficiency if parallel is None else parallel / width,
    )
    return Calibration(
        costs=costs,
        measurements=measurements,
        machine=info,
        cpus=cpus,
        gil_enabled=bool(info["gil"]),
        budget=budget,
        elapsed=clock() - timer.start,
        skipped=list(skipped.values()),
    )


def _measure_threads(
    found: _Samples, width: int, deadline: float, clock: Clock, first: bool, limit: int, want: int
) -> None:
    """Thread start-up (its own pools), then dispatch on one warm pool."""
    middle = clock() + (deadline - clock()) / 2
    values = _samples(
        lambda: _thread_pool_life(THREAD_POOL_WIDTH, clock),
        middle,
        clock,
        warmup=first,
        limit=limit,
        wanted=want,
    )
    found.add(
        "thread_start",
        f"thread start-up (per thread of {THREAD_POOL_WIDTH})",
        "s",
        [v / THREAD_POOL_WIDTH for v in values],
    )
    with cf.ThreadPoolExecutor(max_workers=width) as threads:
        threads.submit(_noop).result()
        batch = _thread_dispatch(threads, clock)
        n = found.sizes.get("thread_dispatch") or _loop_size(batch, clock, deadline)
        found.sizes["thread_dispatch"] = n
        per_task = _samples(
            functools.partial(_per_item, batch, n),
            deadline,
            clock,
            warmup=False,
            limit=limit,
            wanted=want,
        )
    found.add("thread_dispatch", "thread dispatch (per task)", "s", per_task)


def _measure_process_pool(
    found: _Samples,
    wanted: Sequence[StartMethod],
    width: int,
    deadline: float,
    clock: Clock,
    first: bool,
    limit: int,
    want: int,
) -> None:
    """Dispatch (one task per message, batched), parallel CPU, pickling + IPC: one pool."""
    context = multiprocessing.get_context(wanted[0] if wanted else None)
    with cf.ProcessPoolExecutor(max_workers=width, mp_context=context) as pool:
        for future in [pool.submit(os.getpid) for _ in range(width)]:
            future.result()
        shares = (0.2, 0.15, 0.25, 0.4)  # single, batched, parallel, IPC
        cuts: list[float] = []
        start, span = clock(), deadline - clock()
        for share in shares:
            start += span * share
            cuts.append(start)
        for key, label, batch, cut in (
            (
                "process_dispatch",
                "process dispatch, chunksize=1 (per task)",
                _process_dispatch(pool, clock),
                cuts[0],
            ),
            (
                "process_batched_dispatch",
                "process dispatch, batched (per task)",
                _process_batched(pool, width, clock),
                cuts[1],
            ),
        ):
            found.per_item(key, label, batch, cut, clock, limit, want)
        spin = found.sizes.get("spin") or _spin_size(clock, 0.03)
        found.sizes["spin"] = spin
        found.add(
            "parallel_speedup",
            f"CPU-bound speedup of {width} processes over 1",
            "x",
            _samples(
                _parallel_speedup(pool, width, spin, clock),
                cuts[2],
                clock,
                warmup=first,
                limit=limit,
                wanted=want,
            ),
        )
        each = (deadline - clock()) / (len(IPC_SIZES) + 1)
        base = _samples(
            _round_trip(pool, None, clock), clock() + each, clock, limit=limit, wanted=want
        )
        empty = statistics.median(base)
        for size in IPC_SIZES:
            payload = _records(size)
            sent = len(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))
            trips = _samples(
                _round_trip(pool, payload, clock),
                clock() + each,
                clock,
                warmup=first,
                limit=limit,
                wanted=want,
            )
            rates = [2 * sent / (t - empty) for t in trips if t > empty]
            if rates:
                found.add(
                    f"ipc.{size}", f"pickling + IPC, {sent / 2**20:.2g} MiB each way", "B/s", rates
                )


def _measure_event_loop(
    found: _Samples, deadline: float, clock: Clock, first: bool, limit: int, want: int
) -> None:
    """asyncio dispatch, then thread vs coroutine hand-offs."""
    loop = asyncio.new_event_loop()
    try:
        start, span = clock(), deadline - clock()
        cuts = (start + span / 3, start + 2 * span / 3, deadline)
        for key, label, batch, cut in (
            (
                "asyncio_dispatch",
                "asyncio dispatch (per task)",
                _asyncio_dispatch(loop, clock),
                cuts[0],
            ),
            ("thread_switch", "thread hand-off (ping-pong)", _thread_pingpong(clock), cuts[1]),
            (
                "coroutine_switch",
                "coroutine hand-off (ping-pong)",
                _coroutine_pingpong(loop, clock),
                cuts[2],
            ),
        ):
            found.per_item(key, label, batch, cut, clock, limit, want)
    finally:
        loop.close()
