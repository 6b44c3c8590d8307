"""How many workers (or how much concurrency) to suggest for a chosen executor."""

from __future__ import annotations

import math
from typing import Literal

from .profile import Executor
from .rules.base import Facts
from .rules.thresholds import ASYNC_CONCURRENCY_CAP, THREAD_IO_CAP

__all__ = ["suggest_offload_workers", "suggest_workers"]


def _io_cap(facts: Facts, cap: int, cpus: int) -> int:
    """Concurrency that keeps ``cpus`` busy when each task computes ``cpu_fraction`` of its time.

    Beyond ``cpus / cpu_fraction`` concurrent tasks the CPU, not the waiting, is the limit.
    """
    fraction = facts.profile.cpu_fraction
    # Compare without dividing: a subnormal fraction would overflow cpus / fraction.
    if fraction is not None and fraction * cap > cpus:
        cap = max(1, math.ceil(cpus / fraction))
    return cap


def suggest_workers(executor: Executor, facts: Facts, offload: Executor | None = None) -> int:
    """Pool size for threads/processes, a concurrency limit for asyncio, 1 for serial."""
    tasks = facts.tasks
    if executor is Executor.SERIAL:
        return 1
    if executor is Executor.PROCESSES:
        return max(1, min(facts.cpus, tasks))
    if executor is Executor.THREADS:
        if facts.workload == "cpu":
            return max(1, min(facts.cpus, tasks))
        cpus = 1 if facts.gil_bound and offload is None else facts.cpus
        return max(1, min(tasks, _io_cap(facts, THREAD_IO_CAP, cpus)))
    # asyncio: one thread runs every coroutine, so without an offload one CPU is the limit.
    cpus = 1 if offload is None else facts.cpus
    return max(1, min(tasks, _io_cap(facts, ASYNC_CONCURRENCY_CAP, cpus)))


def suggest_offload_workers(offload: Executor, part: Literal["cpu", "io"], facts: Facts) -> int:
    if part == "io":
        return max(1, min(facts.tasks, THREAD_IO_CAP))
    return max(1, min(facts.cpus, facts.tasks))
