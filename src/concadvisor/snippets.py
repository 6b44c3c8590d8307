"""Runnable code sketches for a recommendation, using the modern standard-library API.

Every snippet is a complete script: stand-in work (``time.sleep``/``asyncio.sleep`` for
I/O, a sum of squares for CPU) marks where the user's own code goes.  Snippets are cached:
they depend only on a handful of small values.
"""

from __future__ import annotations

import functools

from .profile import Executor, StartMethod, Workload

__all__ = ["chunksize_for", "render_snippet"]

_IO = "time.sleep(0.001)  # your blocking I/O call"
_CPU = "sum(i * i for i in range(20_000))  # your CPU work"


def chunksize_for(tasks: int, workers: int) -> int:
    """Batches of about a quarter of each worker's share: amortises dispatch, keeps balance."""
    return max(1, tasks // (workers * 4))


def _sync_body(workload: Workload) -> str:
    if workload == "io":
        return f"    {_IO}\n    return item"
    if workload == "cpu":
        return f"    return item + {_CPU}"
    return f"    {_IO}\n    return item + {_CPU}"


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
) -> str:
    """A runnable script for this choice.

    ``start_method`` is set only when the profile asked for a specific one; the snippet then
    passes it as ``mp_context``.
    """
    body = _body(
        executor, offload, workers, offload_workers, tasks, workload, task_group, start_method
    )
    return _header(executor, name, tasks) + body


@functools.lru_cache(maxsize=512)
def _body(
    executor: Executor,
    offload: Executor | None,
    workers: int,
    offload_workers: int | None,
    tasks: int,
    workload: Workload,
    task_group: bool,
    start_method: StartMethod | None,
) -> str:
    """The script without its header: cached, since few distinct ones occur in practice."""
    if executor is Executor.ASYNCIO:
        return _asyncio(
            offload, workers, offload_workers, tasks, workload, task_group, start_method
        )
    if executor is Executor.PROCESSES:
        return _processes(workers, tasks, workload, start_method)
    if executor is Executor.THREADS:
        return _threads(offload, workers, offload_workers, tasks, workload, start_method)
    return _serial(tasks, workload)


def _main_guard(call: str = "main()") -> str:
    return f'\n\n\nif __name__ == "__main__":\n    {call}\n'


def _pool_args(workers: int, start_method: StartMethod | None) -> tuple[str, str]:
    """(extra import, ProcessPoolExecutor arguments)."""
    if start_method is None:
        return "", f"max_workers={workers}"
    return (
        "import multiprocessing\n",
        f'max_workers={workers}, mp_context=multiprocessing.get_context("{start_method}")',
    )


def _serial(tasks: int, workload: Workload) -> str:
    return (
        "import time\n\n\n"
        f"def task(item: int) -> int:\n{_sync_body(workload)}\n\n\n"
        "def main() -> None:\n"
        f"    results = [task(item) for item in range({tasks})]\n"
        '    print(f"{len(results)} results")' + _main_guard()
    )


def _threads(
    offload: Executor | None,
    workers: int,
    offload_workers: int | None,
    tasks: int,
    workload: Workload,
    start_method: StartMethod | None,
) -> str:
    if offload is Executor.PROCESSES:
        extra_import, pool_args = _pool_args(offload_workers or 1, start_method)
        return (
            f"{extra_import}import time\n"
            "from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor\n"
            "from functools import partial\n\n\n"
            "def cpu_part(item: int) -> int:\n"
            f"    return item + {_CPU}\n\n\n"
            "def task(item: int, cpu_pool: ProcessPoolExecutor) -> int:\n"
            f"    {_IO}\n"
            "    # The CPU part runs in a worker process, in parallel, off this thread.\n"
            "    return cpu_pool.submit(cpu_part, item).result()\n\n\n"
            "def main() -> None:\n"
            f"    with ProcessPoolExecutor({pool_args}) as cpu_pool, "
            f"ThreadPoolExecutor(max_workers={workers}) as io_pool:\n"
            f"        results = list(io_pool.map(partial(task, cpu_pool=cpu_pool), "
            f"range({tasks})))\n"
            '    print(f"{len(results)} results")' + _main_guard()
        )
    return (
        "import time\n"
        "from concurrent.futures import ThreadPoolExecutor\n\n\n"
        f"def task(item: int) -> int:\n{_sync_body(workload)}\n\n\n"
        "def main() -> None:\n"
        f"    with ThreadPoolExecutor(max_workers={workers}) as pool:\n"
        f"        results = list(pool.map(task, range({tasks})))\n"
        '    print(f"{len(results)} results")' + _main_guard()
    )


def _processes(
    workers: int, tasks: int, workload: Workload, start_method: StartMethod | None
) -> str:
    extra_import, pool_args = _pool_args(workers, start_method)
    chunk = chunksize_for(tasks, workers)
    chunk_arg = f", chunksize={chunk}" if chunk > 1 else ""
    return (
        f"{extra_import}import time\n"
        "from concurrent.futures import ProcessPoolExecutor\n\n\n"
        "# Module level: worker processes must be able to import (pickle) the task.\n"
        f"def task(item: int) -> int:\n{_sync_body(workload)}\n\n\n"
        "def main() -> None:\n"
        f"    with ProcessPoolExecutor({pool_args}) as pool:\n"
        f"        results = list(pool.map(task, range({tasks}){chunk_arg}))\n"
        '    print(f"{len(results)} results")' + _main_guard()
    )


def _asyncio(
    offload: Executor | None,
    workers: int,
    offload_workers: int | None,
    tasks: int,
    workload: Workload,
    task_group: bool,
    start_method: StartMethod | None,
) -> str:
    imports = ["import asyncio"]
    helpers = ""
    run_setup = ""
    run_args = ""
    if offload is Executor.PROCESSES:
        extra_import, pool_args = _pool_args(offload_workers or 1, start_method)
        if extra_import:
            imports.append(extra_import.strip())
        imports.append("from concurrent.futures import ProcessPoolExecutor")
        helpers = f"def cpu_part(item: int) -> int:\n    return item + {_CPU}\n\n\n"
        body = (
            "async def task(item: int, pool: ProcessPoolExecutor) -> int:\n"
            "    await asyncio.sleep(0.001)  # your awaited I/O call\n"
            "    loop = asyncio.get_running_loop()\n"
            "    # The CPU part runs in a worker process; the loop keeps serving I/O.\n"
            "    return await loop.run_in_executor(pool, cpu_part, item)\n"
        )
        run_setup = f"    with ProcessPoolExecutor({pool_args}) as pool:\n"
        run_args = ", pool"
    elif offload is Executor.THREADS:
        imports.append("import time")
        if workload == "io":
            helpers = "def blocking_io(item: int) -> int:\n    " + _IO + "\n    return item\n\n\n"
            body = (
                "async def task(item: int) -> int:\n"
                "    # A synchronous library call runs in a thread; the loop stays free.\n"
                "    return await asyncio.to_thread(blocking_io, item)\n"
            )
        else:
            helpers = f"def cpu_part(item: int) -> int:\n    return item + {_CPU}\n\n\n"
            body = (
                "async def task(item: int) -> int:\n"
                "    await asyncio.sleep(0.001)  # your awaited I/O call\n"
                "    # The CPU part runs in a thread; the loop keeps serving I/O.\n"
                "    return await asyncio.to_thread(cpu_part, item)\n"
            )
    else:
        body = (
            "async def task(item: int) -> int:\n"
            "    await asyncio.sleep(0.001)  # your awaited I/O call\n"
            "    return item\n"
        )
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
    if task_group:
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
        + _main_guard("asyncio.run(main())")
    )
