"""From measurements to a :class:`~concadvisor.TaskProfile`: only what was measured.

- ``workload`` from the *user* CPU share of one serial task (:data:`CPU_SHARE_CPU` and
  above: ``cpu``; :data:`CPU_SHARE_IO` and below: ``io``; in between: ``mixed``).  System
  time is the kernel's (``fsync``, ``write``): it holds no GIL and overlaps under threads
  like waiting does, so syscall-heavy I/O is not CPU work.  Where user and system time
  cannot be told apart (:mod:`.usage`), the whole CPU share decides, as before;
- ``cpu_fraction`` (user + system: a CPU is busy either way), ``task_seconds`` from the
  serial rounds (the warm-up if there are none);
- ``releases_gil`` (:func:`gil_released`): the task's CPU time is mostly the kernel's, or
  the thread pool's user CPU time summed over its threads exceeded
  :data:`GIL_RELEASE_CPU_USE` cores per wall second -- only possible if threads ran user
  code at once.  When fewer than :data:`PARALLEL_FREE_CPUS` CPUs were free, threads
  could not show it: left unset (the default) and said so.  On a GIL build with two or
  more usable CPUs only;
- ``payload_bytes`` (pickled arguments + result), ``picklable``;
- ``tasks``: the user's ``--tasks`` (how many tasks *they* have: the recommendation is for
  that many), else an assumption, :func:`workload_tasks` -- never the probe's own round
  size, which is sized for the budget and says nothing about the user's workload;
- ``async_libraries`` and ``already_async`` for an ``async def`` target: it already awaits
  async-capable I/O, and whoever calls it already runs an event loop;
- ``cpus``, ``start_method``: detected (or the ones used).

Everything else keeps its default; user overrides are applied last.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..profile import Executor, TaskProfile
from .session import Measurements
from .verdict import PARALLEL_FREE_CPUS

__all__ = [
    "CPU_SHARE_CPU",
    "CPU_SHARE_IO",
    "GIL_RELEASE_CPU_USE",
    "GIL_RELEASE_SPEEDUP",
    "MIN_SPLIT_CPU_SECONDS",
    "TASKS_ASSUMED",
    "CpuSplit",
    "cpu_split",
    "free_cpus",
    "gil_released",
    "infer_profile",
    "serial_cpu_share",
    "system_fraction",
    "workload_tasks",
]

CPU_SHARE_CPU = 0.75
CPU_SHARE_IO = 0.25
GIL_RELEASE_SPEEDUP = 1.3
GIL_RELEASE_CPU_USE = 1.3
#: The least pooled CPU time whose user/system split is trusted: 25 clock ticks at 250 Hz.
MIN_SPLIT_CPU_SECONDS = 0.1
#: How many tasks the recommendation is for when the user does not say (``--tasks``).
#: Asking which pool suits a function means having many calls of it to make; a hundred is
#: the smallest workload for which that question is usually asked (a page of URLs, a
#: directory of files), and is small enough not to invent scale.  The report says that
#: it was assumed and how to pass the real count.
TASKS_ASSUMED = 100


def workload_tasks(tasks: int | None, batch: int | None) -> tuple[int, bool]:
    """How many tasks the recommendation is for, and whether that number is assumed.

    The user's ``tasks`` when given.  Otherwise :data:`TASKS_ASSUMED`, or the probe's round
    size when that is larger (the user has at least as many tasks as the probe ran
    at once, or the batch would not have been worth measuring).  The round size alone would
    be wrong: it is sized to fit the budget, so a short round would talk the advice into
    ``serial`` (CA702) for work that a pool measurably speeds up.
    """
    if tasks is not None:
        return tasks, False
    return max(TASKS_ASSUMED, batch or 0), True


@dataclass(frozen=True)
class CpuSplit:
    """User and system CPU of one serial task, as shares of its running time, and the
    thread pool's user and system CPU seconds per wall second (None: not measured)."""

    user_share: float
    system_share: float
    threads_user_use: float | None = None
    threads_system_use: float | None = None


def _known(values: Sequence[float | None], n: int) -> list[float] | None:
    if len(values) != n or any(v is None for v in values):
        return None
    return [float(v) for v in values if v is not None]


