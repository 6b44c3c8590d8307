"""Runnable code sketches for a recommendation, using the modern standard-library API.

Every snippet is a complete script: stand-in work (``time.sleep``/``asyncio.sleep`` for
I/O, a sum of squares for CPU) marks where the user's own code goes.  Each executor writes
its own script (``snippet`` in :mod:`concadvisor.executors`); this module adds the header
and caches the bodies: they depend only on a handful of small values.
"""

from __future__ import annotations

import functools

from .executors.base import SnippetRequest
from .executors.registry import spec
from .profile import Executor, StartMethod, Workload

__all__ = ["render_snippet"]

_new_tuple = tuple.__new__


def _header(executor: Executor, name: str, tasks: int) -> str:
    return f'"""Run {tasks} x {name!r} ({executor.value}), as suggested by concadvisor."""\n\n'


def render_snippet(
    executor: Executor,
    offload: Executor | None,
    workers: int,
    offload_workers: int | None,
    tasks: int,
    workload: Workload,
    name: str,
    task_group: bool,
    start_method: StartMethod | None,
    chunksize: int | None = None,
) -> str:
    """A runnable script for this choice.

    ``start_method`` is set only when the profile asked for a specific one; the snippet then
    passes it as ``mp_context``; ``chunksize`` only when a probe measured the best one.
    """
    # tuple.__new__ in field order: the NamedTuple's Python-level __new__ costs as much as
    # the cached body's lookup, on every advise() call.
    request = _new_tuple(
        SnippetRequest,
        (offload, workers, offload_workers, tasks, workload, task_group, start_method, chunksize),
    )
    return _header(executor, name, tasks) + _body(executor, request)


@functools.lru_cache(maxsize=512)
def _body(executor: Executor, request: SnippetRequest) -> str:
    """The script without its header: cached, since few distinct ones occur in practice."""
    return spec(executor).snippet(request)
