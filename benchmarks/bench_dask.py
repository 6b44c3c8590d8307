"""Dask distributed against a process pool: start-up and per-task overhead, printed.

    .venv/bin/pip install -e '.[dask]'
    .venv/bin/python benchmarks/bench_dask.py [--workers N] [--tasks N]

Prints, for a LocalCluster of N one-thread workers on 127.0.0.1 (no dashboard) and a
ProcessPoolExecutor of N workers (this platform's default start method):

- start-up: create, run a no-op on every worker, shut down (median of 3 lives; the first
  LocalCluster of the process also pays for importing distributed, printed apart);
- per-task overhead: a batch of no-op tasks (``abs``) with all of them in flight, per task
  (median of 5 batches), Dask's ``Client.map`` + ``gather`` against ``pool.map`` with
  chunksize 1 and batched;

and their ratios.  Timing claims live here, not in the tests.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from concadvisor.executors.dask import local_cluster


def _cluster(distributed: Any, workers: int) -> Any:
    return local_cluster(distributed, workers)


def dask_life(distributed: Any, workers: int) -> float:
    start = time.perf_counter()
    with _cluster(distributed, workers) as cluster, distributed.Client(cluster) as client:
        client.run(os.getpid)
    return time.perf_counter() - start


def pool_life(workers: int) -> float:
    start = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        for future in [pool.submit(os.getpid) for _ in range(workers)]:
            future.result()
    return time.perf_counter() - start


def per_task(batch: Any, tasks: int, repeats: int = 5) -> float:
    batch(min(tasks, 50))  # warm
    values = []
    for _ in range(repeats):
        start = time.perf_counter()
        batch(tasks)
        values.append((time.perf_counter() - start) / tasks)
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=max(2, os.cpu_count() or 1))
    parser.add_argument("--tasks", type=int, default=2000)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    for name in ("distributed", "dask", "tornado"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    t0 = time.perf_counter()
    import distributed

    imported = time.perf_counter() - t0
    first = dask_life(distributed, args.workers)
    dask_start = statistics.median(dask_life(distributed, args.workers) for _ in range(3))
    pool_start = statistics.median(pool_life(args.workers) for _ in range(3))

    with (
        _cluster(distributed, args.workers) as cluster,
        distributed.Client(cluster) as client,
    ):
        client.run(os.getpid)
        dask_task = per_task(
            lambda n: client.gather(client.map(abs, range(n), pure=False)), args.tasks
        )
    with ProcessPoolExecutor(args.workers) as pool:
        one = per_task(lambda n: list(pool.map(abs, range(n))), args.tasks)
        chunk = max(1, args.tasks // (4 * args.workers))
        batched = per_task(lambda n: list(pool.map(abs, range(n), chunksize=chunk)), args.tasks)

    print(f"workers: {args.workers}, tasks per batch: {args.tasks}, cpus: {os.cpu_count()}")
    print(f"import distributed:          {imported * 1e3:8.1f} ms")
    print(f"LocalCluster, first life:    {first * 1e3:8.1f} ms")
    print(f"LocalCluster life (median):  {dask_start * 1e3:8.1f} ms")
    print(f"process pool life (median):  {pool_start * 1e3:8.1f} ms")
    print(f"  start-up ratio dask/pool:  {dask_start / pool_start:8.1f}x")
    print(f"Dask Client.map, per task:   {dask_task * 1e6:8.1f} µs")
    print(f"pool.map chunksize=1:        {one * 1e6:8.1f} µs")
    print(f"pool.map chunksize={chunk:<4}:     {batched * 1e6:8.1f} µs")
    print(f"  per-task ratio dask/pool:  {dask_task / one:8.1f}x (chunksize 1)")
    print(f"  per-task ratio dask/pool:  {dask_task / batched:8.1f}x (batched)")


if __name__ == "__main__":
    main()
