"""CPU work in native code that releases the GIL (hashlib, zlib): threads, not processes.

The classic advice (G7) says "processes for CPU work"; the correction is that native code
releasing the GIL runs in parallel under threads, without pickling megabytes to processes.
Run: python examples/gil_releasing.py
"""

from __future__ import annotations

import hashlib
import os
import time
import zlib
from concurrent.futures import ThreadPoolExecutor

import concadvisor

BLOCK = os.urandom(4 * 2**20)


def checksum(rounds: int = 4) -> str:
    """SHA-256 and CRC-32 of a 4 MiB block: both release the GIL on large buffers."""
    digest = ""
    for _ in range(rounds):
        digest = hashlib.sha256(BLOCK).hexdigest()
        zlib.crc32(BLOCK)
    return digest


def main() -> None:
    t0 = time.perf_counter()
    checksum()
    one = time.perf_counter() - t0
    profile = concadvisor.TaskProfile(
        name="checksum",
        workload="cpu",
        releases_gil=True,
        tasks=32,
        task_seconds=one,
        payload_bytes=4 * 2**20,
    )
    rec = concadvisor.advise(profile)
    print(f"advice: {rec.executor.value} x {rec.workers} ({rec.confidence}) - {rec.summary}")

    t0 = time.perf_counter()
    serial = [checksum() for _ in range(profile.tasks)]
    serial_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=rec.workers) as pool:
        threaded = list(pool.map(lambda _: checksum(), range(profile.tasks)))
    threads_s = time.perf_counter() - t0
    assert threaded == serial
    print(
        f"serial {serial_s:.2f} s, {rec.workers} threads {threads_s:.2f} s: "
        f"{serial_s / threads_s:.1f}x"
    )

    report = concadvisor.probe(checksum, tasks=profile.tasks, budget=5)
    print(f"probe: fastest {report.fastest}, verdict {report.verdict}")


if __name__ == "__main__":
    main()
