"""CA5xx -- what processes (and sub-interpreters) cost: start-up, dispatch, pickling."""

from __future__ import annotations

from ..costs.model import describe, format_speedup
from ..executors.processes import process_seconds
from ._helpers import INTERPRETERS, PROCESSES, only, seconds, size
from .base import Facts, Fired, Note, Rule, Score, Veto, Warn, fire
from .thresholds import (
    INTERPRETER_EDGE,
    IPC_HEAVY_SHARE,
    IPC_NOTICEABLE_SHARE,
    UNBATCHED_SLOWDOWN,
    predicted,
)

# Effects that never change are built once (a rule that fires builds only its message).
_NOT_PICKLABLE = fire(
    "The callable, its arguments or its results cannot be pickled: a process pool "
    "cannot send them to its workers, nor an InterpreterPoolExecutor to its "
    "sub-interpreters.",
    Veto(PROCESSES),
    Veto(INTERPRETERS),
)
_START_COST_EFFECTS = (Score(PROCESSES, -3),)
_IPC_HEAVY_EFFECTS = (Score(PROCESSES, -4),)
_IPC_NOTICEABLE_SCORE = Score(PROCESSES, -1)
_PROCESSES_ONLY = only(PROCESSES)
_TINY_TASKS_EFFECTS = (
    Score(PROCESSES, -1),
    Note(
        "Batch the tasks: pool.map(func, items, chunksize=...) sends many per message.",
        when=_PROCESSES_ONLY,
    ),
)


def _not_picklable(f: Facts) -> Fired | None:
    if f.profile.picklable:
        return None
    return _NOT_PICKLABLE


def _interpreters_vs_processes(f: Facts) -> Fired | None:
    """Both run Python in parallel (CA103, CA109): their predicted costs decide."""
    if not f.environment.has_interpreter_pool or not f.many or f.cpus < 2:
        return None
    if f.workload != "cpu" or not f.gil_bound or not f.profile.picklable:
        return None
    prediction = predicted(f)
    if prediction is None:
        return None
    sub = prediction.executors[INTERPRETERS]
    proc = prediction.executors[PROCESSES]
    costs = f.environment.costs
    compared = (
        f"{describe(sub)}, {seconds(costs.interpreter_start_seconds)} start-up per worker; "
        f"{describe(proc)} with '{f.start_method}', "
        f"{seconds(costs.start_seconds(f.start_method))} per worker"
    )
    gain = prediction.serial_seconds - (sub.seconds - sub.startup_seconds)
    if gain < 2 * sub.startup_seconds:
        return fire(
            f"Starting {sub.workers} sub-interpreters costs about "
            f"{seconds(sub.startup_seconds)}, against at most {seconds(max(gain, 0.0))} "
            f"saved on a {seconds(prediction.serial_seconds)} batch ({compared}).",
            Score(INTERPRETERS, -3),
        )
    if sub.seconds * INTERPRETER_EDGE < proc.seconds:
        return fire(
            f"Sub-interpreters are predicted faster here: {compared}.", Score(INTERPRETERS, 1)
        )
    if proc.seconds * INTERPRETER_EDGE < sub.seconds:
        return fire(f"Processes are predicted faster here: {compared}.", Score(INTERPRETERS, -1))
    return None


def _start_cost(f: Facts) -> Fired | None:
    if not f.many or f.cpus < 2:
        return None
    prediction = predicted(f)
    if prediction is None:
        return None
    proc = prediction.executors[PROCESSES]
    start = proc.startup_seconds
    # What the pool would save if starting it were free, against what starting it costs.
    gain = prediction.serial_seconds - (proc.seconds - start)
    if gain >= 2 * start:
        return None
    saved = f"at most {seconds(gain)} saved" if gain > 0 else "nothing saved"
    return Fired(
        f"Starting {proc.workers} worker processes with '{f.start_method}' costs about "
        f"{seconds(start)}, against {saved} on a {seconds(prediction.serial_seconds)} "
        f"batch ({describe(proc)}); a pool kept for the program's life pays it once "
        f"(pool_lifetime='program').",
        _START_COST_EFFECTS,
    )


