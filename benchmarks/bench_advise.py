"""How long one advise() call takes, from a dict and from a ready TaskProfile.

Run: ``python benchmarks/bench_advise.py``.  Target (2-core machine): <= 20 µs median
from a dict.  Prints the median over rounds of the mean time per call across a fixed,
seeded spread of 500 profiles, with the spread (min-max of the rounds).  The headline
figures clear advise()'s small caches (snippets, labels) before every round, so that
repeating the same 500 profiles does not flatter them; "warm" keeps them.

On a loaded machine compare instruction counts instead of wall time (deterministic):
``--calls N`` runs only N cold calls, so that the difference between two callgrind runs
is N calls' worth::

    valgrind --tool=callgrind python benchmarks/bench_advise.py --calls 0     # -> Ir0
    valgrind --tool=callgrind python benchmarks/bench_advise.py --calls 1000  # -> Ir1
    # instructions per call = (Ir1 - Ir0) / 1000
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from typing import Any

from concadvisor import TaskProfile, advise, detect_environment

TARGET_US = 20.0


def spread_of_profiles(n: int = 500, seed: int = 20261128) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    profiles: list[dict[str, Any]] = []
    for i in range(n):
        data: dict[str, Any] = {
            "name": f"task{i}",
            "workload": rng.choice(["io", "cpu", "mixed"]),
            "tasks": rng.choice([1, 2, 8, 50, 500, 5000, 100_000]),
            "async_libraries": rng.random() < 0.5,
            "already_async": rng.random() < 0.2,
            "releases_gil": rng.random() < 0.3,
            "refactor_tolerance": rng.choice(["none", "low", "high"]),
            "shared_state": rng.choice(["none", "read_only", "mutable"]),
            "picklable": rng.random() < 0.85,
        }
        if rng.random() < 0.6:
            data["task_seconds"] = 10 ** rng.uniform(-5, 1)
        if rng.random() < 0.5:
            data["payload_bytes"] = int(10 ** rng.uniform(1, 9))
        if rng.random() < 0.5:
            data["cpu_fraction"] = rng.random()
        if rng.random() < 0.3:
            data["cpus"] = rng.choice([1, 2, 4, 16])
        if rng.random() < 0.3:
            data["start_method"] = rng.choice(["fork", "spawn", "forkserver"])
        profiles.append(data)
    return profiles


def _clear_caches() -> None:
    """Forget every memo advise() keeps (snippet bodies, score labels): a repeated profile
    costs like a new one.  Reasons, rankings and warnings are built afresh on every call."""
    from concadvisor import advice, snippets

    for cache in (snippets._body, advice._score_label):
        cache.cache_clear()


def per_call_us(
    items: list[Any], rounds: int = 15, cold: bool = True
) -> tuple[float, float, float]:
    samples: list[float] = []
    for _ in range(rounds):
        if cold:
            _clear_caches()
        start = time.perf_counter()
        for item in items:
            advise(item)
        samples.append((time.perf_counter() - start) / len(items) * 1e6)
    return statistics.median(samples), min(samples), max(samples)


def instruction_run(calls: int) -> None:
    """``calls`` cold advise() calls over the spread, caches cleared every 500 (as a round)."""
    detect_environment()
    dicts = spread_of_profiles()
    for item in dicts[:50]:  # the same warm-up as main(), so it cancels out between runs
        advise(item)
    for i in range(calls):
        if i % len(dicts) == 0:
            _clear_caches()
        advise(dicts[i % len(dicts)])


def main() -> None:
    detect_environment()  # detection is cached once per process; keep it out of the timing
    dicts = spread_of_profiles()
    models = [TaskProfile.model_validate(d) for d in dicts]
    for item in dicts[:50]:  # warm-up (imports, snippet cache)
        advise(item)
    d_med, d_lo, d_hi = per_call_us(dicts)
    m_med, m_lo, m_hi = per_call_us(models)
    w_med, w_lo, w_hi = per_call_us(dicts, cold=False)
    print(f"advise() over {len(dicts)} profiles, 15 rounds, caches cleared before each round")
    print(f"  from a dict       : median {d_med:6.1f} µs/call  (rounds {d_lo:.1f}-{d_hi:.1f})")
    print(f"  from a TaskProfile: median {m_med:6.1f} µs/call  (rounds {m_lo:.1f}-{m_hi:.1f})")
    print(f"  from a dict, warm : median {w_med:6.1f} µs/call  (rounds {w_lo:.1f}-{w_hi:.1f})")
    verdict = "OK" if d_med <= TARGET_US else "ABOVE TARGET"
    ratio = d_med / TARGET_US
    print(f"  target <= {TARGET_US:.0f} µs from a dict: {verdict} ({ratio:.2f}x of target)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--calls"] and len(sys.argv) == 3 and sys.argv[2].isdigit():
        instruction_run(int(sys.argv[2]))
    elif sys.argv[1:]:
        sys.exit("usage: bench_advise.py [--calls N]")
    else:
        main()
