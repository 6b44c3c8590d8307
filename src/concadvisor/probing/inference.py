"""From measurements to a :class:`~concadvisor.TaskProfile`: only what was measured.

- ``workload`` from the CPU share of one serial task (:data:`CPU_SHARE_CPU` and above:
  ``cpu``; :data:`CPU_SHARE_IO` and below: ``io``; in between: ``mixed``);
- ``cpu_fraction``, ``task_seconds`` from the serial rounds (the warm-up if there are none);
- ``releases_gil``: CPU-heavy work that scaled under threads -- faster than serial by
  :data:`GIL_RELEASE_SPEEDUP` *and* keeping more than one CPU busy, on a GIL build with
  two or more usable CPUs (otherwise it cannot be seen, and stays False);
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
from collections.abc import Mapping
from typing import Any

from ..profile import Executor, TaskProfile
from .session import Measurements

__all__ = [
    "CPU_SHARE_CPU",
    "CPU_SHARE_IO",
    "GIL_RELEASE_CPU_USE",
    "GIL_RELEASE_SPEEDUP",
    "TASKS_ASSUMED",
    "infer_profile",
    "workload_tasks",
]

CPU_SHARE_CPU = 0.75
CPU_SHARE_IO = 0.25
GIL_RELEASE_SPEEDUP = 1.3
GIL_RELEASE_CPU_USE = 1.3
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
    serial = m.records[Executor.SERIAL]
    tasks = int(plan.get("tasks") or 1)
    if serial.walls:
        wall = statistics.median(serial.walls)
        task_seconds = wall / tasks
        # Time spent runnable but without a CPU (another process had it) is not waiting
        # on I/O: leave it out of the denominator.
        queued = (
            serial.queued if len(serial.queued) == len(serial.walls) else [0.0] * len(serial.walls)
        )
        # An async target's serial rounds pay asyncio.run() per call; coroutines on one
        # loop do not, so that cost is no part of the task's own CPU share.
        loop_wall = float(warmup.get("loop_wall_seconds") or 0.0) * tasks
        loop_cpu = float(warmup.get("loop_cpu_seconds") or 0.0) * tasks
        shares = [
            max(c - loop_cpu, 0.0) / (w - q - loop_wall)
            for c, w, q in zip(serial.cpus, serial.walls, queued, strict=True)
            if w - q - loop_wall > 0
        ]
        share = statistics.median(shares) if shares else float(warmup["cpu_share"])
    else:
        task_seconds = float(warmup["task_seconds"])
        share = float(warmup["cpu_share"])
    # process_time counts every thread of the process: a task that computes on several
    # threads itself can exceed 1 CPU; the profile field is a share of one task's wall time.
    share = min(1.0, max(0.0, share))
    fields["workload"] = _workload(share)
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
    if (
        threads is not None
        and fields["workload"] != "io"
        and not free_threaded
        and cpus >= 2
        and serial.walls
        and threads.walls
        and threads.status is None
    ):
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
