"""``concadvisor.worker_state()``: what the probe's ``--setup`` returned, for this worker.

The probe calls a per-worker setup (``--setup MODULE:FUNC``, ``probe(..., setup=...)``)
once in every worker -- each thread of a thread pool, each process of a process pool, the
event loop of the asyncio executor, the runner's main thread for serial -- before any
timed round.  The target reads the setup's result back with :func:`worker_state`: a
client, a session, a connection or a loaded model opened once per worker, as real code
does.

The state lives in a :class:`contextvars.ContextVar`, set in the worker's own context: a
thread sees its thread's, a process its own, and coroutines on a worker's event loop the
loop's (a task copies the context it is created in).  Light on purpose: user code imports
it and it imports nothing heavy.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

__all__ = ["NoWorkerState", "set_worker_state", "worker_state"]


class NoWorkerState(LookupError):
    """:func:`worker_state` outside a probe worker that ran a setup."""


_STATE: ContextVar[Any] = ContextVar("concadvisor_worker_state")


def worker_state() -> Any:
    """The result of this worker's setup call; :class:`NoWorkerState` when none ran here.

    >>> import concadvisor
    >>> def fetch(url: str) -> bytes:  # the target; its setup returned a requests.Session
    ...     return concadvisor.worker_state().get(url).content
    """
    try:
        return _STATE.get()
    except LookupError:
        raise NoWorkerState(
            "no per-worker setup ran here (give the probe --setup MODULE:FUNC)"
        ) from None


def set_worker_state(value: Any) -> None:
    """Make ``value`` this context's worker state (the probe's runner calls it)."""
    _STATE.set(value)
