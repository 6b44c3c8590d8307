"""What the probe reads about its own CPU and memory use (runner side), and nothing else.

The kernel measures a thread's CPU time exactly but splits it into user and system by
sampling at clock ticks (Linux without precise accounting), so a split is only as good as
the number of ticks behind it: :func:`~.inference.system_fraction` pools rounds for that.

- :func:`process_cpu`: user and system CPU seconds of every thread of this process
  (``getrusage(RUSAGE_SELF)``, microseconds; where :mod:`resource` does not exist, the
  coarser ``os.times()``).  Under a thread pool, user time summed over threads per wall
  second above one core means the threads ran Python-free code at once: the GIL was
  released.  System time is the kernel's, which holds no GIL.
- :func:`thread_cpu`: the same for the calling thread only (``RUSAGE_THREAD``, Linux);
  elsewhere it falls back to :func:`process_cpu`, which is the same while the other
  threads of the process are idle (the runner's only other thread waits on a pipe).
- :func:`peak_rss_bytes`: this process's peak resident set (``ru_maxrss``: KiB on Linux,
  bytes on macOS), or None where it cannot be read.
- :func:`free_cpus`: how many CPUs this process actually got when it asked for ``cpus`` of
  them for a short while: ``cpus`` threads hash a large buffer (hashlib releases the GIL
  for it), and the process's CPU seconds over the wall time are the CPUs that were free.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import time
from typing import NamedTuple

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]

__all__ = [
    "FREE_CPU_SECONDS",
    "CpuTimes",
    "free_cpus",
    "peak_rss_bytes",
    "process_cpu",
    "thread_cpu",
]

#: How long :func:`free_cpus` keeps every CPU busy.
FREE_CPU_SECONDS = 0.06
#: hashlib releases the GIL above 2 KiB; a 256 KiB buffer keeps the GIL-held share tiny.
_SPIN_BUFFER = bytes(256 * 1024)


class CpuTimes(NamedTuple):
    """CPU seconds in user code and in the kernel."""

    user: float
    system: float

    def __sub__(self, other: tuple[float, ...]) -> CpuTimes:
        return CpuTimes(self.user - other[0], self.system - other[1])

    @property
    def total(self) -> float:
        return self.user + self.system


def process_cpu() -> CpuTimes:
    """User and system CPU seconds of all threads of this process so far."""
    if resource is not None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return CpuTimes(usage.ru_utime, usage.ru_stime)
    times = os.times()
    return CpuTimes(times.user, times.system)


def thread_cpu() -> CpuTimes:
    """User and system CPU seconds of the calling thread (Linux), else of the process."""
    who = getattr(resource, "RUSAGE_THREAD", None) if resource is not None else None
    if who is None:
        return process_cpu()
    usage = resource.getrusage(who)
    return CpuTimes(usage.ru_utime, usage.ru_stime)


def peak_rss_bytes() -> int | None:
    """This process's peak resident set size in bytes, or None where unknown."""
    if resource is None:
        return None
    peak = int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    if peak <= 0:
        return None
    return peak if sys.platform == "darwin" else peak * 1024


def _spin(until: float) -> None:
    while time.perf_counter() < until:
        hashlib.sha256(_SPIN_BUFFER).digest()


def free_cpus(cpus: int, seconds: float = FREE_CPU_SECONDS) -> float:
    """CPUs this process got while ``cpus`` threads computed for ``seconds``.

    Measured, not clamped: a value a little above ``cpus`` is clock granularity.
    """
    width = max(1, cpus)
    cpu0, wall0 = process_cpu(), time.perf_counter()
    until = wall0 + seconds
    threads = [threading.Thread(target=_spin, args=(until,), daemon=True) for _ in range(width)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - wall0
    used = (process_cpu() - cpu0).total
    return used / wall if wall > 0 else 0.0
