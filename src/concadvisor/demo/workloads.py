"""The demo's canonical workloads: small, importable, picklable functions.

Each one is a single *task*; the demo runs a batch of them under every executor.  Sizes are
chosen so that one task takes roughly 5-50 ms on an ordinary machine.
"""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import os
import time
from urllib.parse import urlsplit

__all__ = [
    "async_http_get",
    "cpu_python",
    "http_get",
    "large_payload",
    "large_payload_inputs",
    "mixed_async",
    "native_hash",
    "sleep_io",
    "tiny",
]

_BUFFERS: dict[int, bytes] = {}


def cpu_python(n: int = 200_000) -> int:
    """Pure-Python arithmetic: holds the GIL the whole time."""
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def native_hash(megabytes: int = 8, rounds: int = 2) -> str:
    """SHA-256 of a large buffer: hashlib releases the GIL for buffers over 2 KiB."""
    data = _BUFFERS.get(megabytes)
    if data is None:
        data = _BUFFERS.setdefault(megabytes, os.urandom(megabytes * 2**20))
    digest = ""
    for _ in range(rounds):
        digest = hashlib.sha256(data).hexdigest()
    return digest


def sleep_io(seconds: float = 0.02) -> float:
    """Blocking wait, the way a synchronous client waits for a reply."""
    time.sleep(seconds)
    return seconds


def http_get(url: str) -> int:
    """One blocking HTTP GET with the standard library; returns the body size."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        conn.request("GET", parts.path or "/")
        return len(conn.getresponse().read())
    finally:
        conn.close()


async def async_http_get(url: str) -> int:
    """One HTTP GET over asyncio streams (no third-party client needed)."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname or "127.0.0.1", parts.port)
    try:
        writer.write(
            f"GET {parts.path or '/'} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
        )
        await writer.drain()
        data = await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise ConnectionError(f"unexpected reply: {head[:40]!r}")
    return len(body)


async def mixed_async(url: str, n: int = 100_000) -> int:
    """Fetch, then compute on the result: I/O and pure-Python CPU in one task."""
    size = await async_http_get(url)
    return size + cpu_python(n)


def tiny(x: int = 1) -> int:
    """A task far shorter than any pool's dispatch cost."""
    return x * 2 + 1


def large_payload(rows: list[tuple[int, float, str]]) -> float:
    """A little pure-Python work on a large argument: a process pool pays for pickling it.

    The rows are ordinary Python objects (like database records), which pickle at tens of
    MB/s, not at memory speed like ``bytes``.  The sum holds the GIL, so threads gain nothing
    either; the result is small, so only the argument has to travel.
    """
    return sum(number * weight for number, weight, _ in rows[::2])


def large_payload_inputs() -> list[tuple[list[tuple[int, float, str]]]]:
    """Per-task arguments for :func:`large_payload`: 50,000 rows (about 1.2 MB pickled)."""
    rows = [(i, i * 0.5, f"row{i}") for i in range(50_000)]
    return [(rows,)]
