"""Short names shared by the rule family modules."""

from __future__ import annotations

import functools

from ..profile import Executor

SERIAL = Executor.SERIAL
THREADS = Executor.THREADS
PROCESSES = Executor.PROCESSES
ASYNCIO = Executor.ASYNCIO
INTERPRETERS = Executor.INTERPRETERS
DASK = Executor.DASK


@functools.cache
def only(*executors: Executor) -> frozenset[Executor]:
    """The set of executors a Warn/Note applies to (cached: rules ask on every call)."""
    return frozenset(executors)


def seconds(value: float) -> str:
    """Human duration: 0.0004 -> '0.4 ms', 2.5 -> '2.5 s', 7200 -> '2.0 h'."""
    if value < 1e-3:
        return f"{value * 1e6:.0f} µs"
    if value < 1:
        return f"{value * 1e3:.3g} ms"
    if value < 3600:
        return f"{value:.3g} s"
    return f"{value / 3600:.1f} h"


def size(n: float) -> str:
    """Human byte count: 1536 -> '1.5 KiB'."""
    units = ("B", "KiB", "MiB", "GiB", "TiB")
    value = float(n)
    for unit in units:
        if value < 1024 or unit == units[-1]:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.3g} {unit}"
        value /= 1024
    raise AssertionError("unreachable")
