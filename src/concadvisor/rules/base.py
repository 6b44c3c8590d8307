"""The vocabulary of rules: what a rule is, what it sees, and what it may do.

A rule looks at :class:`Facts` (a profile plus the environment it will run in) and either
stays silent or *fires* with a message and a few effects:

- :class:`Veto` -- this executor is not a sensible choice here (serial cannot be vetoed);
- :class:`Score` -- move an executor's score up or down;
- :class:`Offload` -- for mixed work, where the other kind of work should go;
- :class:`Warn` -- a hazard the user should know about (optionally only for some choices);
- :class:`Note` -- an explanation that does not change the scores.

Rules are plain data plus one pure function, so the catalogue can be listed, documented and
tested from the same objects.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from ..environment import Environment
from ..executors import EXECUTORS, available
from ..profile import Executor, StartMethod, TaskProfile

__all__ = [
    "ALL_EXECUTORS",
    "Check",
    "CodeDoc",
    "Effect",
    "Facts",
    "Fired",
    "Note",
    "Offload",
    "Rule",
    "Score",
    "Veto",
    "Warn",
    "available_executors",
    "fire",
]

#: Every executor the engine scores (the registry's); only the available ones are ranked.
ALL_EXECUTORS: tuple[Executor, ...] = EXECUTORS


#: id(environment) -> (environment, its available executors).  The entry keeps the
#: environment alive, so its id cannot be reused while it is cached; environments are
#: immutable and few (the detected one and its override variants), so every advise() call
#: after the first with an environment asks the registry nothing.
_AVAILABLE: dict[int, tuple[Environment, tuple[Executor, ...]]] = {}
_AVAILABLE_MAX = 256


def available_executors(environment: Environment) -> tuple[Executor, ...]:
    """The executors that exist on the interpreter ``environment`` describes, in order."""
    hit = _AVAILABLE.get(id(environment))
    if hit is not None and hit[0] is environment:
        return hit[1]
    result = tuple(entry.executor for entry in available(environment))
    if len(_AVAILABLE) >= _AVAILABLE_MAX:
        _AVAILABLE.clear()
    _AVAILABLE[id(environment)] = (environment, result)
    return result


_CODE_RE = re.compile(r"^CA\d{3}$")
_GUIDANCE_RE = re.compile(r"^G(?:[1-9]|1[0-3])$")


class Facts:
    """What a rule may look at: the profile and the environment it will run in.

    ``environment`` already carries the profile's overrides (``cpus``, ``free_threaded``,
    ``start_method``).  The derived attributes are computed once here because every rule
    reads them and ``advise()`` is meant to cost microseconds.
    """

    __slots__ = (
        "cpus",
        "does_cpu",
        "does_io",
        "environment",
        "free_threaded",
        "gil_bound",
        "many",
        "memo",
        "profile",
        "start_method",
        "tasks",
        "total_seconds",
        "workload",
    )

    profile: TaskProfile
    environment: Environment
    cpus: int
    free_threaded: bool
    start_method: StartMethod
    workload: str
    tasks: int
    #: More than one task: there is something to run at the same time.
    many: bool
    does_io: bool
    does_cpu: bool
    #: The CPU part holds the GIL: pure Python on an interpreter with a GIL.
    gil_bound: bool
    #: Serial duration of the whole batch, when the task duration is known.
    total_seconds: float | None
    #: Values derived once per evaluation and shared by the rules (the cost model's
    #: prediction): per Facts object, so advise() keeps no state between calls.
    memo: dict[str, object]

    def __init__(self, profile: TaskProfile, environment: Environment) -> None:
        self.profile = profile
        self.environment = environment
        self.cpus = environment.cpus
        self.free_threaded = environment.free_threaded
        self.start_method = environment.start_method
        self.workload = profile.workload
        self.tasks = profile.tasks
        self.many = profile.tasks > 1
        self.does_io = profile.workload != "cpu"
        self.does_cpu = profile.workload != "io"
        self.gil_bound = not profile.releases_gil and not environment.free_threaded
        seconds = profile.task_seconds
        self.total_seconds = None if seconds is None else seconds * profile.tasks
        self.memo = {}

    def __repr__(self) -> str:
        return f"Facts(profile={self.profile!r}, environment={self.environment!r})"


@dataclass(frozen=True, slots=True)
class Veto:
    executor: Executor


@dataclass(frozen=True, slots=True)
class Score:
    executor: Executor
    delta: float


@dataclass(frozen=True, slots=True)
class Offload:
    """Send the other kind of work to ``executor`` when the primary choice is in ``primary``."""

    executor: Executor
    primary: frozenset[Executor]
    part: Literal["cpu", "io"] = "cpu"


@dataclass(frozen=True, slots=True)
class Warn:
    """A hazard; ``when`` limits it to recommendations whose executor or offload is in it."""

    message: str
    when: frozenset[Executor] | None = None


@dataclass(frozen=True, slots=True)
class Note:
    """An explanation shown with the reasons, limited like :class:`Warn`."""

    message: str
    when: frozenset[Executor] | None = None


Effect: TypeAlias = Veto | Score | Offload | Warn | Note


@dataclass(frozen=True, slots=True)
class Fired:
    message: str
    effects: tuple[Effect, ...] = ()


Check: TypeAlias = Callable[[Facts], "Fired | None"]


def fire(message: str, *effects: Effect) -> Fired:
    """Shorthand used by rule checks: ``return fire("...", Veto(Executor.THREADS))``."""
    return Fired(message, effects)


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeDoc:
    """The documentation every code carries, engine rules and lint codes alike."""

    id: str
    name: str
    title: str
    guidance: str
    rationale: str
    example: str
    effect: str
    kind: Literal["rule", "lint"] = "rule"

    def __post_init__(self) -> None:
        if not _CODE_RE.match(self.id):
            raise ValueError(f"rule id must be 'CA' and 3 digits, got {self.id!r}")
        if not _GUIDANCE_RE.match(self.guidance):
            raise ValueError(f"{self.id}: guidance must be G1..G13, got {self.guidance!r}")

    @property
    def family(self) -> str:
        return self.id[:3] + "xx"


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule(CodeDoc):
    """One rule of the advice engine: documentation plus a pure ``check``."""

    check: Check = field(repr=False, compare=False)