def serial_cpu_share(m: Measurements) -> tuple[float, float]:
    """(seconds per task, CPU share of its running time) from the serial rounds, else the
    warm-up.  Needs ``m.warmup``.

    Time spent runnable without a CPU (another process had it, schedstat) is not waiting on
    I/O: it is left out of the denominator.  An async target's serial rounds pay one
    ``run_until_complete()`` per call on the worker's loop, which coroutines gathered on one
    loop do not: no part of the task's own share.
    """
    warmup = m.warmup
    assert warmup is not None
    tasks = int((m.plan or {}).get("tasks") or 1)
    serial = m.records[Executor.SERIAL]
    if not serial.walls:
        return float(warmup["task_seconds"]), float(warmup["cpu_share"])
    task_seconds = statistics.median(serial.walls) / tasks
    queued = serial.queued if len(serial.queued) == len(serial.walls) else [0.0] * len(serial.walls)
    loop_wall = float(warmup.get("loop_wall_seconds") or 0.0) * tasks
    loop_cpu = float(warmup.get("loop_cpu_seconds") or 0.0) * tasks
    shares = [
        max(c - loop_cpu, 0.0) / (w - q - loop_wall)
        for c, w, q in zip(serial.cpus, serial.walls, queued, strict=True)
        if w - q - loop_wall > 0
    ]
    share = statistics.median(shares) if shares else float(warmup["cpu_share"])
    return task_seconds, share


def system_fraction(m: Measurements) -> float | None:
    """The kernel's share of the CPU time of every round whose split was measured.

    The kernel splits a thread's exact CPU time into user and system by sampling which of
    the two it was in at each clock tick (4 ms at the usual 250 Hz, unless the kernel has
    precise accounting), so one short round holds only a few samples: every executor's
    rounds (the same task) are pooled, and below :data:`MIN_SPLIT_CPU_SECONDS` of pooled
    CPU time the split is not trusted.  None: no split (then the whole CPU share decides).
    """
    user = system = 0.0
    for record in m.records.values():
        users = _known(record.users, len(record.walls))
        systems = _known(record.systems, len(record.walls))
        if users is not None and systems is not None and record.walls:
            user += sum(max(u, 0.0) for u in users)
            system += sum(max(v, 0.0) for v in systems)
    warmup = m.warmup or {}
    if user + system <= 0 and warmup.get("user_seconds") is not None:
        calls = int(warmup.get("calls") or 1)
        user = float(warmup["user_seconds"]) * calls
        system = float(warmup.get("system_seconds") or 0.0) * calls
    if user + system < MIN_SPLIT_CPU_SECONDS:
        return None
    return system / (user + system)


def cpu_split(m: Measurements) -> CpuSplit | None:
    """The user/system split of one serial task's CPU share, and the thread pool's user
    and system CPU per wall second; None where the split was not measured."""
    if m.warmup is None:
        return None
    fraction = system_fraction(m)
    if fraction is None:
        return None
    _, share = serial_cpu_share(m)
    share = max(0.0, share)
    threads = m.records.get(Executor.THREADS)  # absent when --executors left it out
    t_user_use = t_system_use = None
    t_users = t_systems = None
    if threads is not None:
        t_users = _known(threads.users, len(threads.walls))
        t_systems = _known(threads.systems, len(threads.walls))
    if threads is not None and threads.walls and t_users is not None and t_systems is not None:
        t_user_use = statistics.median(
            u / w for u, w in zip(t_users, threads.walls, strict=True) if w > 0
        )
        t_system_use = statistics.median(
            v / w for v, w in zip(t_systems, threads.walls, strict=True) if w > 0
        )
    return CpuSplit(share * (1 - fraction), share * fraction, t_user_use, t_system_use)


def free_cpus(m: Measurements) -> float | None:
    """How many CPUs were free while measuring (None: not measured).

    The fewer of the two readings before and after the main rounds (:mod:`.usage`), unless
    an executor's rounds kept more CPUs busy than that (median CPU seconds per wall
    second, process workers included): a pool that kept 1.8 CPUs busy had them, whatever a
    60 ms reading said.
    """
    if not m.free_cpus:
        return None
    used = [
        statistics.median(c / w for c, w in zip(r.cpus, r.walls, strict=True) if w > 0)
        for r in m.records.values()
        if r.walls and len(r.cpus) == len(r.walls) and any(w > 0 for w in r.walls)
    ]
    return max([min(m.free_cpus.values()), *used])


