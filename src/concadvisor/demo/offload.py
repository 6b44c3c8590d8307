"""asyncio with the CPU part offloaded to a process pool: the mixed pipeline of G13.

Run in a fresh interpreter (``python -m concadvisor.demo.offload``), the pool started before
the timed batches; prints JSON ``{"samples": [...], "tasks": N, "workers": W,
"startup_seconds": s}`` with the wall time of each batch.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from concurrent.futures import ProcessPoolExecutor

from .workloads import async_http_get, cpu_python

__all__ = ["main"]


async def _task(url: str, n: int, pool: ProcessPoolExecutor) -> int:
    size = await async_http_get(url)
    loop = asyncio.get_running_loop()
    return size + await loop.run_in_executor(pool, cpu_python, n)


async def _batch(url: str, n: int, tasks: int, pool: ProcessPoolExecutor) -> float:
    start = time.perf_counter()
    await asyncio.gather(*(_task(url, n, pool) for _ in range(tasks)))
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--n", type=int, default=400_000)
    parser.add_argument("--tasks", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        # Start every worker before timing (the pool starts them lazily).
        list(pool.map(cpu_python, [1] * args.workers))
        startup = time.perf_counter() - start
        asyncio.run(_batch(args.url, args.n, args.workers, pool))  # warm-up
        samples = [
            asyncio.run(_batch(args.url, args.n, args.tasks, pool)) for _ in range(args.rounds)
        ]
    print(
        json.dumps(
            {
                "samples": samples,
                "tasks": args.tasks,
                "workers": args.workers,
                "startup_seconds": startup,
            }
        )
    )


if __name__ == "__main__":
    main()
