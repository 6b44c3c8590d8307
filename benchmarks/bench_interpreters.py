"""Sub-interpreters against processes on pure-Python CPU work (Python 3.14+ only).

Prints, for a pool of 2 workers: the start-up of an InterpreterPoolExecutor and of process
pools (fork, forkserver; create, one task on every worker, shut down), the per-task dispatch
of a no-op with many in flight, and for CPU tasks of a few sizes the wall time of a batch on
a warm pool of each kind, as ratios (processes / interpreters: above 1, interpreters are
faster).  Medians of interleaved rounds; no pass/fail, the machine decides.

    python benchmarks/bench_interpreters.py [--rounds 5] [--workers 2]
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import multiprocessing
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

#: CPU task sizes: iterations of the pure-Python loop, and tasks per batch.
SIZES: tuple[tuple[int, int], ...] = ((1_000, 2_000), (30_000, 200), (1_000_000, 8))
#: No-op tasks in flight for the dispatch figure.
DISPATCH_TASKS = 2000


def spin(n: int) -> int:
    """Pure-Python CPU work holding the GIL (module level, no closure: shareable)."""
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def _pools(workers: int) -> dict[str, Callable[[], cf.Executor]]:
    pools: dict[str, Callable[[], cf.Executor]] = {
        "interpreters": lambda: cf.InterpreterPoolExecutor(workers),  # type: ignore[attr-defined]
    }
    for method in ("fork", "forkserver"):
        if method in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context(method)
            pools[f"processes/{method}"] = lambda c=context: cf.ProcessPoolExecutor(
                workers, mp_context=c
            )
    return pools


def _life(factory: Callable[[], cf.Executor], workers: int) -> float:
    start = time.perf_counter()
    with factory() as pool:
        for future in [pool.submit(os.getpid) for _ in range(workers)]:
            future.result()
    return time.perf_counter() - start


def _batch(pool: cf.Executor, func: Callable[..., Any], args: list[Any]) -> float:
    start = time.perf_counter()
    for future in [pool.submit(func, a) for a in args]:
        future.result()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    if not hasattr(cf, "InterpreterPoolExecutor"):
        print("needs Python 3.14+ (concurrent.futures.InterpreterPoolExecutor)", file=sys.stderr)
        return 2
    rounds, workers = max(1, options.rounds), max(1, options.workers)
    pools = _pools(workers)
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, pool of {workers}")

    print("\nstart-up (create + one task per worker + shutdown), median of", rounds)
    life: dict[str, list[float]] = {name: [] for name in pools}
    for _ in range(rounds):
        for name, factory in pools.items():
            life[name].append(_life(factory, workers))
    for name, values in life.items():
        median = statistics.median(values)
        print(f"  {name:22} {median * 1e3:8.1f} ms  ({median / workers * 1e3:.1f} ms per worker)")

    # Process pools first, every worker started: forking while sub-interpreters are alive
    # kills the forked child (CPython 3.14, 3.15), so the interpreter pool comes last.
    warm: dict[str, cf.Executor] = {}
    try:
        for name in sorted(pools, key=lambda name: name == "interpreters"):
            warm[name] = pools[name]()
            _batch(warm[name], spin, [10] * (4 * workers))
        print(f"\ndispatch of a no-op (os.getpid), {DISPATCH_TASKS} in flight, per task")
        for name, pool in warm.items():
            values = [_no_ops(pool, DISPATCH_TASKS) / DISPATCH_TASKS for _ in range(rounds)]
            print(f"  {name:22} {statistics.median(values) * 1e6:8.1f} µs")
        print("\nCPU batches (warm pools): median wall; ratio = processes / interpreters")
        serial_note = "serial"
        for n, tasks in SIZES:
            walls: dict[str, list[float]] = {name: [] for name in warm}
            walls[serial_note] = []
            for _ in range(rounds):
                start = time.perf_counter()
                for _ in range(tasks):
                    spin(n)
                walls[serial_note].append(time.perf_counter() - start)
                for name, pool in warm.items():
                    walls[name].append(_batch(pool, spin, [n] * tasks))
            medians = {name: statistics.median(v) for name, v in walls.items()}
            sub = medians["interpreters"]
            ratios = ", ".join(
                f"{name} {medians[name] / sub:.2f}" for name in warm if name != "interpreters"
            )
            print(
                f"  {tasks:5} tasks x spin({n:>9,}): serial {medians[serial_note] * 1e3:7.1f} ms, "
                f"interpreters {sub * 1e3:7.1f} ms ({medians[serial_note] / sub:.2f}x serial); "
                f"{ratios}"
            )
    finally:
        for pool in warm.values():
            pool.shutdown()
    return 0


def _no_ops(pool: cf.Executor, n: int) -> float:
    start = time.perf_counter()
    for future in [pool.submit(os.getpid) for _ in range(n)]:
        future.result()
    return time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main())
