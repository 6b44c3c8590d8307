"""Blocking HTTP with a synchronous client: the advice is a thread pool; the probe agrees.

The script starts a local HTTP server (127.0.0.1, 20 ms per response, stops by itself) so
that it runs anywhere without a network.  Run: python examples/io_threads.py
"""

from __future__ import annotations

import http.client
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import concadvisor
from concadvisor.demo.server import start_server


def fetch(url: str) -> int:
    """A synchronous HTTP GET (the kind of code that should not be rewritten)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        conn.request("GET", "/")
        return len(conn.getresponse().read())
    finally:
        conn.close()


def main() -> None:
    with start_server(delay=0.02, lifetime=60) as server:
        # 1. The profile: synchronous I/O code, no wish to rewrite it as async.
        profile = concadvisor.TaskProfile(
            name="fetch", workload="io", tasks=100, task_seconds=0.02, refactor_tolerance="low"
        )
        rec = concadvisor.advise(profile)
        print(f"advice: {rec.executor.value} x {rec.workers} ({rec.confidence}) - {rec.summary}")

        # 2. The snippet applied for real.
        urls = [server.url] * profile.tasks
        t0 = time.perf_counter()
        sizes = [fetch(u) for u in urls[:20]]
        serial_per_task = (time.perf_counter() - t0) / 20
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=rec.workers) as pool:
            sizes = list(pool.map(fetch, urls))
        pooled = time.perf_counter() - t0
        assert sizes == [sizes[0]] * len(urls)
        speedup = serial_per_task * len(urls) / pooled
        print(f"{len(urls)} requests: thread pool {pooled:.2f} s, ~{speedup:.0f}x serial")

        # 3. The probe measures all four executors on the same function.
        report = concadvisor.probe(fetch, args=(server.url,), tasks=profile.tasks, budget=5)
        print(f"probe: fastest {report.fastest}, verdict {report.verdict}")


if __name__ == "__main__":
    main()
