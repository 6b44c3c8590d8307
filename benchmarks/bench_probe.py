"""How long the probe takes against a careful hand-made comparison, and do they agree?

For each example workload (examples/workloads.py), the hand-made comparison does what a
careful developer would: start a thread pool, a process pool and an event loop once, warm
each up, then time 5 interleaved rounds (serial, threads, processes, asyncio) of the whole
batch of N tasks and pick the executor with the best median.  The probe is asked about the
same N tasks (``tasks=N``) with its default budget.

Target: the same winner, and the probe in at most a third of the hand-made time.  When the
probe reports the runner-up within its measured noise of the fastest and the hand-made
winner is that runner-up, the row says "tie" and counts as the same winner.

``--widths`` checks the width sweep instead: for a sleep-I/O, a pure-Python CPU and an async
target, a hand-made exhaustive comparison times the recommended executor at every width of
a dense series (1..8, then steps of about 1.5x up to the tasks or twice the CPUs for
processes; asyncio's limit, unbounded included), three rounds each.  Target: the width the
probe recommends gives at least 80% of the best width's throughput (both measured by the
exhaustive comparison), and the probe's time is printed as a ratio of the exhaustive one.

    .venv/bin/python benchmarks/bench_probe.py [--quick] [--widths]
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))

import workloads  # noqa: E402  (examples/ is not a package)

from concadvisor.environment import detect_environment  # noqa: E402
from concadvisor.probing import probe_target  # noqa: E402

ROUNDS = 5

#: workload name -> tasks per batch (about one second of serial work each)
CASES: dict[str, int] = {
    "cpu_bound": 100,
    "sleep_io": 100,
    "async_io": 100,
    "native_hash": 200,
}


def _call(name: str) -> Any:
    func = getattr(workloads, name)
    if inspect.iscoroutinefunction(func):
        return asyncio.run(func())
    return func()


def _call_index(name_and_index: tuple[str, int]) -> Any:
    return _call(name_and_index[0])


def hand_made(name: str, tasks: int) -> tuple[str, float, dict[str, float]]:
    """Five interleaved rounds per executor; returns (winner, seconds taken, medians)."""
    t0 = time.perf_counter()
    func: Callable[..., Any] = getattr(workloads, name)
    is_async = inspect.iscoroutinefunction(func)
    cpus = detect_environment().cpus
    items = [(name, i) for i in range(tasks)]
    threads = ThreadPoolExecutor(min(32, tasks))
    processes = ProcessPoolExecutor(cpus)
    loop = asyncio.new_event_loop()

    async def gathered() -> None:
        if is_async:
            await asyncio.gather(*(func() for _ in range(tasks)))
        else:

            async def blocking() -> Any:
                return func()  # a sync call blocks the loop: that is what asyncio gives it

            await asyncio.gather(*(blocking() for _ in range(tasks)))

    runs: dict[str, Callable[[], object]] = {
        "serial": lambda: [_call(name) for _ in range(tasks)],
        "threads": lambda: list(threads.map(_call_index, items)),
        "processes": lambda: list(
            processes.map(_call_index, items, chunksize=max(1, tasks // (4 * cpus)))
        ),
        "asyncio": lambda: loop.run_until_complete(gathered()),
    }
    try:
        for run in runs.values():  # warm-up: start every worker, fill caches
            run()
        samples: dict[str, list[float]] = {key: [] for key in runs}
        for _ in range(ROUNDS):
            for key, run in runs.items():
                start = time.perf_counter()
                run()
                samples[key].append(time.perf_counter() - start)
    finally:
        threads.shutdown()
        processes.shutdown()
        loop.close()
    medians = {key: statistics.median(values) for key, values in samples.items()}
    winner = min(medians, key=medians.__getitem__)
    return winner, time.perf_counter() - t0, medians


#: workload name -> tasks for the width comparison
WIDTH_CASES: dict[str, int] = {"sleep_io": 100, "cpu_bound": 100, "async_io": 100}
WIDTH_ROUNDS = 3


def dense_widths(cap: int) -> list[int]:
    widths = list(range(1, min(cap, 8) + 1))
    while widths[-1] < cap:
        widths.append(min(cap, max(widths[-1] + 1, round(widths[-1] * 1.5))))
    return widths


def _timed(run: Callable[[], object]) -> float:
    run()  # warm-up
    samples = []
    for _ in range(WIDTH_ROUNDS):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def width_throughput(name: str, executor: str, width: int, tasks: int) -> float:
    """Tasks per second of ``tasks`` tasks under ``executor`` at ``width`` (0: unbounded)."""
    func: Callable[..., Any] = getattr(workloads, name)
    items = [(name, i) for i in range(tasks)]
    if executor == "threads":
        with ThreadPoolExecutor(width) as pool:
            return tasks / _timed(lambda: list(pool.map(_call_index, items)))
    if executor == "processes":
        with ProcessPoolExecutor(width) as pool:
            chunk = max(1, tasks // (4 * width))
            return tasks / _timed(lambda: list(pool.map(_call_index, items, chunksize=chunk)))
    loop = asyncio.new_event_loop()

    async def limited() -> None:
        limit = asyncio.Semaphore(width or tasks)

        async def one() -> Any:
            async with limit:
                return await func()

        await asyncio.gather(*(one() for _ in range(tasks)))

    try:
        return tasks / _timed(lambda: loop.run_until_complete(limited()))
    finally:
        loop.close()


def exhaustive(name: str, executor: str, tasks: int) -> tuple[dict[int, float], float]:
    """Throughput at every dense width (+ unbounded for asyncio) and the seconds taken."""
    t0 = time.perf_counter()
    cap = 2 * detect_environment().cpus if executor == "processes" else tasks
    widths = dense_widths(cap) + ([0] if executor == "asyncio" else [])
    results = {w: width_throughput(name, executor, w, tasks) for w in widths}
    return results, time.perf_counter() - t0


def main_widths(quick: bool) -> int:
    print(
        f"{'workload':<10} {'executor':<10} {'probe w':>7} {'best w':>6} {'share':>6} "
        f"{'probe s':>8} {'hand s':>7} {'ratio':>6}"
    )
    ok = True
    for name, tasks in WIDTH_CASES.items():
        if quick:
            tasks //= 4
        t0 = time.perf_counter()
        report = probe_target(f"workloads:{name}", tasks=tasks, cwd=ROOT / "examples")
        probe_seconds = time.perf_counter() - t0
        executor = report.recommendation.executor.value
        if executor == "serial":
            print(f"{name:<10} {executor:<10} (serial: no width to compare)")
            continue
        results, hand_seconds = exhaustive(name, executor, tasks)
        width = report.recommendation.workers
        if width not in results:
            results[width] = width_throughput(name, executor, width, tasks)
        best = max(results, key=results.__getitem__)
        share = results[width] / results[best]
        ok = ok and share >= 0.8
        print(
            f"{name:<10} {executor:<10} {width:>7} {best or 'unb':>6} {share:6.2f} "
            f"{probe_seconds:8.2f} {hand_seconds:7.2f} {probe_seconds / hand_seconds:6.2f}"
        )
    print("target met" if ok else "target missed (probe's width >= 80% of the best)")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a quarter of the tasks")
    parser.add_argument("--widths", action="store_true", help="check the width sweep")
    options = parser.parse_args()
    if options.widths:
        return main_widths(options.quick)
    print(
        f"{'workload':<12} {'hand s':>7} {'probe s':>8} {'ratio':>6}  {'hand':<10} "
        f"{'probe':<10} same  verdict"
    )
    ok = True
    for name, tasks in CASES.items():
        if options.quick:
            tasks //= 4
        winner, hand_seconds, _ = hand_made(name, tasks)
        t0 = time.perf_counter()
        report = probe_target(f"workloads:{name}", tasks=tasks, cwd=ROOT / "examples")
        probe_seconds = time.perf_counter() - t0
        fastest = report.fastest.value if report.fastest else "-"
        # A tie the probe reports (runner-up within its measured noise) is agreement too:
        # neither comparison can tell those two executors apart.
        runner_up = report.runner_up.value if report.runner_up else None
        tie = not report.fastest_clear and runner_up == winner
        same = fastest == winner or tie
        ratio = probe_seconds / hand_seconds
        ok = ok and same and ratio <= 1 / 3
        agreement = ("yes" if fastest == winner else "tie") if same else "NO"
        print(
            f"{name:<12} {hand_seconds:7.2f} {probe_seconds:8.2f} {ratio:6.2f}  {winner:<10} "
            f"{fastest:<10} {agreement:<4}  {report.verdict}"
        )
    print("target met" if ok else "target missed (same winner and ratio <= 0.33)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
