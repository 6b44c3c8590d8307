"""One worker of the probe (runner side): its long-lived event loop and its setup's state.

A worker is a thread of a thread pool, a process of a process pool, the asyncio
executor's event loop, or the runner's main thread (the warm-up and serial).  It calls the
per-worker setup (``--setup MODULE:FUNC``) once, before any timed round, and keeps the
result in its own :mod:`contextvars` context, where :func:`concadvisor.worker_state`
finds it.  An ``async def`` target (or setup) runs on the worker's one event loop, which
lives across calls -- a client opened in setup is reused, as in real programs -- and is
closed by :meth:`Worker.close`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ..worker_context import set_worker_state
from .targets import describe_exception, load_callable

__all__ = ["SetupSpec", "Worker", "WorkerSetupError", "load_setup"]

#: One task's arguments: positional and keyword.
Call = tuple[tuple[Any, ...], dict[str, Any]]


@dataclass(frozen=True)
class SetupSpec:
    """The per-worker setup: its ``MODULE:FUNC`` (how workers import it) and the callable."""

    spec: str
    func: Callable[[], Any]


def load_setup(spec: str | None, cwd: str) -> SetupSpec | None:
    """The setup named by ``spec`` (raises :class:`~concadvisor.errors.TargetError`)."""
    return None if spec is None else SetupSpec(spec, load_callable(spec, cwd))


class WorkerSetupError(Exception):
    """The setup raised: the message names the setup, not the target."""


class Worker:
    """A worker's event loop (made on first need) and its context (holding the state)."""

    def __init__(self, setup: SetupSpec | None, *, on_loop: bool = False) -> None:
        self._setup = setup
        #: Call even a sync setup inside the loop (the asyncio executor's worker is a loop).
        self._on_loop = on_loop
        self._loop: asyncio.AbstractEventLoop | None = None
        self._context = contextvars.copy_context()
        self.setup_seconds: float | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop

    def prepare(self) -> float | None:
        """Call the setup once (again: nothing); its seconds, None without a setup.

        Raises :class:`WorkerSetupError` with one line naming the setup.
        """
        if self._setup is None or self.setup_seconds is not None:
            return self.setup_seconds
        t0 = time.perf_counter()
        try:
            self._context.run(self._prepare, self._setup.func)
        except BaseException as exc:  # user code: SystemExit and KeyboardInterrupt too
            raise WorkerSetupError(
                f"setup {self._setup.spec} raised {describe_exception(exc)}"
            ) from None
        self.setup_seconds = time.perf_counter() - t0
        return self.setup_seconds

    def _prepare(self, setup: Callable[[], Any]) -> None:
        if self._on_loop:
            result = self.loop.run_until_complete(_called(setup))
        else:
            result = setup()
            if inspect.isawaitable(result):
                result = self.loop.run_until_complete(_awaited(result))
        set_worker_state(result)

    def call(self, func: Callable[..., Any], is_async: bool, call: Call) -> Any:
        """Call ``func`` once in this worker; an ``async def`` one on the worker's loop."""
        args, kwargs = call
        if is_async:
            return self._context.run(self._on_own_loop, func, args, kwargs)
        return self._context.run(func, *args, **kwargs)

    def _on_own_loop(
        self, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        return self.loop.run_until_complete(func(*args, **kwargs))

    def run_until_complete(self, awaitable: Awaitable[Any]) -> Any:
        """Run ``awaitable`` on the worker's loop, in the worker's context."""
        return self._context.run(self.loop.run_until_complete, awaitable)

    def close(self) -> None:
        """Close the loop (async generators first); a loop still running is left alone."""
        loop = self._loop
        if loop is None or loop.is_closed() or loop.is_running():
            return
        with contextlib.suppress(Exception):
            loop.run_until_complete(loop.shutdown_asyncgens())
        with contextlib.suppress(Exception):
            loop.close()


async def _called(setup: Callable[[], Any]) -> Any:
    result = setup()
    return await result if inspect.isawaitable(result) else result


async def _awaited(awaitable: Awaitable[Any]) -> Any:
    return await awaitable
