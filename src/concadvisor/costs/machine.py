"""What concurrency costs on one machine: the figures the cost model runs on.

:class:`MachineCosts` holds a handful of measured (or default) quantities -- seconds and
bytes per second, never adjectives.  ``concadvisor calibrate`` measures them
(:mod:`concadvisor.costs.calibration`) and caches them per machine and interpreter
(:mod:`concadvisor.costs.cache`); without a cache :data:`DEFAULT_COSTS` stands in.

The defaults are deliberately conservative: round numbers a little *worse* than what an
ordinary Linux machine measures (process start-up, dispatch and pickling cost more, not
less), so that advice without a calibration errs towards the simpler executor.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..profile import StartMethod

__all__ = [
    "DEFAULT_COSTS",
    "DEFAULT_FREE_THREADED_PENALTY",
    "MAX_BYTES_PER_SECOND",
    "MAX_COST_SECONDS",
    "MAX_PARALLEL_EFFICIENCY",
    "CostsSource",
    "MachineCosts",
    "machine_fingerprint",
    "machine_info",
]

CostsSource = Literal["defaults", "calibrated"]

#: No concurrency cost of one worker or task lasts longer than this: a larger figure in a
#: cache file is corrupt, not measured.
MAX_COST_SECONDS = 3600.0
#: Nor does pickling + IPC move more bytes per second than this (a petabyte).
MAX_BYTES_PER_SECOND = 1e15
#: A CPU-bound speedup of more than this many times the worker count is not a measurement.
MAX_PARALLEL_EFFICIENCY = 64.0

#: Seconds: positive, finite, bounded.
Seconds = Annotated[float, Field(gt=0, le=MAX_COST_SECONDS, allow_inf_nan=False)]


class MachineCosts(BaseModel):
    """The concurrency costs of one machine + interpreter, in seconds and bytes/second.

    Per-task figures are *throughput* costs (wall time per task when many are in flight),
    which is what a batch pays; per-worker start-up is the wall time of a pool's whole life
    (create, first task on every worker, shut down) divided by its width.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    source: CostsSource = Field(
        default="defaults",
        description="'calibrated' (measured here by `concadvisor calibrate`) or 'defaults'.",
    )
    measured_at: str | None = Field(
        default=None, description="When the calibration ran (ISO 8601, UTC); None: defaults."
    )
    fingerprint: str | None = Field(
        default=None, description="Machine + interpreter fingerprint the figures belong to."
    )
    process_start_seconds: dict[StartMethod, Seconds] = Field(
        description=(
            "Per worker process: pool create + first task on every worker + shutdown, "
            "divided by the pool width, by start method."
        ),
    )
    thread_start_seconds: float = Field(
        gt=0,
        le=MAX_COST_SECONDS,
        description="Per worker thread: pool start-up and shutdown divided by its width.",
    )
    thread_dispatch_seconds: float = Field(
        gt=0,
        le=MAX_COST_SECONDS,
        description="Thread pool: submit -> result of a no-op, per task, many in flight.",
    )
    process_dispatch_seconds: float = Field(
        gt=0,
        le=MAX_COST_SECONDS,
        description="Process pool, one task per message (chunksize=1), per task.",
    )
    process_batched_dispatch_seconds: float = Field(
        gt=0,
        le=MAX_COST_SECONDS,
        description="Process pool, tasks batched (chunksize > 1), per task.",
    )
    asyncio_dispatch_seconds: float = Field(
        gt=0,
        le=MAX_COST_SECONDS,
        description="asyncio: create and gather a no-op coroutine task, per task.",
    )
    ipc_bytes_per_second: float = Field(
        gt=0,
        le=MAX_BYTES_PER_SECOND,
        description=(
            "Pickling + pipe throughput to and from a worker process: payload bytes (sent "
            "plus returned) per second of round trip beyond a no-op's."
        ),
    )
    thread_switch_seconds: float = Field(
        gt=0,
        le=MAX_COST_SECONDS,
        description="One hand-off between two OS threads (ping-pong), seconds.",
    )
    coroutine_switch_seconds: float = Field(
        gt=0,
        le=MAX_COST_SECONDS,
        description="One hand-off between two coroutines on one event loop, seconds.",
    )
    interpreter_start_seconds: float = Field(
        default=0.15,
        gt=0,
        le=MAX_COST_SECONDS,
        description=(
            "Per worker sub-interpreter (InterpreterPoolExecutor, 3.14+): pool create + "
            "first task on every worker + shutdown, divided by the pool width."
        ),
    )
    interpreter_dispatch_seconds: float = Field(
        default=2e-4,
        gt=0,
        le=MAX_COST_SECONDS,
        description=(
            "InterpreterPoolExecutor: submit -> result of a no-op, per task, many in flight "
            "(the callable, arguments and result are pickled across interpreters)."
        ),
    )
    dask_start_seconds: float = Field(
        default=2.0,
        gt=0,
        le=MAX_COST_SECONDS,
        description=(
            "Dask distributed: start a cluster (scheduler + workers, in parallel), connect a "
            "Client, run a first task on every worker and shut it all down, seconds."
        ),
    )
    dask_dispatch_seconds: float = Field(
        default=3e-3,
        gt=0,
        le=MAX_COST_SECONDS,
        description=(
            "Dask distributed: Client.map -> gather of a no-op, per task, many in flight "
            "(client, scheduler and worker bookkeeping plus two network hops)."
        ),
    )
    dask_source: CostsSource = Field(
        default="defaults",
        description=(
            "Where the two Dask figures come from: 'calibrated' (calibrate measured a "
            "LocalCluster here) or 'defaults' (dask was not installed when it ran)."
        ),
    )
    parallel_efficiency: float = Field(
        default=1.0,
        gt=0,
        le=MAX_PARALLEL_EFFICIENCY,
        description=(
            "CPU-bound speedup of as many worker processes as usable CPUs over one, divided "
            "by that number: 1.0 when every usable CPU really computes in parallel, less on "
            "a host whose cores are shared (VMs, containers, busy machines, SMT siblings)."
        ),
    )

    free_threaded_penalty: float | None = Field(
        default=None,
        gt=0,
        le=MAX_PARALLEL_EFFICIENCY,
        description=(
            "Free-threaded single-thread penalty: the time of a fixed pure-Python loop on this "
            "free-threaded build divided by its time on a GIL build of the same version "
            "(calibrate measures it). None: not measured (a GIL build, or no GIL build of the "
            "same version found); the cost model then uses DEFAULT_FREE_THREADED_PENALTY."
        ),
    )

    def __hash__(self) -> int:
        # Frozen models hash their fields; the start-up dict is not hashable by itself, and
        # Environment (which holds a MachineCosts) has always been hashable.
        return hash(
            (
                self.source,
                self.measured_at,
                self.fingerprint,
                tuple(sorted(self.process_start_seconds.items())),
                self.thread_start_seconds,
                self.thread_dispatch_seconds,
                self.process_dispatch_seconds,
                self.process_batched_dispatch_seconds,
                self.asyncio_dispatch_seconds,
                self.ipc_bytes_per_second,
                self.thread_switch_seconds,
                self.coroutine_switch_seconds,
                self.interpreter_start_seconds,
                self.interpreter_dispatch_seconds,
                self.dask_start_seconds,
                self.dask_dispatch_seconds,
                self.dask_source,
                self.parallel_efficiency,
                self.free_threaded_penalty,
            )
        )

    def parallel_cpus(self, cpus: int) -> float:
        """CPUs' worth of parallel computing ``cpus`` usable CPUs deliver: at least one
        (one CPU always computes), at most ``cpus``."""
        capacity = cpus * self.parallel_efficiency
        return 1.0 if capacity < 1.0 else (float(cpus) if capacity > cpus else capacity)

    def penalty(self, version: tuple[int, ...]) -> tuple[float, bool]:
        """The free-threaded single-thread penalty for a Python ``version`` and whether it
        was measured here (False: :data:`DEFAULT_FREE_THREADED_PENALTY`)."""
        if self.free_threaded_penalty is not None:
            return self.free_threaded_penalty, True
        minor = tuple(version[:2])
        return DEFAULT_FREE_THREADED_PENALTY.get(minor, DEFAULT_FREE_THREADED_PENALTY[()]), False

    def start_seconds(self, method: StartMethod) -> float:
        """Per-worker start-up for ``method``; a method not measured here costs like spawn."""
        found = self.process_start_seconds.get(method)
        if found is not None:
            return found
        return max(self.process_start_seconds.values(), default=DEFAULT_START_SECONDS["spawn"])


