"""CA7xx -- how much work there is: one task, a short batch, more than one machine."""

from __future__ import annotations

from ..costs.model import describe
from ..executors.dask import NOT_INSTALLED
from ._helpers import ASYNCIO, INTERPRETERS, PROCESSES, SERIAL, THREADS, seconds, size
from .base import Facts, Fired, Rule, Score, Warn, fire
from .thresholds import ONE_MACHINE_BYTES, ONE_MACHINE_CPU_SECONDS, SHORT_BATCH_SECONDS, predicted

_SINGLE_TASK = fire("One task: there is nothing to run at the same time.", Score(SERIAL, 6))
_SHORT_BATCH_EFFECTS = (Score(SERIAL, 5),)


def _single_task(f: Facts) -> Fired | None:
    if f.many:
        return None
    return _SINGLE_TASK


def _short_batch(f: Facts) -> Fired | None:
    if not f.many:
        return None
    prediction = predicted(f)
    if prediction is None:
        return None
    executors = prediction.executors
    best = executors[THREADS]
    pickles = f.profile.picklable
    for name in (PROCESSES, ASYNCIO, INTERPRETERS):
        other = executors[name]
        if name is INTERPRETERS and not f.environment.has_interpreter_pool:
            continue
        if other.seconds < best.seconds and (name is ASYNCIO or pickles):
            best = other
    saved = prediction.serial_seconds - best.seconds
    if saved >= SHORT_BATCH_SECONDS:
        return None
    total = seconds(prediction.serial_seconds)
    if saved > 0:
        gain = f"the best pool saves about {seconds(saved)} ({describe(best)})"
    else:
        gain = "no pool is predicted to be faster"
    return Fired(
        f"The whole batch takes about {total} serially and {gain}: starting a pool and "
        "dispatching to it costs about as much as it saves, and nobody waits for the rest.",
        _SHORT_BATCH_EFFECTS,
    )


def _beyond_one_machine(f: Facts) -> Fired | None:
    p = f.profile
    found: list[str] = []
    total = f.total_seconds
    if total is not None and f.does_cpu:
        cpu_share = p.cpu_fraction if p.cpu_fraction is not None else 1.0
        if f.workload == "mixed" and p.cpu_fraction is None:
            cpu_share = 0.5
        per_cpu = total * cpu_share / f.cpus
        if per_cpu > ONE_MACHINE_CPU_SECONDS:
            found.append(f"about {seconds(per_cpu)} of CPU time per usable CPU")
    if p.payload_bytes is not None and p.payload_bytes * p.tasks > ONE_MACHINE_BYTES:
        found.append(f"{size(p.payload_bytes * p.tasks)} of data in total")
    if not found:
        return None
    what = " and ".join(found)
    if p.cluster_workers is not None:
        engine = f"CA704 weighs a Dask cluster of {p.cluster_workers} workers against the pools."
    elif f.environment.dask_installed:
        engine = (
            "Give cluster_workers=N (the workers of a Dask cluster) for a predicted speedup "
            "on Dask distributed."
        )
    else:
        engine = (
            f"Consider Dask distributed ({NOT_INSTALLED}, then give cluster_workers=N for "
            "a predicted speedup) or Ray."
        )
    return fire(
        f"The work outgrows one machine ({what}).",
        Warn(f"This batch needs {what}: a bigger pool will not fix that. {engine}"),
    )


RULES: tuple[Rule, ...] = (
    Rule(
        id="CA701",
        name="single-task",
        title="One task runs on one thread",
        guidance="G3",
        rationale=(
            "Concurrency needs several independent units of work. A single task gains "
            "nothing from a pool and pays its cost (G3, G7)."
        ),
        example="tasks=1 -> serial +6",
        effect="score: serial +6",
        check=_single_task,
    ),
    Rule(
        id="CA702",
        name="short-batch",
        title="A batch too short to be worth a pool",
        guidance="G7",
        rationale=(
            "The note's summary (G7): one thread for simple jobs that need no performance. "
            "When the cost model predicts that the best pool saves less than 50 ms over the "
            "whole batch (always the case for a batch under 50 ms), pool start-up and "
            "dispatch cost about as much as they can save."
        ),
        example="tasks=10, task_seconds=0.001 -> serial +5",
        effect="score: serial +5",
        check=_short_batch,
    ),
    Rule(
        id="CA703",
        name="beyond-one-machine",
        title="Work too large for one machine",
        guidance="G5",
        rationale=(
            "Processes use every core of one machine (G5), and no more. Past hours of CPU "
            "time per core or more data than memory holds, the answer is a distributed "
            "engine, not a bigger pool: Dask distributed (the extra concadvisor[dask]; with "
            "cluster_workers, CA704 predicts its speedup) or Ray."
        ),
        example="workload='cpu', tasks=1_000_000, task_seconds=1.0, cpus=8 -> warning",
        effect="warning",
        check=_beyond_one_machine,
    ),
)
