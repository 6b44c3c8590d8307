"""CPU-bound pure Python: the advice is a process pool; the probe confirms it.

Run: python examples/cpu_bound.py
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor

import concadvisor


def collatz_steps(limit: int) -> int:
    """Pure-Python arithmetic: holds the GIL for its whole duration."""
    longest = 0
    for start in range(1, limit):
        n, steps = start, 0
        while n != 1:
            n = n // 2 if n % 2 == 0 else 3 * n + 1
            steps += 1
        longest = max(longest, steps)
    return longest


def main() -> None:
    # 1. Describe the task and ask for advice.
    t0 = time.perf_counter()
    collatz_steps(20_000)
    one = time.perf_counter() - t0
    profile = concadvisor.TaskProfile(
        name="collatz", workload="cpu", tasks=16, task_seconds=one, payload_bytes=64
    )
    rec = concadvisor.advise(profile)
    print(f"advice: {rec.executor.value} x {rec.workers} ({rec.confidence}) - {rec.summary}")

    # 2. Apply it for real: the snippet's shape, with the real task.
    inputs = [20_000] * profile.tasks
    t0 = time.perf_counter()
    serial = [collatz_steps(n) for n in inputs]
    serial_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=rec.workers) as pool:
        parallel = list(pool.map(collatz_steps, inputs))
    pool_s = time.perf_counter() - t0
    assert parallel == serial
    print(f"serial {serial_s:.2f} s, process pool {pool_s:.2f} s: {serial_s / pool_s:.1f}x")

    # 3. Let the probe measure all four executors and judge the advice.
    report = concadvisor.probe(collatz_steps, args=(20_000,), tasks=profile.tasks, budget=6)
    print(f"probe: fastest {report.fastest}, verdict {report.verdict}")


if __name__ == "__main__":
    main()
