"""Example workloads to try the probe on; one call of each takes roughly 5-50 ms.

concadvisor probe examples/workloads.py:cpu_bound      # pure Python: processes win
concadvisor probe examples/workloads.py:sleep_io       # waiting: threads win
concadvisor probe examples/workloads.py:async_io       # async def: asyncio wins
concadvisor probe examples/workloads.py:native_hash    # hashlib releases the GIL
concadvisor probe examples/workloads.py:mixed          # some waiting, some computing
"""

from __future__ import annotations

import asyncio
import hashlib
import time


def cpu_bound(n: int = 120_000) -> int:
    """Pure-Python arithmetic: holds the GIL the whole time (about 10 ms for the default)."""
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def sleep_io(seconds: float = 0.01) -> float:
    """Stands for a blocking network or disk call: waits without using the CPU."""
    time.sleep(seconds)
    return seconds


async def async_io(seconds: float = 0.01) -> float:
    """Stands for an awaited network call made with an async library."""
    await asyncio.sleep(seconds)
    return seconds


_BUFFER_CACHE: dict[int, bytes] = {}


def native_hash(megabytes: int = 8, rounds: int = 1) -> str:
    """SHA-256 of a large buffer: hashlib releases the GIL for buffers over 2 KiB."""
    data = _BUFFER_CACHE.get(megabytes)
    if data is None:
        data = _BUFFER_CACHE.setdefault(megabytes, bytes(range(256)) * (megabytes * 4096))
    digest = ""
    for _ in range(rounds):
        digest = hashlib.sha256(data).hexdigest()
    return digest


def mixed(seconds: float = 0.01, n: int = 60_000) -> int:
    """Half waiting, half pure-Python computing."""
    time.sleep(seconds)
    return cpu_bound(n)
