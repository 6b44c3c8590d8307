"""How big a round is and how many rounds fit in the budget: small pure functions.

The warm-up gives one task's wall time ``t`` and CPU share ``c``.  A round runs the same
batch of ``n`` tasks once under every executor; the batch must be large enough that timer
and dispatch noise are small against it (:data:`TARGET_BATCH_SECONDS` of serial work), at
least twice the widest pool (so that every worker gets work and one straggler does not
decide the result), and small enough that :data:`TARGET_ROUNDS` rounds fit in what is left
of the budget.  The per-executor estimates below are deliberately simple models; they only
size the batch -- the measurement itself decides everything else.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ..executors import registry
from ..profile import Executor
from ..workers import chunksize_for

__all__ = [
    "EXECUTORS",
    "MAX_ROUNDS",
    "MIN_ROUNDS",
    "Plan",
    "estimate_trials",
    "make_plan",
    "setup_estimate",
    "startup_estimate",
    "sweep_cap",
    "sweep_tasks",
    "trial_timeout",
]

#: Serial work per round that dwarfs timer resolution and per-task dispatch noise.
TARGET_BATCH_SECONDS = 0.25
#: Rounds needed for a median and a spread worth the name.
MIN_ROUNDS = 3
#: Rounds the batch is sized for.
TARGET_ROUNDS = 5
#: More rounds than this add little to a median and cost time.
MAX_ROUNDS = 5
#: Default thread pool cap (OS threads cost memory and switches; see rules' THREAD_IO_CAP).
THREAD_CAP = 16
#: Largest batch: beyond it, tiny tasks only measure dispatch overhead more precisely.
MAX_TASKS = 4096
#: Rough fixed cost of one task sent to a process pool, and pickle/pipe throughput.  A
#: sub-interpreter pool measures about the same per task (docs/costs.md), pickling too.
PROCESS_DISPATCH_SECONDS = 2e-4
#: Seconds a LocalCluster takes to start in a fresh runner, ``import distributed``
#: included (docs/dask.md).
_DASK_START_SECONDS = 2.0
#: Rough per-task cost of a LocalCluster (client -> scheduler -> worker and back).
DASK_DISPATCH_SECONDS = 3e-3
PICKLE_BYTES_PER_SECOND = 300e6
#: A trial slower than this many times its estimate (and than the floor) is a hang.
TIMEOUT_FACTOR = 8.0
TIMEOUT_FLOOR_SECONDS = 1.0
#: Share of the time left after the warm-up that the main rounds may use; the rest is the
#: width sweep's (and its pools' start-up).
MAIN_ROUNDS_SHARE = 0.5
#: Widest width the sweep measures per executor: OS threads cost memory and switches,
#: processes beyond twice the CPUs only queue, coroutines are cheap.
SWEEP_THREAD_CAP = 256
SWEEP_PROCESS_CPU_FACTOR = 2
SWEEP_ASYNC_CAP = 1024
#: A sweep round gives every worker this many tasks (so that each has work and one
#: straggler does not decide the result) ...
SWEEP_TASKS_PER_WORKER = 2
#: ... and at least this much serial work, as the main rounds do.
SWEEP_BATCH_SECONDS = 0.05
#: Rounds of each sweep point (for a median and a spread).
SWEEP_ROUNDS = 3


#: Interleaving order inside a round: the registry's (typed as str, as the pipe carries them).
EXECUTORS: tuple[str, ...] = registry.EXECUTORS


@dataclass(frozen=True)
class Plan:
    """The measurement plan, fixed before the pools start."""

    tasks: int
    threads: int
    processes: int
    asyncio: int
    chunksize: int
    rounds: int
    estimates: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _widths(n: int, cpus: int, workers: int | None) -> tuple[int, int, int]:
    """(threads, processes, asyncio concurrency) for a batch of ``n`` tasks.

    Processes default to the usable CPUs; threads to enough for I/O overlap but at most
    half the batch; coroutines are cheap, so asyncio runs the whole batch at once.
    """
    if workers is not None:
        return workers, workers, workers
    threads = max(cpus, min(THREAD_CAP, n // 2))
    return threads, cpus, n


def estimate_trials(
    n: int,
    task_seconds: float,
    cpu_share: float,
    *,
    is_async: bool,
    cpus: int,
    workers: int | None = None,
    payload_bytes: int = 0,
) -> dict[str, float]:
    """Rough seconds one trial of ``n`` tasks takes under each executor.

    CPU work is assumed to hold the GIL (the pessimistic case for threads) and waiting to
    overlap perfectly up to the pool width.
    """
    t = max(task_seconds, 1e-7)
    c = min(max(cpu_share, 0.0), 1.0)
    threads, processes, concurrency = _widths(n, cpus, workers)
    serial = n * t
    threaded = c * serial + (1 - c) * serial / max(1, min(threads, n))
    parallel = max(1, min(processes, n, cpus))
    ipc = PROCESS_DISPATCH_SECONDS + payload_bytes / PICKLE_BYTES_PER_SECOND
    process = serial * (c / parallel + (1 - c) / max(1, min(processes, n))) + n * ipc
    # A sync call blocks the loop: one at a time, like serial.
    loop = c * serial + (1 - c) * t * math.ceil(n / max(1, concurrency)) if is_async else serial
    return {
        Executor.SERIAL: serial,
        Executor.THREADS: threaded,
        Executor.PROCESSES: process,
        Executor.ASYNCIO: loop,
        # One sub-interpreter per process width, one task per message (no chunksize).
        Executor.INTERPRETERS: process,
        # A LocalCluster as wide as the process pool, milliseconds per task.
        Executor.DASK: serial * (c / parallel + (1 - c) / max(1, min(processes, n)))
        + n * (DASK_DISPATCH_SECONDS + payload_bytes / PICKLE_BYTES_PER_SECOND),
    }


def make_plan(
    task_seconds: float,
    cpu_share: float,
    *,
    is_async: bool,
    cpus: int,
    time_left: float,
    executors: tuple[str, ...] = EXECUTORS,
    workers: int | None = None,
    tasks: int | None = None,
    inputs: int | None = None,
    payload_bytes: int = 0,
) -> Plan:
    """Size the batch and the number of rounds for ``time_left`` seconds of rounds.

    ``tasks`` (the user's ``--tasks``) fixes the batch; ``inputs`` (the number of per-task
    argument tuples) caps it; otherwise the batch grows to :data:`TARGET_BATCH_SECONDS` of
    serial work, as long as :data:`TARGET_ROUNDS` rounds still fit.
    """
    t = max(task_seconds, 1e-7)
    floor = 2 * (workers if workers is not None else cpus)  # twice the process pool

    def round_seconds(n: int) -> float:
        est = estimate_trials(
            n,
            t,
            cpu_share,
            is_async=is_async,
            cpus=cpus,
            workers=workers,
            payload_bytes=payload_bytes,
        )
        return sum(est[name] for name in executors)

    if tasks is not None:
        n = tasks
    else:
        ceiling = min(MAX_TASKS, inputs) if inputs is not None else MAX_TASKS
        n = min(ceiling, max(floor, math.ceil(TARGET_BATCH_SECONDS / t)))
        while n > floor and n > 1 and round_seconds(n) * TARGET_ROUNDS > time_left:
            n = max(floor, min(n - 1, n * 3 // 4))
        n = max(1, min(n, ceiling))
    per_round = round_seconds(n)
    rounds = int(time_left // per_round) if per_round > 0 else MAX_ROUNDS
    rounds = max(1, min(MAX_ROUNDS, rounds))
    threads, processes, concurrency = _widths(n, cpus, workers)
    chunksize = chunksize_for(n, processes)
    estimates = estimate_trials(
        n,
        t,
        cpu_share,
        is_async=is_async,
        cpus=cpus,
        workers=workers,
        payload_bytes=payload_bytes,
    )
    return Plan(
        tasks=n,
        threads=threads,
        processes=processes,
        asyncio=concurrency,
        chunksize=chunksize,
        rounds=rounds,
        estimates=estimates,
    )


#: Start-up a new process pool is assumed to need, per worker, by start method.
_PROCESS_START_SECONDS = {"fork": 0.02}
_PROCESS_START_DEFAULT = 0.15
#: ... and a sub-interpreter, which imports its own modules.
_INTERPRETER_START_SECONDS = 0.15


def startup_estimate(start_method: str, workers: int, executors: Sequence[str]) -> float:
    """Seconds the pools of ``executors`` are assumed to need to start ``workers`` each,
    before anything is measured (the main rounds' pools, or one sweep point's)."""
    estimate = 0.02
    if "processes" in executors:
        per = _PROCESS_START_SECONDS.get(start_method, _PROCESS_START_DEFAULT)
        estimate = 0.1 + per * workers
    if "interpreters" in executors:
        estimate += _INTERPRETER_START_SECONDS * workers
    if "dask" in executors:
        estimate += _DASK_START_SECONDS  # a LocalCluster: scheduler, nannies, workers
    return estimate


def setup_estimate(executor: str, per_worker: float, workers: int, cpus: int) -> float:
    """Seconds a new pool's per-worker setup (``--setup``) is assumed to take, from one
    worker's measured setup: threads one after another (as if it held the GIL), processes
    ``cpus`` at a time, the asyncio loop and serial once."""
    if per_worker <= 0:
        return 0.0
    if executor == "threads":
        return per_worker * workers
    if executor in ("processes", "interpreters"):
        return per_worker * math.ceil(workers / max(1, cpus))
    return per_worker


def sweep_cap(executor: str, cpus: int, tasks: int | None) -> int:
    """Widest width the sweep may measure for ``executor``: its cap, and the user's tasks.

    More workers than tasks can never run at once, so ``--tasks`` bounds every sweep.
    """
    caps: dict[str, int] = {
        Executor.THREADS.value: SWEEP_THREAD_CAP,
        Executor.PROCESSES.value: SWEEP_PROCESS_CPU_FACTOR * max(1, cpus),
        Executor.DASK.value: SWEEP_PROCESS_CPU_FACTOR * max(1, cpus),
        Executor.ASYNCIO.value: SWEEP_ASYNC_CAP,
    }
    cap = caps.get(str(executor), 1)
    if tasks is not None:
        cap = min(cap, tasks)
    return max(1, cap)


def sweep_tasks(width: int, task_seconds: float, limit: int | None) -> int:
    """Tasks in one sweep round at ``width``: width x k, at least the minimum batch work.

    ``limit`` (the user's tasks or the inputs given) caps it: a round never holds more
    tasks than there are.
    """
    t = max(task_seconds, 1e-7)
    n = max(SWEEP_TASKS_PER_WORKER * width, math.ceil(SWEEP_BATCH_SECONDS / t))
    n = min(n, max(MAX_TASKS, SWEEP_TASKS_PER_WORKER * width))
    if limit is not None:
        n = min(n, limit)
    return max(1, n)


def trial_timeout(estimate: float, previous: float | None = None) -> float:
    """Seconds after which one trial counts as hung.

    Generous on purpose (a trial that is merely slow must not be called a hang): a multiple
    of the larger of the planned estimate and the same executor's last trial, with a floor.
    """
    base = max(estimate, previous or 0.0)
    return max(TIMEOUT_FLOOR_SECONDS, TIMEOUT_FACTOR * base)
