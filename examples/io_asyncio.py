"""Thousands of concurrent requests with an async client: the advice is asyncio.

asyncio streams stand in for an async HTTP client (httpx.AsyncClient, aiohttp) so that the
example needs nothing beyond concadvisor; the server is local (127.0.0.1).
Run: python examples/io_asyncio.py
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit

import concadvisor
from concadvisor.demo.server import start_server


async def fetch(url: str) -> int:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(b"GET / HTTP/1.1\r\nHost: local\r\nConnection: close\r\n\r\n")
    await writer.drain()
    data = await reader.read()
    writer.close()
    await writer.wait_closed()
    return len(data.partition(b"\r\n\r\n")[2])


async def crawl(url: str, tasks: int, limit: int) -> list[int]:
    """The recommended shape: asyncio.run + a semaphore bounding concurrency."""
    semaphore = asyncio.Semaphore(limit)

    async def bounded() -> int:
        async with semaphore:
            return await fetch(url)

    return await asyncio.gather(*(bounded() for _ in range(tasks)))


def main() -> None:
    with start_server(delay=0.05, lifetime=60) as server:
        profile = concadvisor.TaskProfile(
            name="crawl",
            workload="io",
            async_libraries=True,
            refactor_tolerance="high",
            tasks=2000,
            task_seconds=0.05,
        )
        rec = concadvisor.advise(profile)
        print(f"advice: {rec.executor.value}, at most {rec.workers} at once - {rec.summary}")

        t0 = time.perf_counter()
        sizes = asyncio.run(crawl(server.url, profile.tasks, rec.workers))
        wall = time.perf_counter() - t0
        assert len(sizes) == profile.tasks
        print(
            f"{profile.tasks} requests in {wall:.2f} s "
            f"(serially they would take ~{profile.tasks * 0.05:.0f} s)"
        )

        report = concadvisor.probe(fetch, args=(server.url,), tasks=profile.tasks, budget=5)
        print(f"probe: fastest {report.fastest}, verdict {report.verdict}")


if __name__ == "__main__":
    main()
