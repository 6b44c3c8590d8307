"""threads: a ``concurrent.futures.ThreadPoolExecutor``."""

from __future__ import annotations

from ..costs.inputs import ExecutorPrediction, Inputs
from ..costs.machine import MachineCosts
from ..profile import Executor
from ._code import CPU, IO, main_guard, pool_args, sync_body
from .base import ExecutorSpec, SnippetRequest

#: Looked up once: the formula runs on every advise() call (``Executor.X`` is a slow lookup).
_EXECUTOR = Executor.THREADS


def thread_seconds(x: Inputs, costs: MachineCosts) -> ExecutorPrediction:
    """Threads: ``k s_thread + max(span, locked)`` (see :mod:`concadvisor.costs.model`)."""
    n, t, c = x.tasks, x.task_seconds, x.cpu_share
    k = x.threads if x.threads < n else n
    q: float = 1 if x.gil_bound else (k if k < x.cpus else x.cpus)
    dispatch = costs.thread_dispatch_seconds
    if c < 1:
        dispatch += costs.thread_switch_seconds  # a waiting task resumes by a hand-off
    span = -(-n // k) * t
    compute = n * c * t / q
    # The lock cannot start on the batch before the first task has waited: pipeline fill.
    locked = n * dispatch + compute + (1 - c) * t
    startup = k * costs.thread_start_seconds if x.include_startup else 0.0
    seconds = startup + (span if span > locked else locked)
    ideal = span if span > compute else compute
    return ExecutorPrediction(_EXECUTOR, k, seconds, n * t / seconds, startup, ideal)


def thread_snippet(r: SnippetRequest) -> str:
    if r.offload is Executor.PROCESSES:
        extra_import, args = pool_args(r.offload_workers or 1, r.start_method)
        return (
            f"{extra_import}import time\n"
            "from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor\n"
            "from functools import partial\n\n\n"
            "def cpu_part(item: int) -> int:\n"
            f"    return item + {CPU}\n\n\n"
            "def task(item: int, cpu_pool: ProcessPoolExecutor) -> int:\n"
            f"    {IO}\n"
            "    # The CPU part runs in a worker process, in parallel, off this thread.\n"
            "    return cpu_pool.submit(cpu_part, item).result()\n\n\n"
            "def main() -> None:\n"
            f"    with ProcessPoolExecutor({args}) as cpu_pool, "
            f"ThreadPoolExecutor(max_workers={r.workers}) as io_pool:\n"
            f"        results = list(io_pool.map(partial(task, cpu_pool=cpu_pool), "
            f"range({r.tasks})))\n"
            '    print(f"{len(results)} results")' + main_guard()
        )
    return (
        "import time\n"
        "from concurrent.futures import ThreadPoolExecutor\n\n\n"
        f"def task(item: int) -> int:\n{sync_body(r.workload)}\n\n\n"
        "def main() -> None:\n"
        f"    with ThreadPoolExecutor(max_workers={r.workers}) as pool:\n"
        f"        results = list(pool.map(task, range({r.tasks})))\n"
        '    print(f"{len(results)} results")' + main_guard()
    )


SPEC = ExecutorSpec(
    executor=Executor.THREADS,
    doc=(
        "A pool of OS threads sharing one interpreter and its memory: cheap to start and "
        "to hand work to, good at overlapping blocking I/O. Under the GIL only one thread "
        "runs Python bytecode at a time, so CPU work speeds up only in native code that "
        "releases the GIL or on a free-threaded build; shared mutable state needs locks."
    ),
    cost=thread_seconds,
    snippet=thread_snippet,
    runner="concadvisor.probing.executors:Threads",
)
