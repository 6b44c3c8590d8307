"""interpreters: a ``concurrent.futures.InterpreterPoolExecutor`` (CPython 3.14+, PEP 734).

Each worker is a thread running its own sub-interpreter with its own GIL, so pure-Python
CPU work runs in parallel inside one process.  What crosses between interpreters is
pickled like a process pool's traffic (a function without a closure is shared by its
code, so a module-level function or a plain lambda works; a closure does not), and every
sub-interpreter imports its own copy of each module it uses: start-up costs about as much
as a forkserver worker, not as much as a thread.  Extension modules without multi-phase
initialisation refuse to load in a sub-interpreter (``readline`` and ``_curses`` in the
standard library; many third-party ones).  Measurements: docs/costs.md, "Sub-interpreters".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..costs.inputs import ExecutorPrediction, Inputs
from ..costs.machine import MachineCosts
from ..profile import Executor
from ._code import main_guard, sync_body
from .base import ExecutorSpec, SnippetRequest

if TYPE_CHECKING:
    from ..environment import Environment


#: Looked up once: the formula runs on every advise() call (``Executor.X`` is a slow lookup).
_EXECUTOR = Executor.INTERPRETERS


def interpreter_seconds(x: Inputs, costs: MachineCosts) -> ExecutorPrediction:
    """Interpreters: ``k s_i + max(parent, span, cpu)``, the process formula's shape.

    One task per message (the pool has no batching), ``d_i`` per task, and the payload
    pickled at the process pool's rate; ``k`` is the process pool's width (one worker per
    usable CPU), and ``s_i`` the per-worker start-up.
    """
    n, t, c, p = x.tasks, x.task_seconds, x.cpu_share, x.cpus
    k = x.processes if x.processes < n else n
    ipc = x.payload_bytes / costs.ipc_bytes_per_second
    dispatch = costs.interpreter_dispatch_seconds
    rounds = -(-n // k)
    parent = n * (dispatch + ipc / 2)
    span = rounds * (t + ipc / 2)
    cpu = n * (c * t + dispatch + ipc) / p
    busiest = parent if parent > span else span
    if cpu > busiest:
        busiest = cpu
    startup = k * costs.interpreter_start_seconds if x.include_startup else 0.0
    seconds = startup + busiest
    ideal_span, ideal_cpu = rounds * t, n * c * t / p
    ideal = ideal_span if ideal_span > ideal_cpu else ideal_cpu
    return ExecutorPrediction(_EXECUTOR, k, seconds, n * t / seconds, startup, ideal, ipc)


def interpreter_snippet(r: SnippetRequest) -> str:
    return (
        "import time\n"
        "from concurrent.futures import InterpreterPoolExecutor  # Python 3.14+\n\n\n"
        "# Module level, no closure: each sub-interpreter imports this module to run it.\n"
        "# Every extension module it uses must support sub-interpreters.\n"
        f"def task(item: int) -> int:\n{sync_body(r.workload)}\n\n\n"
        "def main() -> None:\n"
        f"    with InterpreterPoolExecutor(max_workers={r.workers}) as pool:\n"
        f"        results = list(pool.map(task, range({r.tasks})))\n"
        '    print(f"{len(results)} results")' + main_guard()
    )


def has_interpreter_pool(environment: Environment) -> bool:
    """Only an interpreter with ``concurrent.futures.InterpreterPoolExecutor`` (3.14+)."""
    return environment.has_interpreter_pool


SPEC = ExecutorSpec(
    executor=Executor.INTERPRETERS,
    doc=(
        "A pool of sub-interpreters (Python 3.14+, PEP 734), one per worker thread, each "
        "with its own GIL: parallel pure-Python CPU work inside one process. Arguments and "
        "results are pickled between interpreters as for processes, each worker imports "
        "its own copy of every module (start-up costs about what a forkserver worker "
        "does), and extension modules without sub-interpreter support refuse to load."
    ),
    cost=interpreter_seconds,
    snippet=interpreter_snippet,
    runner="concadvisor.probing.executors:Interpreters",
    available=has_interpreter_pool,
    unavailable_reason="needs Python 3.14+ (concurrent.futures.InterpreterPoolExecutor)",
)
