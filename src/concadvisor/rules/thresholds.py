"""The figures the rules compare against, and the cost model's view of a profile.

Costs that are *quantities of this machine* -- process start-up, dispatch, pickling -- are
no longer constants here: they come from ``facts.environment.costs`` (a calibration of this
machine, or the conservative built-in defaults of :mod:`concadvisor.costs.machine`), and
the rules ask the cost model (:func:`predicted`) what they imply for a given profile.
What remains below are *human* thresholds (how long nobody minds waiting, how much is too
much for one machine) and shares that describe the shape of a workload.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ..costs.machine import MachineCosts
from ..costs.model import Inputs, Prediction, cpu_share, predict_inputs
from ..profile import Executor, StartMethod

if TYPE_CHECKING:
    from .base import Facts

#: A pool that saves less wall time than this over the whole batch is not worth it: nobody
#: notices 50 ms, and the prediction's own error is of that order on short batches.
SHORT_BATCH_SECONDS: Final = 0.05

#: From this many concurrent I/O tasks, one OS thread per task stops being reasonable.
MANY_IO_TASKS: Final = 1000

#: Thread pool size cap for I/O work; beyond it, threads cost memory and switches for
#: little extra overlap (and most servers/pools limit connections anyway).
THREAD_IO_CAP: Final = 64

#: Concurrency limit cap for coroutines (the semaphore in the snippet).
ASYNC_CONCURRENCY_CAP: Final = 500

#: Share of the processes' predicted speedup lost to pickling and piping the payload from
#: which processes lose most of their point (CA503 -4) ...
IPC_HEAVY_SHARE: Final = 0.5

#: ... and from which the loss is worth a warning (CA503 -1).
IPC_NOTICEABLE_SHARE: Final = 0.1

#: Unbatched dispatch (chunksize=1) predicted to make processes this much slower than
#: batched dispatch: the tasks are "tiny" for a process pool (CA504).
UNBATCHED_SLOWDOWN: Final = 1.25

#: Serial CPU seconds per usable CPU beyond which one machine is the wrong tool.
ONE_MACHINE_CPU_SECONDS: Final = 4 * 3600.0

#: Total bytes moved beyond which the data likely does not fit one machine's memory.
ONE_MACHINE_BYTES: Final = 64 * 2**30

#: mixed work: a cpu_fraction at or above this makes the CPU part the one to parallelise.
CPU_DOMINANT_FRACTION: Final = 0.5

#: mixed work: a cpu_fraction below this makes the CPU part too small to offload.
NEGLIGIBLE_CPU_FRACTION: Final = 0.1


def process_start_seconds(method: StartMethod, costs: MachineCosts) -> float:
    """Seconds to start (and stop) one worker process with ``method`` on this machine."""
    return costs.start_seconds(method)


def ipc_seconds(payload_bytes: int, costs: MachineCosts) -> float:
    """Seconds to pickle and pipe one task's payload to and from a worker process."""
    return payload_bytes / costs.ipc_bytes_per_second


def predicted(facts: Facts) -> Prediction | None:
    """The cost model's prediction for ``facts`` (None when ``task_seconds`` is unknown).

    Pool widths are the ones :mod:`concadvisor.workers` would suggest for each executor.
    The result is memoised on the ``facts`` object, so the rules that consult the model and
    ``advise()`` share one computation and nothing outlives the call.
    """
    memo = facts.memo
    if "prediction" in memo:
        return memo["prediction"]  # type: ignore[return-value]
    profile = facts.profile
    seconds = profile.task_seconds
    if seconds is None:
        result: Prediction | None = None
    else:
        from ..workers import suggest_workers  # workers imports this module

        tasks = profile.tasks
        costs = facts.environment.costs
        awaits = profile.async_libraries
        processes = suggest_workers(Executor.PROCESSES, facts)
        x = Inputs(
            tasks,
            seconds,
            cpu_share(profile),
            facts.gil_bound,
            profile.payload_bytes or 0,
            costs.parallel_cpus(facts.cpus),
            facts.start_method,
            awaits,
            suggest_workers(Executor.THREADS, facts),
            processes,
            suggest_workers(Executor.ASYNCIO, facts) if awaits else 1,
            max(1, tasks // (processes * 4)),  # the snippets' chunksize
        )
        result = predict_inputs(x, costs)
    memo["prediction"] = result
    return result
