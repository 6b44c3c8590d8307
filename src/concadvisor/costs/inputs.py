"""What the cost model reads and returns: :class:`Inputs`, built in one place, and
:class:`ExecutorPrediction`.

This module sits below the executor registry (each executor's cost formula reads
:class:`Inputs` and returns an :class:`ExecutorPrediction`) and below :mod:`.model`
(which applies every formula); it imports nothing above :mod:`concadvisor.profile`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from ..profile import StartMethod, TaskProfile

if TYPE_CHECKING:
    from ..environment import Environment
    from ..profile import Executor

__all__ = [
    "DEFAULT_CPU_SHARE",
    "ExecutorPrediction",
    "Inputs",
    "build_factor",
    "cpu_share",
    "waves",
]

#: Assumed CPU share of one task when the profile does not say (cpu_fraction=None).
DEFAULT_CPU_SHARE: dict[str, float] = {"cpu": 1.0, "io": 0.0, "mixed": 0.5}


def waves(n: int, k: int) -> int:
    """How many tasks the busiest of ``k`` equal workers runs: ``ceil(n / k)``."""
    return -(-n // max(1, k))


def cpu_share(profile: TaskProfile) -> float:
    """The profile's ``cpu_fraction``, or :data:`DEFAULT_CPU_SHARE` for its workload."""
    if profile.cpu_fraction is not None:
        return profile.cpu_fraction
    return DEFAULT_CPU_SHARE[profile.workload]


def build_factor(profile: TaskProfile, environment: Environment) -> float:
    """How much slower the CPU part of one task runs on the build advised for than on the
    build its ``task_seconds`` was measured on: the free-threaded single-thread penalty
    (:meth:`MachineCosts.penalty`) when measured on a GIL build and advised for a
    free-threaded one, its inverse the other way round, 1.0 when they are the same build
    (a free-threaded measurement already includes the penalty: never counted twice)."""
    measured = profile.task_seconds_free_threaded
    if measured is None or measured == environment.free_threaded:
        return 1.0
    penalty, _ = environment.costs.penalty(environment.python_version)
    return penalty if environment.free_threaded else 1.0 / penalty


# NamedTuples rather than dataclasses: immutable, typed, and several times cheaper to build
# -- advise() builds a prediction on every call that knows task_seconds -- and rules ask
# "what if" with ``_replace`` (the same batch, unbatched or without payload).


class Inputs(NamedTuple):
    """Everything the formulas read, as plain numbers (see :mod:`concadvisor.costs.model`).

    Build it with :meth:`build`, the one place that turns a profile and an environment
    into these numbers.
    """

    tasks: int
    task_seconds: float
    cpu_share: float
    gil_bound: bool
    payload_bytes: int
    cpus: float
    start_method: StartMethod
    awaits_io: bool
    threads: int
    processes: int
    concurrency: int
    chunksize: int
    include_startup: bool = True
    #: Workers of a Dask cluster (the profile's ``cluster_workers``); 0: a LocalCluster.
    cluster_workers: int = 0

    @classmethod
    def build(
        cls,
        *,
        profile: TaskProfile,
        environment: Environment,
        threads: int,
        processes: int,
        concurrency: int,
        chunksize: int | None = None,
        include_startup: bool = True,
        awaits_io: bool | None = None,
    ) -> Inputs:
        """Model inputs for ``profile`` in ``environment`` (which already has its overrides).

        ``chunksize`` defaults to the process pool's batching everywhere else
        (:func:`concadvisor.workers.chunksize_for`); ``awaits_io`` to whether async
        libraries exist.  Raises :class:`ValueError` when the profile has no
        ``task_seconds``.
        """
        seconds = profile.task_seconds
        if seconds is None:
            raise ValueError("the cost model needs task_seconds (the duration of one task)")
        share = cpu_share(profile)
        if not profile.releases_gil:
            seconds *= 1.0 - share + share * build_factor(profile, environment)
        if profile.pool_lifetime == "program":
            include_startup = False
        if chunksize is None:
            from ..workers import chunksize_for  # workers is below; deferred to stay cheap

            chunksize = chunksize_for(profile.tasks, processes)
        # Positional, in field order (keywords cost a dict per call): advise() builds one
        # on every call that knows task_seconds.
        return cls(
            profile.tasks,
            seconds,
            share,
            not profile.releases_gil and not environment.free_threaded,
            profile.payload_bytes or 0,
            environment.costs.parallel_cpus(environment.cpus),
            environment.start_method,
            profile.async_libraries if awaits_io is None else awaits_io,
            threads,
            processes,
            concurrency,
            chunksize,
            include_startup,
            profile.cluster_workers or 0,
        )

    def but(self, field: str, value: object) -> Inputs:
        """The same inputs with one field changed: ``_replace(field=value)`` at a third of
        its cost (the rules ask "what if" -- unbatched, without payload -- on every call)."""
        values: list[object] = list(self)
        values[_FIELD_INDEX[field]] = value
        return _new_tuple(Inputs, values)


_FIELD_INDEX: dict[str, int] = {name: i for i, name in enumerate(Inputs._fields)}
_new_tuple = tuple.__new__


class ExecutorPrediction(NamedTuple):
    """One executor's predicted batch time, and what it is made of."""

    executor: Executor
    workers: int
    seconds: float
    speedup: float
    startup_seconds: float = 0.0
    #: The batch time if starting the pool, dispatching and pickling were free.
    ideal_seconds: float = 0.0
    #: Pickling + pipe time of one task's payload (processes only).
    ipc_seconds: float = 0.0

    @property
    def overhead_share(self) -> float:
        """Share of the predicted time spent on the pool's own costs, 0..1."""
        if self.seconds <= 0:
            return 0.0
        return max(0.0, 1.0 - self.ideal_seconds / self.seconds)
