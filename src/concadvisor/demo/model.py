"""The demo's result: one row per workload, one cell per executor.  Serialisable to JSON."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..environment import Environment

__all__ = ["Agreement", "Cell", "DemoReport", "Row"]

Agreement = Literal["yes", "tie", "no", "inconclusive"]
FORMAT_VERSION = 1

_FROZEN = ConfigDict(frozen=True, extra="forbid")

#: Column order of the table; "asyncio+processes" only has values for the mixed row.
COLUMNS: tuple[str, ...] = ("serial", "threads", "processes", "asyncio", "asyncio+processes")


class Cell(BaseModel):
    """One workload under one executor."""

    model_config = _FROZEN

    executor: str = Field(description="serial, threads, processes, asyncio or asyncio+processes.")
    status: str = Field(description="ok, failed, skipped or timeout.")
    speedup: float | None = Field(default=None, description="Against serial (median).")
    relative_spread: float | None = Field(
        default=None, description="Spread / median of the rounds."
    )
    per_task_seconds: float | None = Field(default=None, description="Median wall per task.")
    reason: str | None = Field(default=None, description="Why it is not ok.")
    estimated: bool = Field(
        default=False, description="The speedup uses an extrapolated serial time."
    )
    extra: dict[str, Any] = Field(
        default_factory=dict, description="Peak memory, threads used, start-up..."
    )


class Row(BaseModel):
    model_config = _FROZEN

    key: str
    title: str
    cells: list[Cell]
    winner: str | None = Field(description="Best median among the ok cells.")
    predicted: str = Field(description="What advise() recommends for the declared profile.")
    predicted_rules: list[str] = Field(description="The rules behind the prediction.")
    note_says: str = Field(description="What the classic summary (guidance G7/G8) would answer.")
    agrees: Agreement = Field(description="Does this machine agree with the prediction?")
    why: str = Field(description="The measured reason, in plain words.")
    seconds: float = Field(description="Time spent measuring this row.")


class DemoReport(BaseModel):
    model_config = _FROZEN

    rows: list[Row]
    environment: Environment
    python: str
    date: str
    budget_seconds: float
    elapsed_seconds: float
    notes: list[str] = Field(default_factory=list)
    format: int = FORMAT_VERSION