#: Per-worker process start-up defaults: fork copies the parent's pages lazily; spawn and
#: forkserver start a fresh interpreter that re-imports the main module.
DEFAULT_START_SECONDS: dict[StartMethod, float] = {
    "fork": 0.005,
    "forkserver": 0.05,
    "spawn": 0.08,
}

#: Free-threaded single-thread penalty when calibrate did not measure one, by (major, minor);
#: ``()`` for every other version.  3.13t: PEP 703's first release (specialisation off)
#: measured 1.7x on call-heavy code here (38.4 against 22.7 ms per task, docs/costs.md);
#: 3.14t and later: the published 5-10%, rounded up to 1.1.
DEFAULT_FREE_THREADED_PENALTY: dict[tuple[int, ...], float] = {(3, 13): 1.5, (): 1.1}

#: Built-in conservative figures, used when this machine has no calibration cache.
DEFAULT_COSTS = MachineCosts(
    source="defaults",
    process_start_seconds=DEFAULT_START_SECONDS,
    thread_start_seconds=2e-4,
    thread_dispatch_seconds=2e-5,
    process_dispatch_seconds=2e-4,
    process_batched_dispatch_seconds=1e-5,
    asyncio_dispatch_seconds=1e-5,
    # Plain Python objects (records, dicts, strings) pickle at about this rate; raw bytes
    # and NumPy arrays move several times faster, so this errs on the expensive side.
    ipc_bytes_per_second=100e6,
    thread_switch_seconds=2e-5,
    coroutine_switch_seconds=5e-6,
    # Measured on a 2-core Linux VM under CPython 3.14.10 and 3.15.2 (docs/costs.md,
    # "Sub-interpreters"): a pool of 2 took 180-250 ms to start, use and shut down (each
    # sub-interpreter imports its own copy of every module), and a no-op task 110 µs
    # with 2000 in flight.  Rounded up like the process figures.
    interpreter_start_seconds=0.15,
    interpreter_dispatch_seconds=2e-4,
    # Measured on a 2-core Linux VM, CPython 3.11, dask 2025 (docs/dask.md): a 2-worker
    # LocalCluster (processes) took about 1.7 s to start, use and stop, and a no-op task
    # about 2.6 ms with many in flight.  Rounded up like the process figures.
    dask_start_seconds=2.0,
    dask_dispatch_seconds=3e-3,
)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info() -> dict[str, str | int | bool]:
    """What identifies this machine and interpreter: calibrated figures hold for it only."""
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    return {
        "node": platform.node(),
        "system": platform.system(),
        "machine": platform.machine(),
        "cpu_model": _cpu_model(),
        "logical_cpus": os.cpu_count() or 1,
        "implementation": platform.python_implementation(),
        "python": platform.python_version(),
        "executable": os.path.realpath(sys.executable),
        "gil": True if is_enabled is None else bool(is_enabled()),
    }


def machine_fingerprint(info: dict[str, str | int | bool] | None = None) -> str:
    """A short stable hash of :func:`machine_info` (16 hex digits)."""
    data = json.dumps(info if info is not None else machine_info(), sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()[:16]
