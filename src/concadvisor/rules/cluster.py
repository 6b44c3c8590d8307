"""CA704-CA706 -- a Dask cluster: when it beats the local pools, and when it does not.

These rules speak only when the profile names a cluster (``cluster_workers``) or the cost
model predicts a LocalCluster faster than every local pool; otherwise Dask keeps a score
of 0 and ranks after the simpler executors.
"""

from __future__ import annotations

from ..costs.model import describe
from ..executors.dask import NOT_INSTALLED
from ._helpers import ASYNCIO, DASK, INTERPRETERS, PROCESSES, THREADS, only, seconds, size
from .base import Facts, Fired, Rule, Score, Veto, Warn, fire
from .thresholds import DASK_EDGE, DASK_SCATTER_BYTES, DASK_TINY_FACTOR, predicted

_LOCAL = (THREADS, PROCESSES, ASYNCIO, INTERPRETERS)


def _cluster(f: Facts) -> Fired | None:
    workers = f.profile.cluster_workers
    if not f.many:
        return None
    prediction = predicted(f)
    if prediction is None:
        return None
    dask = prediction.executors[DASK]
    # Against every local pool, processes included even where a rule vetoes them: Dask
    # pickles tasks to other processes too, so what rules processes out rules it out.
    best = min(
        (
            prediction.executors[name]
            for name in _LOCAL
            if name is not INTERPRETERS or f.environment.has_interpreter_pool
        ),
        key=lambda item: item.seconds,
    )
    faster = dask.seconds * DASK_EDGE < best.seconds
    if workers is None and not faster:
        return None  # no cluster named and a LocalCluster loses: nothing to say
    p = f.profile
    if not p.picklable or p.shared_state == "mutable":
        what = "cannot be pickled" if not p.picklable else "share mutable state"
        return fire(
            f"The tasks {what}: Dask sends them to worker processes by pickle, each with "
            "its own memory.",
            Veto(DASK),
        )
    costs = f.environment.costs
    where = f"a cluster of {workers} workers" if workers else "a LocalCluster here"
    figures = (
        f"{seconds(costs.dask_start_seconds)} to start, "
        f"{seconds(costs.dask_dispatch_seconds)} per task (Dask figures: {costs.dask_source})"
    )
    compared = f"{describe(dask)} on {where}, {describe(best)} on this machine; {figures}"
    t = prediction.inputs.task_seconds
    if t < DASK_TINY_FACTOR * costs.dask_dispatch_seconds:
        return fire(
            f"Tasks of {seconds(t)} are short against Dask's per-task scheduling ({compared}).",
            Veto(DASK),
        )
    if not faster:
        return fire(f"Dask is not predicted to beat the local pools: {compared}.", Score(DASK, -2))
    if not f.environment.dask_installed:
        return fire(
            f"Dask is predicted faster: {compared}.",
            Warn(f"Dask would run this batch faster ({compared}), but it is {NOT_INSTALLED}."),
        )
    return fire(f"Dask is predicted faster: {compared}.", Score(DASK, 8))


def _payload(f: Facts) -> Fired | None:
    p = f.profile
    if p.cluster_workers is None or not f.many or not p.payload_bytes:
        return None
    if p.payload_bytes < DASK_SCATTER_BYTES:
        return None
    return fire(
        f"Each task moves {size(p.payload_bytes)} through the client and the scheduler.",
        Score(DASK, -3),
        Warn(
            f"Each task moves {size(p.payload_bytes)}: send large inputs to the workers once "
            "(client.scatter, then pass the futures) or have the tasks load them from "
            "shared storage, and return small results.",
            when=only(DASK),
        ),
    )


def _gil_threads(f: Facts) -> Fired | None:
    if f.profile.cluster_workers is None or not f.does_cpu or not f.gil_bound:
        return None
    return fire(
        "Pure-Python CPU work holds the GIL: a Dask worker's threads run it one at a time.",
        Warn(
            "Start Dask workers with one thread each (dask worker --nworkers N --nthreads 1, "
            "LocalCluster(threads_per_worker=1)): the default of one thread per core shares "
            "one GIL, so GIL-bound tasks run one at a time on each worker.",
            when=only(DASK),
        ),
    )


RULES: tuple[Rule, ...] = (
    Rule(
        id="CA704",
        name="dask-cluster",
        title="A Dask cluster against the local pools",
        guidance="G5",
        rationale=(
            "Processes use every core of one machine (G5); a Dask cluster spreads the batch "
            "over more workers than one machine has, at a price: seconds to start and "
            "milliseconds of scheduling per task. The cost model weighs both against the "
            "best local pool; tasks shorter than ten times Dask's per-task cost, tasks that "
            "cannot be pickled and tasks sharing mutable state are vetoed."
        ),
        example=(
            "workload='cpu', tasks=20_000, task_seconds=2.0, cluster_workers=32 -> dask +8; "
            "task_seconds=0.001 -> veto dask"
        ),
        effect="score: dask +8 / -2, or veto dask",
        check=_cluster,
    ),
    Rule(
        id="CA705",
        name="dask-payload",
        title="Large payloads through a Dask scheduler",
        guidance="G5",
        rationale=(
            "Every argument and result of a Dask task is pickled and sent over the network "
            "(G5's pickling cost, across machines). Past a mebibyte per task, scatter the "
            "inputs once and pass futures, or load them on the workers."
        ),
        example="cluster_workers=32, payload_bytes=8_000_000 -> dask -3, warning",
        effect="score: dask -3; warning when dask is chosen",
        check=_payload,
    ),
    Rule(
        id="CA706",
        name="dask-gil-threads",
        title="GIL-bound work on threads of a Dask worker",
        guidance="G4",
        rationale=(
            "Threads of one interpreter share its GIL (G4): a Dask worker with several "
            "threads runs pure-Python CPU work one task at a time. Give each worker one "
            "thread and start one worker per core."
        ),
        example="workload='cpu', cluster_workers=32 -> warning when dask is chosen",
        effect="warning when dask is chosen",
        check=_gil_threads,
    ),
)
