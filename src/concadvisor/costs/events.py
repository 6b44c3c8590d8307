"""What a calibration reports as it runs: typed events, one JSON line each.

The measuring loop (:func:`concadvisor.costs.calibration.measure`) yields these; in
``concadvisor calibrate`` it runs in an isolated runner process
(:mod:`concadvisor.costs._runner`) that writes them to a pipe with :func:`encode`, and the
parent (:mod:`concadvisor.costs.isolation`) reads them back with :func:`decode`.  The same
types on both ends, so the two cannot drift apart; samples are sent as soon as a step has
them, so that a runner stopped at the deadline loses nothing already measured.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from ..profile import StartMethod

__all__ = [
    "Event",
    "Failed",
    "Finished",
    "Progress",
    "RunnerConfig",
    "Samples",
    "Started",
    "Unmeasured",
    "decode",
    "encode",
]

_CONFIG = ConfigDict(frozen=True, extra="forbid")


class RunnerConfig(BaseModel):
    """What the parent tells the runner (one JSON argument on its command line)."""

    model_config = _CONFIG
    deadline_wall: float = Field(description="time.time() by which measuring must end.")
    spawned_wall: float = Field(description="time.time() just before the runner started.")
    methods: tuple[StartMethod, ...] | None = None


class Started(BaseModel):
    """The measuring began: what it runs on."""

    model_config = _CONFIG
    kind: Literal["started"] = "started"
    machine: dict[str, str | int | bool]
    cpus: int = Field(ge=1)
    width: int = Field(ge=1, description="Worker processes of the process pools measured.")
    methods: tuple[StartMethod, ...] = Field(description="Start methods to be measured.")


class Progress(BaseModel):
    """A step begins; ``done`` is the share of steps already run."""

    model_config = _CONFIG
    kind: Literal["progress"] = "progress"
    step: str
    done: float = Field(ge=0, le=1)


class Samples(BaseModel):
    """New samples of one figure (a figure may get samples in several passes)."""

    model_config = _CONFIG
    kind: Literal["samples"] = "samples"
    key: str
    label: str
    unit: str
    values: tuple[float, ...]


class Unmeasured(BaseModel):
    """A figure that could not be measured, and why (its default stands in)."""

    model_config = _CONFIG
    kind: Literal["unmeasured"] = "unmeasured"
    key: str
    reason: str


class Finished(BaseModel):
    """Every planned step ran (or was left out for the budget)."""

    model_config = _CONFIG
    kind: Literal["finished"] = "finished"


class Failed(BaseModel):
    """The measuring stopped on an unexpected error (a bug, not a property of the machine)."""

    model_config = _CONFIG
    kind: Literal["failed"] = "failed"
    error: str


Event = Annotated[
    Started | Progress | Samples | Unmeasured | Finished | Failed, Field(discriminator="kind")
]
_EVENT: TypeAdapter[Event] = TypeAdapter(Event)


def encode(event: Event) -> bytes:
    """One JSON line."""
    return event.model_dump_json().encode() + b"\n"


def decode(line: bytes) -> Event | None:
    """The event on ``line``, None if it is not one (a stray write on the pipe)."""
    try:
        return _EVENT.validate_json(line)
    except ValidationError:
        return None
