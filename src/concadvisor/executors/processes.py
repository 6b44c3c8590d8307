"""processes: a ``concurrent.futures.ProcessPoolExecutor``."""

from __future__ import annotations

from ..costs.inputs import ExecutorPrediction, Inputs
from ..costs.machine import MachineCosts
from ..profile import Executor
from ..workers import chunksize_for
from ._code import main_guard, pool_args, sync_body
from .base import ExecutorSpec, SnippetRequest

#: Looked up once: the formula runs on every advise() call (``Executor.X`` is a slow lookup).
_EXECUTOR = Executor.PROCESSES


def process_seconds(x: Inputs, costs: MachineCosts) -> ExecutorPrediction:
    """Processes: ``k s_m + max(parent, span, cpu)`` (see :mod:`concadvisor.costs.model`)."""
    n, t, c, p = x.tasks, x.task_seconds, x.cpu_share, x.cpus
    k = x.processes if x.processes < n else n
    ipc = x.payload_bytes / costs.ipc_bytes_per_second
    dispatch = (
        costs.process_batched_dispatch_seconds
        if x.chunksize > 1
        else costs.process_dispatch_seconds
    )
    rounds = -(-n // k)
    parent = n * (dispatch + ipc / 2)
    span = rounds * (t + ipc / 2)
    cpu = n * (c * t + dispatch + ipc) / p
    busiest = parent if parent > span else span
    if cpu > busiest:
        busiest = cpu
    startup = 0.0
    if x.include_startup:
        per_worker = costs.process_start_seconds.get(x.start_method)
        startup = k * (costs.start_seconds(x.start_method) if per_worker is None else per_worker)
    seconds = startup + busiest
    ideal_span, ideal_cpu = rounds * t, n * c * t / p
    ideal = ideal_span if ideal_span > ideal_cpu else ideal_cpu
    return ExecutorPrediction(_EXECUTOR, k, seconds, n * t / seconds, startup, ideal, ipc)


def process_snippet(r: SnippetRequest) -> str:
    extra_import, args = pool_args(r.workers, r.start_method)
    chunk = r.chunksize if r.chunksize is not None else chunksize_for(r.tasks, r.workers)
    chunk_arg = f", chunksize={chunk}" if chunk > 1 else ""
    return (
        f"{extra_import}import time\n"
        "from concurrent.futures import ProcessPoolExecutor\n\n\n"
        "# Module level: worker processes must be able to import (pickle) the task.\n"
        f"def task(item: int) -> int:\n{sync_body(r.workload)}\n\n\n"
        "def main() -> None:\n"
        f"    with ProcessPoolExecutor({args}) as pool:\n"
        f"        results = list(pool.map(task, range({r.tasks}){chunk_arg}))\n"
        '    print(f"{len(results)} results")' + main_guard()
    )


SPEC = ExecutorSpec(
    executor=Executor.PROCESSES,
    doc=(
        "A pool of worker processes, each with its own interpreter and GIL: true "
        "parallelism for CPU work on every usable core. Starting workers costs milliseconds "
        "(fork) to a tenth of a second (spawn, forkserver), and every task's callable, "
        "arguments and results are pickled through a pipe, so short tasks need batching "
        "(chunksize) and large payloads eat the gain."
    ),
    cost=process_seconds,
    snippet=process_snippet,
    runner="concadvisor.probing.executors:Processes",
)
