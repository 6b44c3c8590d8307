"""How long the probe takes against a careful hand-made comparison, and do they agree?

For each example workload (examples/workloads.py), the hand-made comparison does what a
careful developer would: start a thread pool, a process pool and an event loop once, warm
each up, then time 5 interleaved rounds (serial, threads, processes, asyncio) of the whole
batch of N tasks and pick the executor with the best median.  The probe is asked about the
same N tasks (``tasks=N``) with its default budget.

Target: the same winner, and the probe in at most a third of the hand-made time.  When the
probe reports the runner-up within its measured noise of the fastest and the hand-made
winner is that runner-up, the row says "tie" and counts as the same winner.

    .venv/bin/python benchmarks/bench_probe.py [--quick]
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a quarter of the tasks")
    options = parser.parse_args()
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
