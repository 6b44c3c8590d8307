"""Many concurrent connections: one OS thread per connection against one coroutine each.

Each variant runs in a fresh interpreter (``python -m concadvisor.demo.connections``) so that
its peak memory (``ru_maxrss``) and thread count are its own.  Prints one JSON object:
``{"mode", "connections", "wall_seconds", "peak_rss_bytes", "threads", "errors"}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import threading
import time

from .workloads import async_http_get, http_get

__all__ = ["main", "peak_rss_bytes"]


def peak_rss_bytes() -> int:
    """Peak resident memory of this process so far (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def current_rss_bytes() -> int | None:
    """Resident memory now, where the platform tells (Linux /proc); else None."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return None


class RssSampler:
    """Samples the resident memory every few milliseconds and keeps the highest value.

    ``ru_maxrss`` is a lifetime high-water mark: a peak during start-up can hide everything
    the connections add, so where /proc exists the growth is measured from samples instead.
    """

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.baseline = current_rss_bytes()
        self.highest = self.baseline or 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            now = current_rss_bytes()
            if now is not None:
                self.highest = max(self.highest, now)

    def __enter__(self) -> RssSampler:
        if self.baseline is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def growth(self, fallback_baseline: int) -> int:
        if self.baseline is None:
            return max(0, peak_rss_bytes() - fallback_baseline)
        return max(0, self.highest - self.baseline)


def _threads(url: str, n: int) -> tuple[int, int]:
    """One thread per connection, all started before the first reply is due."""
    errors: list[BaseException] = []
    lock = threading.Lock()
    alive = most = 0

    def fetch() -> None:
        nonlocal alive, most
        with lock:
            alive += 1
            most = max(most, alive)
        try:
            http_get(url)
        except Exception as exc:  # counted, not raised: the demo reports errors
            errors.append(exc)
        finally:
            with lock:
                alive -= 1

    threads = [threading.Thread(target=fetch, daemon=True) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(errors), most


async def _coroutines(url: str, n: int) -> int:
    results = await asyncio.gather(*(async_http_get(url) for _ in range(n)), return_exceptions=True)
    return sum(isinstance(r, BaseException) for r in results)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mode", choices=["threads", "asyncio"], required=True)
    parser.add_argument("--connections", type=int, default=2000)
    parser.add_argument("--url", required=True)
    args = parser.parse_args(argv)
    # Warm the code paths and imports so that the peak measures the connections only.
    if args.mode == "threads":
        http_get(args.url)
    else:
        asyncio.run(async_http_get(args.url))
    baseline = peak_rss_bytes()
    with RssSampler() as sampler:
        start = time.perf_counter()
        if args.mode == "threads":
            errors, threads = _threads(args.url, args.connections)
        else:
            errors, threads = asyncio.run(_coroutines(args.url, args.connections)), 1
        wall = time.perf_counter() - start
    print(
        json.dumps(
            {
                "mode": args.mode,
                "connections": args.connections,
                "wall_seconds": wall,
                "peak_rss_bytes": sampler.growth(baseline),
                "threads": threads,
                "errors": errors,
            }
        )
    )


if __name__ == "__main__":
    main()
