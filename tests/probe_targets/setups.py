"""Targets with a per-worker setup (``--setup``): a resource opened once per worker.

Each setup call appends its worker's key (pid, thread, event loop) to the file named by
``CONCADVISOR_SETUP_LOG``; each target call checks that the state it reads belongs to the
worker it runs in, and raises otherwise -- so a probe row that is ``ok`` saw its setup.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import concadvisor


def _worker_key() -> str:
    try:
        loop = str(id(asyncio.get_running_loop()))
    except RuntimeError:
        loop = "-"
    return f"{os.getpid()}:{threading.get_ident()}:{loop}"


def _log_setup() -> None:
    with Path(os.environ["CONCADVISOR_SETUP_LOG"]).open("a", encoding="utf-8") as stream:
        stream.write(_worker_key() + "\n")


@dataclass
class Resource:
    pid: int = field(default_factory=os.getpid)
    thread: int = field(default_factory=threading.get_ident)
    calls: int = 0


def open_resource() -> Resource:
    _log_setup()
    return Resource()


def use_resource(seconds: float = 0.002) -> int:
    resource = concadvisor.worker_state()
    if not isinstance(resource, Resource):
        raise TypeError(f"worker_state() is a {type(resource).__name__}")
    if (resource.pid, resource.thread) != (os.getpid(), threading.get_ident()):
        raise RuntimeError("the resource of another worker")
    resource.calls += 1
    time.sleep(seconds)
    return resource.calls


class Client:
    """Bound to the event loop it was made on, as an HTTP client's connection pool is."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.calls = 0

    async def get(self, seconds: float) -> int:
        if asyncio.get_running_loop() is not self.loop:
            raise RuntimeError("the client is attached to a different event loop")
        self.calls += 1
        await asyncio.sleep(seconds)
        return self.calls


async def open_client() -> Client:
    _log_setup()
    return Client()


async def use_client(seconds: float = 0.002) -> int:
    client = concadvisor.worker_state()
    if not isinstance(client, Client):
        raise TypeError(f"worker_state() is a {type(client).__name__}")
    return await client.get(seconds)


def broken_setup() -> None:
    raise ConnectionError("database unreachable")
