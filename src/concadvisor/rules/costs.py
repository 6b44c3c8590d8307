"""CA5xx -- what processes cost: start-up, dispatch, pickling, picklability."""

from __future__ import annotations

from ._helpers import PROCESSES, only, seconds, size
from .base import Facts, Fired, Note, Rule, Score, Veto, Warn, fire
from .thresholds import (
    IPC_HEAVY_RATIO,
    IPC_NOTICEABLE_RATIO,
    TINY_TASK_SECONDS,
    ipc_seconds,
    process_start_seconds,
)


def _not_picklable(f: Facts) -> Fired | None:
    if f.profile.picklable:
        return None
    return fire(
        "The callable, its arguments or its results cannot be pickled: a process pool "
        "cannot send them to its workers.",
        Veto(PROCESSES),
    )


def _start_cost(f: Facts) -> Fired | None:
    total = f.total_seconds
    if total is None or not f.many or f.cpus < 2:
        return None
    workers = min(f.cpus, f.tasks)
    start = process_start_seconds(f.start_method) * workers
    best_gain = total - total / workers
    if best_gain >= 2 * start:
        return None
    return fire(
        f"Starting {workers} worker processes with '{f.start_method}' costs about "
        f"{seconds(start)}, against at most {seconds(best_gain)} saved on a "
        f"{seconds(total)} batch.",
        Score(PROCESSES, -3),
    )


def _payload_ipc(f: Facts) -> Fired | None:
    p = f.profile
    if p.payload_bytes is None or p.task_seconds is None or not f.many:
        return None
    ipc = ipc_seconds(p.payload_bytes)
    ratio = ipc / p.task_seconds
    if ratio < IPC_NOTICEABLE_RATIO:
        return None
    found = (
        f"pickling and piping {size(p.payload_bytes)} per task costs about {seconds(ipc)} "
        f"against {seconds(p.task_seconds)} of work ({ratio:.0%})"
    )
    if ratio >= IPC_HEAVY_RATIO:
        return fire(
            f"Processes pay for inter-process communication: {found}.",
            Score(PROCESSES, -4),
        )
    return fire(
        f"Inter-process communication is noticeable: {found}.",
        Score(PROCESSES, -1),
        Warn(
            f"{found[0].upper()}{found[1:]}; send less (paths, ids, shared memory) or do "
            "more work per task.",
            when=only(PROCESSES),
        ),
    )


def _tiny_tasks(f: Facts) -> Fired | None:
    p = f.profile
    if p.task_seconds is None or p.task_seconds >= TINY_TASK_SECONDS or not f.many:
        return None
    return fire(
        f"Tasks of {seconds(p.task_seconds)} are shorter than a process pool's per-task "
        "dispatch: only batches (chunksize) amortise it.",
        Score(PROCESSES, -1),
        Note(
            "Batch the tasks: pool.map(func, items, chunksize=...) sends many per message.",
            when=only(PROCESSES),
        ),
    )


def _main_guard(f: Facts) -> Fired | None:
    if f.start_method == "fork":
        return None
    return fire(
        f"The '{f.start_method}' start method re-imports the main module in every worker.",
        Warn(
            f"With the '{f.start_method}' start method, create the pool under "
            '`if __name__ == "__main__":` and define the task at module level; each '
            "worker re-imports your main module.",
            when=only(PROCESSES),
        ),
    )


def _fork_with_threads(f: Facts) -> Fired | None:
    if f.start_method != "fork" or not f.profile.already_async:
        return None
    return fire(
        "fork() in a process that runs other threads (an event loop's executors, "
        "libraries' background threads) can copy a held lock into the child.",
        Warn(
            "Forking a multi-threaded process can deadlock the child; prefer "
            "mp_context=multiprocessing.get_context('forkserver') or 'spawn'.",
            when=only(PROCESSES),
        ),
    )


RULES: tuple[Rule, ...] = (
    Rule(
        id="CA501",
        name="not-picklable",
        title="No processes for what cannot be pickled",
        guidance="G5",
        rationale=(
            "A process pool pickles the callable, its arguments and its results. Lambdas, "
            "closures, nested functions and objects holding locks, sockets or open files do "
            "not pickle with the standard pickler."
        ),
        example="picklable=False -> processes vetoed",
        effect="veto: processes",
        check=_not_picklable,
    ),
    Rule(
        id="CA502",
        name="process-start-cost",
        title="Process start-up outweighs the gain on a short batch",
        guidance="G5",
        rationale=(
            "Creating processes is expensive, and the cost is a quantity: about 5 ms per "
            "worker with fork, 50-80 ms with forkserver/spawn (the default on Windows and "
            "macOS). When the batch is so short that the best possible gain is below twice "
            "the start-up, processes lose."
        ),
        example="workload='cpu', tasks=4, task_seconds=0.01, start_method='spawn' -> processes -3",
        effect="score: processes -3",
        check=_start_cost,
    ),
    Rule(
        id="CA503",
        name="payload-ipc-cost",
        title="Large payloads against short tasks make processes lose",
        guidance="G5",
        rationale=(
            "Everything a process task receives and returns is pickled and copied through a "
            "pipe (about 300 MB/s plus a fixed dispatch cost). When that approaches the "
            "task's own duration the parallel gain is eaten by communication."
        ),
        example="payload_bytes=50_000_000, task_seconds=0.1 -> processes -4",
        effect="score: processes -4 (IPC >= 50% of the task) or -1 with a warning (>= 10%)",
        check=_payload_ipc,
    ),
    Rule(
        id="CA504",
        name="tiny-tasks",
        title="Tiny tasks need batching in a process pool",
        guidance="G5",
        rationale=(
            "Each task sent to a process pool costs a round trip through a pipe (a few "
            "hundred microseconds). Tasks shorter than a millisecond must be batched with "
            "chunksize or the dispatch dominates."
        ),
        example="task_seconds=0.0001, tasks=100_000 -> processes -1, note",
        effect="score: processes -1; note when processes are recommended",
        check=_tiny_tasks,
    ),
    Rule(
        id="CA505",
        name="main-guard",
        title="spawn and forkserver need the __main__ guard",
        guidance="G5",
        rationale=(
            "With spawn (Windows, macOS) and forkserver (Linux from 3.14), each worker "
            "starts a fresh interpreter and imports the main module: unguarded pool "
            "creation at import time recurses, and the task must be importable."
        ),
        example="start_method='spawn' -> warning when processes are recommended",
        effect="warning (when processes are recommended)",
        check=_main_guard,
    ),
    Rule(
        id="CA506",
        name="fork-with-threads",
        title="fork in a multi-threaded process",
        guidance="G5",
        rationale=(
            "fork() copies only the calling thread; a lock held by another thread at that "
            "moment stays locked forever in the child. Code that already runs an event loop "
            "usually has helper threads. Python 3.12 warns about it, 3.14 stops using fork "
            "by default on Linux."
        ),
        example="already_async=True, start_method='fork' -> warning when processes are used",
        effect="warning (when processes are recommended or offloaded to)",
        check=_fork_with_threads,
    ),
)
