"""Download, then parse in pure Python: asyncio for the I/O, a process pool for the CPU part.

Run: python examples/mixed_pipeline.py
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ProcessPoolExecutor
from urllib.parse import urlsplit

import concadvisor
from concadvisor.demo.server import start_server


def parse(size: int, work: int = 300_000) -> int:
    """Pure-Python CPU work on a downloaded document (holds the GIL)."""
    total = size
    for i in range(work):
        total += i % 7
    return total


async def download(url: str) -> int:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(b"GET / HTTP/1.1\r\nHost: local\r\nConnection: close\r\n\r\n")
    await writer.drain()
    body = (await reader.read()).partition(b"\r\n\r\n")[2]
    writer.close()
    await writer.wait_closed()
    return len(body)


async def pipeline(url: str, tasks: int, limit: int, pool: ProcessPoolExecutor) -> list[int]:
    loop = asyncio.get_running_loop()
    semaphore = asyncio.Semaphore(limit)

    async def one() -> int:
        async with semaphore:
            size = await download(url)
        # The CPU part runs in a worker process while the loop keeps downloading.
        return await loop.run_in_executor(pool, parse, size)

    return await asyncio.gather(*(one() for _ in range(tasks)))


async def download_and_parse(url: str) -> int:
    """One whole task, for the probe."""
    return parse(await download(url))


def main() -> None:
    with start_server(delay=0.02, lifetime=60) as server:
        profile = concadvisor.TaskProfile(
            name="pipeline",
            workload="mixed",
            cpu_fraction=0.5,
            async_libraries=True,
            refactor_tolerance="high",
            tasks=40,
            task_seconds=0.04,
        )
        rec = concadvisor.advise(profile)
        print(f"advice: {rec.executor.value} + offload to {rec.offload} - {rec.summary}")

        t0 = time.perf_counter()
        for _ in range(8):
            parse(asyncio.run(download(server.url)))
        serial_per_task = (time.perf_counter() - t0) / 8
        with ProcessPoolExecutor(max_workers=rec.offload_workers) as pool:
            t0 = time.perf_counter()
            results = asyncio.run(pipeline(server.url, profile.tasks, rec.workers, pool))
            wall = time.perf_counter() - t0
        assert len(results) == profile.tasks
        print(
            f"{profile.tasks} tasks: {wall:.2f} s, "
            f"~{serial_per_task * profile.tasks / wall:.1f}x serial"
        )

        report = concadvisor.probe(
            download_and_parse, args=(server.url,), tasks=profile.tasks, budget=5
        )
        # The probe runs the whole task under one executor at a time (no offload).
        print(f"probe: fastest {report.fastest}, verdict {report.verdict}")


if __name__ == "__main__":
    main()