def _payload_ipc(f: Facts) -> Fired | None:
    p = f.profile
    if not p.payload_bytes or not f.many:
        return None
    prediction = predicted(f)
    if prediction is None:
        return None
    proc = prediction.executors[PROCESSES]
    # The same batch with nothing to pickle: how much of the speedup the payload costs.
    without = process_seconds(prediction.inputs.but("payload_bytes", 0), f.environment.costs)
    lost = 1.0 - without.seconds / proc.seconds
    if lost < IPC_NOTICEABLE_SHARE:
        return None
    found = (
        f"{describe(proc)}; pickling and piping {size(p.payload_bytes)} per task "
        f"({seconds(proc.ipc_seconds)} against {seconds(prediction.inputs.task_seconds)} of "
        f"work) costs {lost:.0%} of the batch time"
    )
    if lost >= IPC_HEAVY_SHARE:
        return Fired(f"Processes pay for inter-process communication: {found}.", _IPC_HEAVY_EFFECTS)
    return fire(
        f"Inter-process communication is noticeable: {found}.",
        _IPC_NOTICEABLE_SCORE,
        Warn(
            f"{found[0].upper()}{found[1:]}; send less (paths, ids, shared memory) or do "
            "more work per task.",
            when=_PROCESSES_ONLY,
        ),
    )


def _tiny_tasks(f: Facts) -> Fired | None:
    if not f.many:
        return None
    prediction = predicted(f)
    if prediction is None:
        return None
    x = prediction.inputs
    costs = f.environment.costs
    # Cheap test first: unbatched dispatch adds at most n (d_1 - d_batched) to the batch.
    extra = x.tasks * (costs.process_dispatch_seconds - costs.process_batched_dispatch_seconds)
    if extra < (UNBATCHED_SLOWDOWN - 1) * 0.8 * prediction.executors[PROCESSES].seconds:
        return None
    one = process_seconds(x.but("chunksize", 1), costs).seconds
    batched = process_seconds(x.but("chunksize", max(2, x.chunksize)), costs).seconds
    if one < UNBATCHED_SLOWDOWN * batched:
        return None
    serial = prediction.serial_seconds
    return Fired(
        f"Tasks of {seconds(x.task_seconds)} are short against a process pool's per-task "
        f"dispatch ({seconds(costs.process_dispatch_seconds)}): processes: "
        f"{format_speedup(serial / one)} predicted one task per message, "
        f"{format_speedup(serial / batched)} batched (chunksize).",
        _TINY_TASKS_EFFECTS,
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
        example="picklable=False -> processes and interpreters vetoed",
        effect="veto: processes, interpreters",
        check=_not_picklable,
    ),
    Rule(
        id="CA502",
        name="process-start-cost",
        title="Process start-up outweighs the gain on a short batch",
        guidance="G5",
        rationale=(
            "Creating processes is expensive, and the cost is a quantity of this machine "
            "(`concadvisor calibrate` measures it; without a calibration: 5 ms per worker "
            "with fork, 50-80 ms with forkserver/spawn, the default on Windows and macOS). "
            "When the cost model predicts that the pool would save less than twice its "
            "start-up, processes lose."
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
            "pipe, at a measurable rate (`concadvisor calibrate`; about 100 MB/s for plain "
            "Python objects without a calibration), by a parent that does it one task at a "
            "time. The cost model predicts how much of the batch time that costs; when it "
            "is a large share, the parallel gain is eaten by communication."
        ),
        example="payload_bytes=50_000_000, task_seconds=0.1 -> processes -4",
        effect=(
            "score: processes -4 (the payload costs >= 50% of the predicted batch time) or "
            "-1 with a warning (>= 10%)"
        ),
        check=_payload_ipc,
    ),
    Rule(
        id="CA504",
        name="tiny-tasks",
        title="Tiny tasks need batching in a process pool",
        guidance="G5",
        rationale=(
            "Each task sent to a process pool on its own costs a round trip through a pipe "
            "(tens to hundreds of microseconds, measured by `concadvisor calibrate`), paid "
            "by one parent for every worker. When the cost model predicts that sending one "
            "task per message makes the pool 25% slower than batching, the tasks must be "
            "batched with chunksize or the dispatch dominates."
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
    Rule(
        id="CA507",
        name="interpreters-vs-processes",
        title="Sub-interpreters or processes: the costs decide (Python 3.14+)",
        guidance="G5",
        rationale=(
            "Both run pure-Python CPU work in parallel and both pickle what they send. A "
            "sub-interpreter starts without a new process but imports its own copy of every "
            "module, so on Linux it starts slower than a forked worker and about as fast as "
            "a forkserver one, and faster than spawn (macOS, Windows). The cost model, with "
            "this machine's figures, predicts both; a clear difference moves interpreters, "
            "and a start-up larger than the gain counts against them as CA502 does for "
            "processes."
        ),
        example=(
            "workload='cpu', tasks=100, task_seconds=0.01, start_method='spawn' on Python "
            "3.14 -> interpreters +1"
        ),
        effect="score: interpreters +1, -1 or -3",
        check=_interpreters_vs_processes,
    ),
)
