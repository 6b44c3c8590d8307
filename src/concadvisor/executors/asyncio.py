"""asyncio: coroutines on one event loop (``asyncio.run``, ``TaskGroup``/``gather``)."""

from __future__ import annotations

from ..costs.inputs import ExecutorPrediction, Inputs
from ..costs.machine import MachineCosts
from ..profile import Executor
from ._code import CPU, IO, main_guard, pool_args
from .base import ExecutorSpec, SnippetRequest

#: Looked up once: the formula runs on every advise() call (``Executor.X`` is a slow lookup).
_EXECUTOR = Executor.ASYNCIO


def asyncio_seconds(x: Inputs, costs: MachineCosts) -> ExecutorPrediction:
    """asyncio: ``max(span, loop)`` for awaited I/O, ``n (t + d_async)`` for sync code."""
    n, t = x.tasks, x.task_seconds
    if not x.awaits_io:
        seconds = n * (t + costs.asyncio_dispatch_seconds)
        return ExecutorPrediction(_EXECUTOR, 1, seconds, n * t / seconds, 0.0, n * t)
    k = x.concurrency if x.concurrency < n else n
    span = -(-n // k) * t
    compute = n * x.cpu_share * t
    loop = (
        compute
        + n * (costs.asyncio_dispatch_seconds + costs.coroutine_switch_seconds)
        + (1 - x.cpu_share) * t  # pipeline fill: the first task waits before the loop computes
    )
    seconds = span if span > loop else loop
    ideal = span if span > compute else compute
    return ExecutorPrediction(_EXECUTOR, k, seconds, n * t / seconds, 0.0, ideal)


def _task(r: SnippetRequest) -> tuple[list[str], str, str, str, str]:
    """(imports, helpers, task coroutine, pool set-up line, extra argument of task())."""
    imports = ["import asyncio"]
    if r.offload is Executor.PROCESSES:
        extra_import, args = pool_args(r.offload_workers or 1, r.start_method)
        if extra_import:
            imports.append(extra_import.strip())
        imports.append("from concurrent.futures import ProcessPoolExecutor")
        helpers = f"def cpu_part(item: int) -> int:\n    return item + {CPU}\n\n\n"
        body = (
            "async def task(item: int, pool: ProcessPoolExecutor) -> int:\n"
            "    await asyncio.sleep(0.001)  # your awaited I/O call\n"
            "    loop = asyncio.get_running_loop()\n"
            "    # The CPU part runs in a worker process; the loop keeps serving I/O.\n"
            "    return await loop.run_in_executor(pool, cpu_part, item)\n"
        )
        return imports, helpers, body, f"    with ProcessPoolExecutor({args}) as pool:\n", ", pool"
    if r.offload is Executor.THREADS:
        imports.append("import time")
        if r.workload == "io":
            helpers = "def blocking_io(item: int) -> int:\n    " + IO + "\n    return item\n\n\n"
            body = (
                "async def task(item: int) -> int:\n"
                "    # A synchronous library call runs in a thread; the loop stays free.\n"
                "    return await asyncio.to_thread(blocking_io, item)\n"
            )
        else:
            helpers = f"def cpu_part(item: int) -> int:\n    return item + {CPU}\n\n\n"
            body = (
                "async def task(item: int) -> int:\n"
                "    await asyncio.sleep(0.001)  # your awaited I/O call\n"
                "    # The CPU part runs in a thread; the loop keeps serving I/O.\n"
                "    return await asyncio.to_thread(cpu_part, item)\n"
            )
        return imports, helpers, body, "", ""
    body = (
        "async def task(item: int) -> int:\n"
        "    await asyncio.sleep(0.001)  # your awaited I/O call\n"
        "    return item\n"
    )
    return imports, "", body, "", ""


def asyncio_snippet(r: SnippetRequest) -> str:
    imports, helpers, body, run_setup, run_args = _task(r)
    workers, tasks = r.workers, r.tasks
    indent = "    " if run_setup else ""
    lines = [
        "async def main() -> None:",
        run_setup.rstrip("\n") if run_setup else None,
        f"{indent}    limit = asyncio.Semaphore({workers})  # at most {workers} at once",
        "",
        f"{indent}    async def bounded(item: int) -> int:",
        f"{indent}        async with limit:",
        f"{indent}            return await task(item{run_args})",
        "",
    ]
    if r.task_group:
        lines += [
            f"{indent}    async with asyncio.TaskGroup() as group:",
            f"{indent}        jobs = [group.create_task(bounded(item)) for item in range({tasks})]",
            f"{indent}    results = [job.result() for job in jobs]",
        ]
    else:
        lines += [
            f"{indent}    results = await asyncio.gather(*(bounded(item) for item in "
            f"range({tasks})))",
        ]
    lines.append(f'{indent}    print(f"{{len(results)}} results")')
    main = "\n".join(line for line in lines if line is not None)
    return (
        "\n".join(imports)
        + "\n\n\n"
        + helpers
        + body
        + "\n\n"
        + main
        + main_guard("asyncio.run(main())")
    )


SPEC = ExecutorSpec(
    executor=Executor.ASYNCIO,
    doc=(
        "Coroutines on one event loop: thousands of concurrent waits for almost no "
        "switching cost, when the I/O is awaited through async-capable libraries and the "
        "code is written with async/await. One thread runs every coroutine, so CPU work and "
        "synchronous calls block the whole loop; offload them to threads or processes."
    ),
    cost=asyncio_seconds,
    snippet=asyncio_snippet,
    runner="concadvisor.probing.executors:Asyncio",
)
