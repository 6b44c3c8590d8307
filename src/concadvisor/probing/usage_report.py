"""CPU time, free CPUs and memory in the probe's report (parent side, pure functions).

- :class:`CpuTime`: the user/system split of one task and of the thread pool, and whether
  the GIL was seen released (:func:`~.inference.gil_released`);
- :class:`Contention`: the CPUs that were free before and after the main rounds, and how
  long serial waited for a CPU;
- :class:`Memory`: the peak RSS of one process worker, the memory available, and how many
  such workers fit (:func:`~concadvisor.workers.memory_workers`); :func:`cap_by_memory`
  lowers a process pool that would not fit, and says so in a reason.
"""

from __future__ import annotations

import statistics

from pydantic import BaseModel, ConfigDict, Field

from ..advice import Reason, Recommendation, at_measured_width
from ..profile import Executor
from ..workers import memory_workers
from .inference import CpuSplit, cpu_split, free_cpus, gil_released
from .session import Measurements

__all__ = [
    "Contention",
    "CpuTime",
    "Memory",
    "cap_by_memory",
    "contention_report",
    "cpu_time_report",
    "memory_report",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class CpuTime(BaseModel):
    """Where one task's CPU time went: user code (holds the GIL if Python) or the kernel."""

    model_config = _FROZEN

    user_share: float = Field(description="User CPU seconds per running second of one task.")
    system_share: float = Field(
        description="System (kernel) CPU seconds per running second of one task: no GIL."
    )
    threads_user_use: float | None = Field(
        description="Under the thread pool: user CPU seconds of all threads per wall second "
        "(above ~1: the GIL was released). None: not measured."
    )
    threads_system_use: float | None = Field(
        description="Under the thread pool: system CPU seconds per wall second."
    )
    gil_released: bool | None = Field(
        description="What the CPU times say about the GIL; None: they could not tell (too "
        "few free CPUs, or threads not measured)."
    )


class Contention(BaseModel):
    """How much of the machine the probe actually had."""

    model_config = _FROZEN

    free_cpus_before: float | None = Field(
        description="CPUs the probe got when it asked for all usable ones, before the rounds."
    )
    free_cpus_after: float | None = Field(description="The same, after the main rounds.")
    serial_queued_share: float | None = Field(
        description="Share of serial's round time spent runnable but waiting for a CPU "
        "(schedstat, Linux)."
    )


class Memory(BaseModel):
    """Memory per process worker and what it allows."""

    model_config = _FROZEN

    peak_rss_bytes: int | None = Field(
        description="The highest peak resident set of one process worker (ru_maxrss)."
    )
    available_bytes: int | None = Field(
        description="Memory available: cgroup v2 memory.max minus use, else MemAvailable."
    )
    workers_fit: int | None = Field(
        description="Process workers of that peak that fit in the memory available."
    )


def cpu_time_report(m: Measurements) -> tuple[CpuTime | None, CpuSplit | None]:
    split = cpu_split(m)
    if split is None:
        return None, None
    report = CpuTime(
        user_share=round(split.user_share, 4),
        system_share=round(split.system_share, 4),
        threads_user_use=_round(split.threads_user_use),
        threads_system_use=_round(split.threads_system_use),
        gil_released=gil_released(split, free_cpus(m)),
    )
    return report, split


def contention_report(m: Measurements) -> Contention | None:
    serial = m.records[Executor.SERIAL]
    queued = None
    if serial.walls and len(serial.queued) == len(serial.walls):
        queued = statistics.median(q / w for q, w in zip(serial.queued, serial.walls, strict=True))
    if not m.free_cpus and queued is None:
        return None
    return Contention(
        free_cpus_before=_round(m.free_cpus.get("before")),
        free_cpus_after=_round(m.free_cpus.get("after")),
        serial_queued_share=_round(queued),
    )


def memory_report(m: Measurements, available: int | None) -> Memory | None:
    processes = m.records.get(Executor.PROCESSES)  # absent when --executors left it out
    peak = processes.peak_rss if processes is not None else None
    if peak is None:
        return None
    fit = memory_workers(peak, available) if available is not None else None
    return Memory(peak_rss_bytes=peak, available_bytes=available, workers_fit=fit)


def cap_by_memory(recommendation: Recommendation, memory: Memory | None) -> Recommendation:
    """A process pool no wider than the workers that fit in memory, with a reason why."""
    if (
        memory is None
        or memory.workers_fit is None
        or memory.peak_rss_bytes is None
        or memory.available_bytes is None
        or recommendation.executor is not Executor.PROCESSES
        or recommendation.workers <= memory.workers_fit
    ):
        return recommendation
    fit = memory.workers_fit
    capped = at_measured_width(recommendation, fit, recommendation.chunksize, "capped by memory")
    reason = Reason(
        rule_id="probe",
        title="Memory per process worker",
        message=(
            f"each process worker peaked at {memory.peak_rss_bytes / 2**20:.0f} MiB and "
            f"{memory.available_bytes / 2**20:.0f} MiB is available, so at most {fit} "
            f"workers fit (not {recommendation.workers})"
        ),
        guidance="G5",
        effects=(f"processes workers {recommendation.workers} -> {fit}",),
    )
    return capped.model_copy(update={"reasons": [*capped.reasons, reason]})


def _round(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None
