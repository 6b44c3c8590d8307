"""Every executor, in the order advice ranks ties and the probe interleaves them.

Adding an executor: an :class:`~concadvisor.profile.Executor` member, one module in this
package defining its ``SPEC`` (docs, cost formula, snippet, probe runner, availability),
its line below, and its test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..profile import Executor
from . import asyncio, dask, interpreters, processes, serial, threads
from .base import ExecutorSpec

if TYPE_CHECKING:
    from ..environment import Environment

__all__ = ["EXECUTORS", "REGISTRY", "available", "spec"]

#: Every executor's entry, in order.
REGISTRY: tuple[ExecutorSpec, ...] = (
    serial.SPEC,
    threads.SPEC,
    processes.SPEC,
    asyncio.SPEC,
    interpreters.SPEC,
    dask.SPEC,
)

#: Every executor, in registry order.
EXECUTORS: tuple[Executor, ...] = tuple(entry.executor for entry in REGISTRY)

_BY_EXECUTOR: dict[Executor, ExecutorSpec] = {entry.executor: entry for entry in REGISTRY}


def spec(executor: Executor | str) -> ExecutorSpec:
    """The entry of ``executor`` (an :class:`Executor` or its value); ValueError if unknown."""
    return _BY_EXECUTOR[Executor(executor)]


def available(environment: Environment) -> tuple[ExecutorSpec, ...]:
    """The entries of the executors that exist on the interpreter ``environment`` describes."""
    return tuple(entry for entry in REGISTRY if entry.available(environment))