def gil_released(split: CpuSplit, free: float | None) -> bool | None:
    """Whether the task's CPU work runs without the GIL; None: it could not be seen.

    - mostly kernel time (system at least the user time): the kernel holds no GIL;
    - the thread pool's user CPU above :data:`GIL_RELEASE_CPU_USE` cores per wall second:
      threads ran user code at once, which the GIL forbids for Python code;
    - otherwise not released -- unless fewer than :data:`PARALLEL_FREE_CPUS` CPUs were free
      (or threads were not measured), when threads could not have shown it.
    """
    if split.system_share > 0 and split.system_share >= split.user_share:
        return True
    if split.threads_user_use is None:
        return None
    if split.threads_user_use >= GIL_RELEASE_CPU_USE:
        return True
    if free is not None and free < PARALLEL_FREE_CPUS:
        return None
    return False


def _workload(share: float) -> str:
    if share >= CPU_SHARE_CPU:
        return "cpu"
    if share <= CPU_SHARE_IO:
        return "io"
    return "mixed"


def measured_fields(
    m: Measurements,
    *,
    cpus: int,
    start_method: str,
    free_threaded: bool,
    tasks_hint: int | None = None,
) -> dict[str, Any]:
    """The profile fields the measurements support (no overrides applied)."""
    fields: dict[str, Any] = {"cpus": cpus, "start_method": start_method}
    name = m.target.rpartition(":")[2]
    if name:
        fields["name"] = name
    warmup = m.warmup
    plan = m.plan or {}
    batch = int(plan["tasks"]) if plan.get("tasks") else None
    fields["tasks"] = workload_tasks(tasks_hint, batch)[0]
    if m.is_async:
        fields["async_libraries"] = True
        fields["already_async"] = True
    if warmup is None:
        return fields
    task_seconds, share = serial_cpu_share(m)
    serial = m.records[Executor.SERIAL]
    share = min(1.0, max(0.0, share))
    split = cpu_split(m)
    fields["workload"] = _workload(share if split is None else min(1.0, split.user_share))
    fields["cpu_fraction"] = round(share, 4)
    if task_seconds > 0:
        fields["task_seconds"] = task_seconds
    if warmup.get("args_bytes") is not None and warmup.get("result_bytes") is not None:
        fields["payload_bytes"] = int(warmup["args_bytes"]) + int(warmup["result_bytes"])
    fields["picklable"] = not (
        warmup.get("args_pickle_error")
        or warmup.get("result_pickle_error")
        or warmup.get("func_pickle_error")
    )
    threads = m.records.get(Executor.THREADS)  # absent when --executors left it out
    if fields["workload"] == "io" or free_threaded or cpus < 2:
        return fields
    threads_ok = threads is not None and bool(threads.walls) and threads.status is None
    if split is not None:
        released = gil_released(
            split if threads_ok else CpuSplit(split.user_share, split.system_share),
            free_cpus(m),
        )
        if released is not None:
            fields["releases_gil"] = released
        return fields
    if threads is not None and threads_ok and serial.walls:
        speedup = statistics.median(serial.walls) / statistics.median(threads.walls)
        cpu_use = statistics.median(
            c / w for c, w in zip(threads.cpus, threads.walls, strict=True) if w > 0
        )
        fields["releases_gil"] = speedup >= GIL_RELEASE_SPEEDUP and cpu_use >= GIL_RELEASE_CPU_USE
    return fields


def infer_profile(
    m: Measurements,
    *,
    cpus: int,
    start_method: str,
    free_threaded: bool,
    overrides: Mapping[str, Any] | None = None,
    tasks: int | None = None,
) -> TaskProfile:
    """The measured profile with the user's ``overrides`` on top.

    When nothing was measured (the function failed or hung in the warm-up), ``workload``
    falls back to ``cpu`` unless overridden: the field is required, and the report says
    that the profile is not a measurement.
    """
    fields = measured_fields(
        m, cpus=cpus, start_method=start_method, free_threaded=free_threaded, tasks_hint=tasks
    )
    fields.setdefault("workload", "cpu")
    fields.update(overrides or {})
    return TaskProfile.model_validate(fields)
