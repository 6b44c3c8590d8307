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

from ..costs.inputs import Inputs
from ..costs.model import Prediction, predict_inputs
from ..workers import chunksize_for, widths_for

if TYPE_CHECKING:
    from .base import Facts

#: A pool that saves less wall time than this over the whole batch is not worth it: nobody
#: notices 50 ms, and the prediction's own error is of that order on short batches.
SHORT_BATCH_SECONDS: Final = 0.05

#: From this many concurrent I/O tasks, one OS thread per task stops being reasonable.
MANY_IO_TASKS: Final = 1000
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

#: Sub-interpreters vs processes: one must be predicted this many times faster to count.
INTERPRETER_EDGE: Final = 1.1

#: mixed work: a cpu_fraction below this makes the CPU part too small to offload.
NEGLIGIBLE_CPU_FRACTION: Final = 0.1


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
    result: Prediction | None = None
    if profile.task_seconds is not None:
        environment = facts.environment
        widths = widths_for(facts)  # Facts has what sizing reads: no second copy of it
        x = Inputs.build(
            profile=profile,
            environment=environment,
            threads=widths.threads,
            processes=widths.processes,
            concurrency=widths.asyncio,
            # Given here, where workers is importable at module level: Inputs.build's own
            # default imports it on every call (costs.inputs sits below workers).
            chunksize=chunksize_for(profile.tasks, widths.processes),
        )
        result = predict_inputs(x, environment.costs)
    memo["prediction"] = result
    return result


#: Dask vs the best local pool: one must be predicted this many times faster to count.
DASK_EDGE: Final = 1.5

#: Dask: tasks shorter than this many times its per-task cost are too short to send.
DASK_TINY_FACTOR: Final = 10.0

#: Dask: a task moving more bytes than this should get its large inputs by scatter.
DASK_SCATTER_BYTES: Final = 2**20
