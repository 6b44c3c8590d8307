"""The width sweep in the report: its points, each executor's best width, and what that
means for the recommendation (parent side, pure functions over the recorded trials).

The best width is always a measured point, never a model figure.  A point counts for a
recommendation only if it is no wider than the user's tasks (more workers than tasks never
run at once).  For asyncio, width 0 is the unbounded point: a limit is recommended only
where it measured at least as fast as no limit at all.
"""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel, ConfigDict, Field

from .session import ExecutorRecord
from .stats import summarize

__all__ = ["SweepPoint", "best_point", "sweep_points"]


class SweepPoint(BaseModel):
    """One width (and chunksize) of the sweep, over its rounds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    width: int = Field(description="Pool size / concurrency limit; 0: asyncio unbounded.")
    chunksize: int | None = Field(description="pool.map chunksize (processes), else None.")
    tasks: int = Field(description="Tasks in one round of this point.")
    median: float = Field(description="Median wall seconds of one round.")
    spread: float = Field(description="Robust spread of the rounds (1.4826 x MAD), seconds.")
    rounds: int = Field(description="Rounds measured at this point.")
    throughput: float = Field(description="Tasks per second: tasks / median.")


def sweep_points(record: ExecutorRecord) -> list[SweepPoint]:
    """The record's sweep trials grouped by (width, chunksize), narrowest first."""
    groups: dict[tuple[int, int | None, int], list[float]] = defaultdict(list)
    for width, chunksize, tasks, wall in record.sweep:
        groups[(width, chunksize, tasks)].append(wall)
    points = []
    for (width, chunksize, tasks), walls in groups.items():
        summary = summarize(walls)
        points.append(
            SweepPoint(
                width=width,
                chunksize=chunksize,
                tasks=tasks,
                median=summary.median,
                spread=summary.spread,
                rounds=len(walls),
                throughput=tasks / summary.median,
            )
        )
    # Unbounded (width 0) last: it is the widest of all.
    return sorted(points, key=lambda p: (p.width == 0, p.width, p.chunksize or 0))


def best_point(points: list[SweepPoint], tasks: int) -> SweepPoint | None:
    """The highest-throughput point usable for ``tasks`` tasks (narrowest of equals)."""
    usable = [p for p in points if p.width <= tasks]
    if not usable:
        return None
    return max(usable, key=lambda p: (p.throughput, -(p.width or tasks + 1)))


def measured_width(point: SweepPoint, tasks: int) -> int:
    """The width a point stands for when ``tasks`` run: unbounded runs all of them at once."""
    return point.width or tasks
