"""Small fixture workloads for the probe's end-to-end tests (each call: a few ms)."""

from __future__ import annotations

import asyncio
import ctypes
import hashlib
import multiprocessing
import os
import sys
import threading
import time
from typing import Any

_BUFFER = bytes(range(256)) * (4 * 4096)  # 4 MiB


def cpu(n: int = 60_000) -> int:
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def sleep_io(seconds: float = 0.005) -> float:
    time.sleep(seconds)
    return seconds


async def async_sleep(seconds: float = 0.005) -> float:
    await asyncio.sleep(seconds)
    return seconds


def native_hash(rounds: int = 1) -> str:
    digest = ""
    for _ in range(rounds):
        digest = hashlib.sha256(_BUFFER).hexdigest()
    return digest


def file_writes(chunks: int = 32, sync: bool = True) -> int:
    """Write 64 KiB chunks to a temporary file, then fsync: system time and disk waits."""
    import tempfile

    chunk = _BUFFER[: 64 * 1024]
    with tempfile.TemporaryFile() as stream:
        fd = stream.fileno()
        for _ in range(chunks):
            os.write(fd, chunk)
        if sync:
            os.fsync(fd)
    return chunks


def add(a: int, b: int = 0) -> int:
    return a + b


def inputs() -> list[tuple[int, int]]:
    return [(i, i) for i in range(8)]


def raises() -> None:
    raise ValueError("boom from the fixture")


def raises_in_threads() -> int:
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("not on the main thread")
    time.sleep(0.002)
    return 1


_calls = 0


def exits_on_third_call() -> int:
    global _calls
    _calls += 1
    if _calls >= 3:
        os._exit(3)
    time.sleep(0.002)
    return _calls


def exits() -> None:
    os._exit(7)


def exits_in_worker() -> int:
    """Dies only inside a process-pool worker, under any start method: a pool worker has a
    multiprocessing parent, the runner (started by subprocess) has none."""
    if multiprocessing.parent_process() is not None:
        os._exit(5)
    time.sleep(0.002)
    return 1


def segfault() -> None:
    ctypes.string_at(0)


def hang() -> None:
    while True:
        time.sleep(0.1)


def hang_in_threads() -> int:
    if threading.current_thread() is not threading.main_thread():
        threading.Event().wait()
    time.sleep(0.002)
    return 1


def unpicklable_result() -> Any:
    time.sleep(0.002)
    return threading.Lock()


def noisy(lines: int = 2000) -> int:
    for i in range(lines):
        print(f"line {i} " + "x" * 200)
        print(f"err {i}", file=sys.stderr)
    return lines


class Jobs:
    @staticmethod
    def double(x: int = 2) -> int:
        time.sleep(0.002)
        return 2 * x


NOT_CALLABLE = 42


def exits_in_threads() -> int:
    if threading.current_thread() is not threading.main_thread():
        os._exit(9)
    time.sleep(0.002)
    return 1


def _make_closure() -> Any:
    def closure(n: int = 20_000) -> int:
        return sum(i * i % 7 for i in range(n))

    return closure


#: Reachable by name, but pickled by reference it is ``_make_closure.<locals>.closure``:
#: a process pool in user code cannot send it.
closure_cpu = _make_closure()
