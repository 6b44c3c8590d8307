"""The task profile: what a unit of concurrent work is like.

The field set, defaults and value sets are a public contract (see DESIGN.md); extend, never
rename.  Validation is strict (no ``"5"`` -> ``5`` coercion) so that a typo in a profile file
is reported, not silently reinterpreted.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CPUS_MAX",
    "PAYLOAD_BYTES_MAX",
    "TASKS_MAX",
    "TASK_SECONDS_MAX",
    "TASK_SECONDS_MIN",
    "Executor",
    "PoolLifetime",
    "RefactorTolerance",
    "SharedState",
    "StartMethod",
    "TaskProfile",
    "Workload",
    "as_profile",
]

Workload = Literal["io", "cpu", "mixed"]
RefactorTolerance = Literal["none", "low", "high"]
SharedState = Literal["none", "read_only", "mutable"]
StartMethod = Literal["fork", "spawn", "forkserver"]
PoolLifetime = Literal["batch", "program"]

# Generous bounds on the numbers a profile may carry.  Far beyond any real task, they keep
# every figure the cost model derives from them (n t, n b, ...) a finite float: without
# them a 300-digit task count overflowed float conversion and huge durations made NaN.

#: At most a trillion tasks in one batch.
TASKS_MAX: Final = 10**12
#: One task takes at least a nanosecond (no Python call is shorter) ...
TASK_SECONDS_MIN: Final = 1e-9
#: ... and at most a billion seconds (about 32 years).
TASK_SECONDS_MAX: Final = 1e9
#: At most a pebibyte moved per task.
PAYLOAD_BYTES_MAX: Final = 2**50
#: At most 65,536 usable CPUs.
CPUS_MAX: Final = 2**16


class Executor(str, Enum):
    """The concurrency models concadvisor chooses between.

    The list only grows: code reading a recommendation must accept values it does not know.
    ``INTERPRETERS`` exists on Python 3.14+ only; advice ranks it only where it does.
    """

    SERIAL = "serial"
    THREADS = "threads"
    PROCESSES = "processes"
    ASYNCIO = "asyncio"
    #: ``concurrent.futures.InterpreterPoolExecutor`` (3.14+, PEP 734).
    INTERPRETERS = "interpreters"
    #: ``dask.distributed`` (the optional extra ``concadvisor[dask]``): a cluster of workers.
    DASK = "dask"

    # Enum hashes the member *name* in Python code; hashing the value in C is several times
    # faster (executors key every score table) and agrees with str equality:
    # ``Executor.THREADS == "threads"`` and now ``hash(Executor.THREADS) == hash("threads")``.
    __hash__ = str.__hash__

    # A member *is* its value as a str, so the str's own text is the value: read in C,
    # rather than through Enum's Python-level ``value`` property and a Python ``__str__``
    # (both run several times per advise() call).
    __str__ = str.__str__

    value = property(str.__str__)


class TaskProfile(BaseModel):
    """What one kind of concurrent work is like: the input of :func:`concadvisor.advise`.

    >>> TaskProfile(workload="io", async_libraries=True, tasks=1000).workload
    'io'
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        strict=True,
        title="TaskProfile",
        json_schema_extra={
            "$comment": "concadvisor task profile; see docs/rules.md for how each field is used"
        },
    )

    name: str = Field(
        default="task",
        min_length=1,
        description="Label used in reports and lint findings.",
    )
    workload: Workload = Field(
        description=(
            "The dominant kind of work: 'io' (mostly waiting on network, disk or "
            "subprocesses), 'cpu' (mostly computing), or 'mixed' (both in significant shares)."
        ),
    )
    cpu_fraction: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        allow_inf_nan=False,
        description=(
            "Share of one task's wall time spent on the CPU, from 0 to 1 (the probe measures "
            "it). None: unknown."
        ),
    )
    releases_gil: bool = Field(
        default=False,
        description=(
            "The CPU work runs in native code that releases the GIL (NumPy, hashlib, zlib, "
            "many compiled extensions), so threads can run it in parallel."
        ),
    )
    async_libraries: bool = Field(
        default=False,
        description=(
            "Async-capable libraries exist for the task's I/O (httpx/aiohttp, asyncpg, "
            "aiofiles...)."
        ),
    )
    already_async: bool = Field(
        default=False,
        description="The calling code already runs inside an asyncio event loop.",
    )
    refactor_tolerance: RefactorTolerance = Field(
        default="low",
        description=(
            "How much rewriting to async/await is acceptable: 'none', 'low' (small, local "
            "changes) or 'high' (a rewrite is fine)."
        ),
    )
    tasks: int = Field(
        default=1,
        ge=1,
        le=TASKS_MAX,
        description=(
            "Number of independent units of work that could run at the same time (at most 10**12)."
        ),
    )
    task_seconds: float | None = Field(
        default=None,
        ge=TASK_SECONDS_MIN,
        le=TASK_SECONDS_MAX,
        allow_inf_nan=False,
        description=(
            "Typical serial duration of one task, in seconds, from 1e-9 (a nanosecond) to "
            "1e9 (about 32 years). None: unknown."
        ),
    )
    payload_bytes: int | None = Field(
        default=None,
        ge=0,
        le=PAYLOAD_BYTES_MAX,
        description=(
            "Bytes sent to plus returned from one task (what a process pool must pickle), "
            "at most 2**50. None: unknown."
        ),
    )
    shared_state: SharedState = Field(
        default="none",
        description=(
            "State the tasks share: 'none', 'read_only' (e.g. a lookup table) or 'mutable' "
            "(counters, caches, objects several tasks write)."
        ),
    )
    picklable: bool = Field(
        default=True,
        description=(
            "The callable, its arguments and its results can be pickled (lambdas, closures "
            "and nested functions cannot)."
        ),
    )
    start_method: StartMethod | None = Field(
        default=None,
        description=(
            "multiprocessing start method the process pool will use. None: this platform's default."
        ),
    )
    cpus: int | None = Field(
        default=None,
        ge=1,
        le=CPUS_MAX,
        description=(
            "Usable CPUs, at most 65536. None: detected (CPU affinity, cgroup quota, "
            "os.process_cpu_count)."
        ),
    )
    free_threaded: bool | None = Field(
        default=None,
        description=(
            "The interpreter runs without the GIL (PEP 703 free-threaded build). None: detected."
        ),
    )
    cluster_workers: int | None = Field(
        default=None,
        ge=1,
        le=CPUS_MAX,
        description=(
            "Worker processes (one CPU each) of a Dask cluster the batch could run on, at "
            "most 65536. None: no cluster; dask is then weighed as a LocalCluster on this "
            "machine."
        ),
    )
    task_seconds_free_threaded: bool | None = Field(
        default=None,
        description=(
            "The build task_seconds was measured on: true a free-threaded build with the GIL "
            "off, false a GIL build (the probe sets it). The cost model then adds or removes "
            "the free-threaded single-thread penalty when advising for the other kind of "
            "build. None: measured on the build being advised for (no correction)."
        ),
    )
    pool_lifetime: PoolLifetime = Field(
        default="batch",
        description=(
            "How long the pool lives: 'batch' (created for this one batch, so its start-up "
            "counts against it) or 'program' (kept for the program's life and reused, so its "
            "start-up is amortised and left out of the batch's cost)."
        ),
    )


def as_profile(profile: TaskProfile | Mapping[str, Any]) -> TaskProfile:
    """Return ``profile`` as a :class:`TaskProfile`, validating a mapping.

    Raises :class:`pydantic.ValidationError` for an invalid mapping and :class:`TypeError`
    for anything that is neither a profile nor a mapping.
    """
    if type(profile) is dict:
        # The common case, checked first: validated in full, minus model_validate's
        # Python-level wrapper and a copy (the validator does not keep the dict).
        result: TaskProfile = TaskProfile.__pydantic_validator__.validate_python(profile)
        return result
    if isinstance(profile, TaskProfile):
        return profile
    if isinstance(profile, Mapping):
        return TaskProfile.model_validate(dict(profile))
    raise TypeError(
        f"expected a TaskProfile or a mapping of its fields, got {type(profile).__name__}"
    )
