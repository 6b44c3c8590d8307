"""Does the probe's advice for a blocking downloader hold when applied?

The scenario from issue 10: a function that downloads one page with blocking ``urllib``
from a loopback server answering after 50 ms, and a user with 100 pages to fetch.  The
benchmark

1. runs ``concadvisor probe fetch.py:fetch --args '[URL]' --tasks 100 --json`` as a user
   would, and prints what it recommends, whether that width was measured by the sweep
   (or is marked extrapolated), and the predicted speedup;
2. applies the advice by hand, as the snippet shows it: the whole batch of 100 downloads
   through ``ThreadPoolExecutor(max_workers=W)`` (pool start included, as in the snippet)
   or whichever executor was recommended, against the same 100 downloads run serially,
   in interleaved rounds, medians;
3. prints the applied speedup, the predicted one, and their ratio.  Target: within 25%.

    .venv/bin/python benchmarks/bench_downloader.py [--rounds 3] [--delay 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from concadvisor.demo.server import start_server

TASKS = 100

FETCH_MODULE = """\
import urllib.request


def fetch(url):
    with urllib.request.urlopen(url) as response:
        return len(response.read())
"""


def fetch(url: str) -> int:
    with urllib.request.urlopen(url) as response:
        return len(response.read())


def _serial(urls: list[str]) -> None:
    for url in urls:
        fetch(url)


def _threads(workers: int) -> Callable[[list[str]], None]:
    def run(urls: list[str]) -> None:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(fetch, urls))

    return run


def _processes(workers: int, chunksize: int) -> Callable[[list[str]], None]:
    def run(urls: list[str]) -> None:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            list(pool.map(fetch, urls, chunksize=chunksize))

    return run


def _asyncio(limit: int | None) -> Callable[[list[str]], None]:
    async def main(urls: list[str]) -> None:
        gate = asyncio.Semaphore(limit or len(urls))

        async def one(url: str) -> None:
            async with gate:
                await asyncio.to_thread(fetch, url)

        await asyncio.gather(*(one(url) for url in urls))

    def run(urls: list[str]) -> None:
        asyncio.run(main(urls))

    return run


def _applied(recommendation: dict[str, Any]) -> Callable[[list[str]], None]:
    executor = recommendation["executor"]
    workers = int(recommendation["workers"])
    if executor == "threads":
        return _threads(workers)
    if executor == "processes":
        return _processes(workers, int(recommendation.get("chunksize") or 1))
    if executor == "asyncio":
        return _asyncio(workers)
    return _serial


def _probe(directory: Path, url: str) -> dict[str, Any]:
    (directory / "fetch.py").write_text(FETCH_MODULE)
    command = [
        sys.executable, "-m", "concadvisor", "probe", "fetch.py:fetch",
        "--args", json.dumps([url]), "--tasks", str(TASKS), "--json",
    ]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, cwd=directory, capture_output=True, text=True, check=False)
    print(f"probe: {time.perf_counter() - started:.1f} s, exit {done.returncode}")
    if done.returncode != 0:
        raise SystemExit(f"the probe failed: {done.stderr.strip()}")
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--delay", type=float, default=0.05, help="server latency, seconds")
    args = parser.parse_args()

    with start_server(delay=args.delay) as server, tempfile.TemporaryDirectory() as tmp:
        url = server.url + "page/1"
        report = _probe(Path(tmp), url)
        recommendation = report["recommendation"]
        executor = recommendation["executor"]
        workers = recommendation["workers"]
        predicted = float(recommendation["predicted_speedup"][executor])
        row = next(r for r in report["results"] if r["executor"] == executor)
        widths = [point["width"] for point in row.get("sweep") or []]
        measured = workers in widths
        print(f"recommended: {executor} x {workers}, predicted {predicted:.1f}x serial")
        print(f"sweep widths measured for {executor}: {widths}")
        print(
            f"recommended width measured: {measured}; marked extrapolated: "
            f"{report['extrapolated']['workers']}"
        )

        urls = [url] * TASKS
        applied = _applied(recommendation)
        fetch(url)  # warm the server and the resolver
        serial_times: list[float] = []
        applied_times: list[float] = []
        for _ in range(args.rounds):
            for run, times in ((_serial, serial_times), (applied, applied_times)):
                started = time.perf_counter()
                run(urls)
                times.append(time.perf_counter() - started)
        serial = statistics.median(serial_times)
        parallel = statistics.median(applied_times)
        speedup = serial / parallel
        ratio = speedup / predicted
        verdict = "PASS" if abs(ratio - 1) <= 0.25 else "MISS"
        print(
            f"applied: serial {serial:.2f} s, {executor} x {workers} {parallel:.3f} s "
            f"({args.rounds} interleaved rounds, medians)"
        )
        print(
            f"speedup applied {speedup:.1f}x, predicted {predicted:.1f}x, "
            f"ratio {ratio:.2f} (target 0.75-1.25): {verdict}"
        )


if __name__ == "__main__":
    main()
