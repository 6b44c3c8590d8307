"""The calibration cache file's content: one typed, versioned document, written and read.

:class:`CalibrationDocument` is both ends of the file boundary: ``concadvisor calibrate``
builds one (:meth:`concadvisor.costs.calibration.Calibration.document`), the cache writes
it with :meth:`CalibrationDocument.to_json` and reads it back with
:meth:`CalibrationDocument.from_json`, which validates every field (types strictly, numbers
finite and within physical bounds), so that a hand-edited or corrupt file is rejected
before any of its figures reach the cost model.
"""

from __future__ import annotations

import json
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from .machine import DEFAULT_COSTS, MachineCosts

__all__ = [
    "CACHE_FORMAT",
    "MAX_MEASUREMENTS",
    "CalibrationDocument",
    "MeasurementRecord",
]

#: Version of the document's layout; a file with another version is ignored.
CACHE_FORMAT: Final = 1
#: More measurements than this cannot come from one calibration.
MAX_MEASUREMENTS = 1000
#: A measured figure (seconds, bytes per second, a speedup) larger than this is corrupt.
MAX_FIGURE = 1e15
#: Samples behind one figure, at most (a calibration takes tens).
MAX_SAMPLES = 100_000

_STRICT = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)


class MeasurementRecord(BaseModel):
    """One measured figure as stored: its median, spread and sample count."""

    model_config = _STRICT

    key: str = Field(description="Stable identifier, e.g. 'process_start.fork'.")
    label: str = Field(description="What was measured, in words.")
    unit: str = Field(description="'s', 'B/s' or 'x' (a ratio).")
    median: float = Field(ge=0, le=MAX_FIGURE, description="Median of the samples.")
    mad: float = Field(ge=0, le=MAX_FIGURE, description="Median absolute deviation.")
    min: float = Field(ge=0, le=MAX_FIGURE, description="Smallest sample.")
    max: float = Field(ge=0, le=MAX_FIGURE, description="Largest sample.")
    samples: int = Field(ge=1, le=MAX_SAMPLES, description="How many samples were taken.")
    noisy: bool = Field(default=False, description="MAD above 10% of the median.")
    note: str = Field(default="", description="Anything the figure's reader should know.")


class CalibrationDocument(BaseModel):
    """A calibration cache file: this machine's costs and the measurements behind them."""

    model_config = _STRICT

    format: Literal[1] = Field(default=CACHE_FORMAT, description="Layout version.")
    concadvisor: str | None = Field(default=None, description="Version that wrote it.")
    fingerprint: str | None = Field(
        description="Machine + interpreter fingerprint the figures belong to."
    )
    measured_at: str | None = Field(
        default=None, description="When the calibration ran (ISO 8601, UTC); None: defaults."
    )
    machine: dict[str, str | int | bool] = Field(
        default_factory=dict, description="What identifies the machine and interpreter."
    )
    cpus: int | None = Field(default=None, ge=1, le=1 << 20, description="Usable CPUs.")
    gil_enabled: bool = Field(default=False, description="Whether the GIL was on.")
    budget_seconds: float | None = Field(
        default=None, gt=0, le=MAX_FIGURE, description="The time budget it was given."
    )
    elapsed_seconds: float | None = Field(
        default=None, ge=0, le=MAX_FIGURE, description="The time it took."
    )
    costs: MachineCosts = Field(description="The figures the cost model runs on.")
    measurements: list[MeasurementRecord] = Field(
        default_factory=list, max_length=MAX_MEASUREMENTS, description="Every figure measured."
    )
    skipped: list[str] = Field(
        default_factory=list,
        max_length=MAX_MEASUREMENTS,
        description="What was not measured, and why (the defaults stand in for it).",
    )

    @classmethod
    def defaults(cls, fingerprint: str | None) -> CalibrationDocument:
        """The document of a machine without a calibration: the built-in defaults."""
        return cls(fingerprint=fingerprint, costs=DEFAULT_COSTS)

    def to_json(self) -> str:
        """The file's text: indented JSON with sorted keys, ending in a newline."""
        return json.dumps(self.as_json(), indent=2, sort_keys=True) + "\n"

    def as_json(self) -> dict[str, Any]:
        """The document as JSON-ready data (what ``calibrate --json`` prints)."""
        return self.model_dump(mode="json")

    @classmethod
    def from_data(cls, data: object) -> CalibrationDocument:
        """Validate parsed JSON; raises :class:`pydantic.ValidationError` if it is corrupt.

        Strict all the way down (the costs too): a JSON number stands for a float, but a
        string never does.
        """
        return cls.model_validate(data, strict=True)
