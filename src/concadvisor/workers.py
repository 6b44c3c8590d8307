"""Pool sizing: how many workers (or how much concurrency) and how large a batch.

Everything that sizes a pool lives here -- the caps, the widths the advice and the cost
model suggest, the process pool's ``chunksize`` -- and reads only a profile and the
environment's usable CPUs, so the cost model and the rules can both build on it without an
import cycle (this module imports nothing above :mod:`concadvisor.profile`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final, Literal, NamedTuple, Protocol

from .profile import Executor, TaskProfile

if TYPE_CHECKING:
    from .environment import Environment

__all__ = [
    "ASYNC_CONCURRENCY_CAP",
    "THREAD_IO_CAP",
    "Sizing",
    "Widths",
    "chunksize_for",
    "memory_workers",
    "suggest_offload_workers",
    "suggest_widths",
    "suggest_workers",
    "widths_for",
]

#: Thread pool size cap for I/O work; beyond it, threads cost memory and switches for
#: little extra overlap (and most servers/pools limit connections anyway).
THREAD_IO_CAP: Final = 64

#: Concurrency limit cap for coroutines (the semaphore in the snippet).
ASYNC_CONCURRENCY_CAP: Final = 500

# Members looked up once: on Python 3.11 ``Executor.X`` costs a class-attribute lookup through
# the enum machinery, several times a local name's cost, and these lines run on every advise().
_SERIAL, _THREADS, _PROCESSES, _ASYNCIO, _INTERPRETERS, _DASK = (
    Executor.SERIAL,
    Executor.THREADS,
    Executor.PROCESSES,
    Executor.ASYNCIO,
    Executor.INTERPRETERS,
    Executor.DASK,
)


class Sizing(Protocol):
    """What pool sizing reads (:class:`concadvisor.rules.Facts` has it all)."""

    @property
    def profile(self) -> TaskProfile: ...
    @property
    def cpus(self) -> int: ...
    @property
    def gil_bound(self) -> bool: ...


class _Sizing(NamedTuple):
    profile: TaskProfile
    cpus: int
    gil_bound: bool


class Widths(NamedTuple):
    """The suggested width of each pool: the cost model's default ``workers``."""

    threads: int
    processes: int
    asyncio: int


def chunksize_for(tasks: int, workers: int) -> int:
    """Tasks per message to a process pool: about a quarter of each worker's share.

    Amortises the per-message dispatch while keeping the workers balanced.  The one formula
    behind the snippet, the cost model, the probe, the demo and the calibration.
    """
    return max(1, tasks // (4 * max(1, min(workers, tasks))))


def memory_workers(peak_rss: int, available: int) -> int:
    """How many process workers of ``peak_rss`` bytes each fit in ``available`` bytes.

    At least one: a pool of one is no worse than running serially in the same process.
    """
    return max(1, available // max(1, peak_rss))


def _io_cap(fraction: float | None, cap: int, cpus: int) -> int:
    """Concurrency that keeps ``cpus`` busy when each task computes ``cpu_fraction`` of its time.

    Beyond ``cpus / cpu_fraction`` concurrent tasks the CPU, not the waiting, is the limit.
    """
    # Compare without dividing: a subnormal fraction would overflow cpus / fraction.
    if fraction is not None and fraction * cap > cpus:
        cap = max(1, math.ceil(cpus / fraction))
    return cap


def suggest_workers(executor: Executor, facts: Sizing, offload: Executor | None = None) -> int:
    """Pool size for threads/processes/interpreters, a concurrency limit for asyncio, 1 for
    serial."""
    profile = facts.profile
    tasks = profile.tasks
    if executor is _SERIAL:
        return 1
    if executor is _PROCESSES or executor is _INTERPRETERS:
        return max(1, min(facts.cpus, tasks))
    if executor is _DASK:  # one single-threaded worker per cluster CPU
        return max(1, min(profile.cluster_workers or facts.cpus, tasks))
    if executor is _THREADS:
        if profile.workload == "cpu":
            return max(1, min(facts.cpus, tasks))
        cpus = 1 if facts.gil_bound and offload is None else facts.cpus
        return max(1, min(tasks, _io_cap(profile.cpu_fraction, THREAD_IO_CAP, cpus)))
    # asyncio: one thread runs every coroutine, so without an offload one CPU is the limit.
    cpus = 1 if offload is None else facts.cpus
    return max(1, min(tasks, _io_cap(profile.cpu_fraction, ASYNC_CONCURRENCY_CAP, cpus)))


def suggest_widths(profile: TaskProfile, environment: Environment) -> Widths:
    """Every pool's suggested width for ``profile`` in ``environment`` (with its overrides)."""
    return widths_for(
        _Sizing(
            profile, environment.cpus, not profile.releases_gil and not environment.free_threaded
        )
    )


def widths_for(facts: Sizing) -> Widths:
    """Every pool's suggested width for what ``facts`` says (a rule's Facts will do)."""
    return Widths(
        suggest_workers(_THREADS, facts),
        suggest_workers(_PROCESSES, facts),
        suggest_workers(_ASYNCIO, facts),
    )


def suggest_offload_workers(offload: Executor, part: Literal["cpu", "io"], facts: Sizing) -> int:
    """Pool size of the offload that takes a mixed task's ``part``."""
    tasks = facts.profile.tasks
    if part == "io":
        return max(1, min(tasks, THREAD_IO_CAP))
    return max(1, min(facts.cpus, tasks))
