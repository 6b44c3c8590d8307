"""A loopback HTTP server for the demo's I/O workloads, run in its own process.

It answers every request after a fixed delay (the "latency" of a remote service) and handles
thousands of concurrent connections (asyncio).  It binds to 127.0.0.1 only and stops by
itself: after ``--lifetime`` seconds, or as soon as its parent closes its stdin (so it never
outlives the demo, even when the demo is killed).

Run as ``python -m concadvisor.demo.server --delay 0.02``; it prints its port on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import threading
from dataclasses import dataclass

__all__ = ["LoopbackServer", "main", "start_server"]

_BODY = b"x" * 512


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    try:
        # Read the request head; the body of a GET is empty.
        while True:
            line = await reader.readline()
            if not line or line in (b"\r\n", b"\n"):
                break
        await asyncio.sleep(delay)
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n"
            b"Content-Length: " + str(len(_BODY)).encode() + b"\r\n\r\n" + _BODY
        )
        await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def _serve(delay: float, lifetime: float) -> None:
    server = await asyncio.start_server(
        lambda r, w: _handle(r, w, delay), host="127.0.0.1", port=0, backlog=4096
    )
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    loop = asyncio.get_running_loop()
    stop: asyncio.Future[None] = loop.create_future()

    def finish() -> None:
        if not stop.done():
            stop.set_result(None)

    def watch_stdin() -> None:
        # EOF on stdin: the parent is gone (or asked us to stop).
        with contextlib.suppress(Exception):
            sys.stdin.read()
        loop.call_soon_threadsafe(finish)

    threading.Thread(target=watch_stdin, daemon=True).start()
    loop.call_later(lifetime, finish)
    async with server:
        await stop


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--delay", type=float, default=0.02, help="seconds per response")
    parser.add_argument("--lifetime", type=float, default=300.0, help="seconds before exiting")
    args = parser.parse_args(argv)
    asyncio.run(_serve(args.delay, args.lifetime))


@dataclass
class LoopbackServer:
    """A running server process; use as a context manager to be sure it stops."""

    url: str
    process: subprocess.Popen[str]

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                if self.process.stdin is not None:
                    self.process.stdin.close()
            try:
                self.process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()

    def __enter__(self) -> LoopbackServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_server(delay: float = 0.02, lifetime: float = 300.0) -> LoopbackServer:
    """Start the server in a child process and wait until it listens."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "concadvisor.demo.server",
            "--delay",
            str(delay),
            "--lifetime",
            str(lifetime),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line.isdigit():
        process.kill()
        process.wait()
        raise RuntimeError("the demo's loopback HTTP server did not start")
    return LoopbackServer(url=f"http://127.0.0.1:{line}/", process=process)


if __name__ == "__main__":
    main()
