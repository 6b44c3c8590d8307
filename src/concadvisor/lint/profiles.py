"""Checks of one declared task table: schema (CA30x), advice (CA31x), hazards (CA32x)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import ValidationError

from ..advice import Recommendation, advise
from ..environment import Environment, detect_environment
from ..profile import Executor, TaskProfile
from ..profile_files import LINT_ONLY_KEYS
from ..validation import describe_error, did_you_mean
from .codes import (
    CA302,
    CA303,
    CA304,
    CA310,
    CA311,
    CA320,
    CA321,
    CA322,
    CA323,
    CA324,
    CA325,
    CA326,
    CA401,
    LintCode,
)
from .diagnostics import Diagnostic, Location
from .document import ConfigFile
from .settings import check_selectors
from .targets import TargetSpec, parse_target
from .tomlpos import KeyPath

__all__ = ["ProbeCall", "TaskDecl", "check_task"]


class Report(Protocol):
    """Report ``code`` at ``field`` of the task (None: the table), with its message fields."""

    def __call__(self, field: str | None, code: LintCode, /, **values: Any) -> None: ...


_PROFILE_FIELDS = tuple(TaskProfile.model_fields)
_TASK_KEYS = (*_PROFILE_FIELDS, *sorted(LINT_ONLY_KEYS))
_EXECUTORS = tuple(e.value for e in Executor)
#: A thread pool above this size is not "bounded" for CA321's thousands of tasks.
BOUNDED_POOL = 100
#: The engine rules whose firing makes a declared executor hazardous (CA321-CA325).
MANY_CONCURRENT_IO = "CA205"
MUTABLE_STATE_THREADS = "CA601"
NOT_PICKLABLE = "CA501"
MUTABLE_STATE_PROCESSES = "CA602"


@dataclass(frozen=True, slots=True)
class ProbeCall:
    """How ``lint --probe`` calls a task's target: the probe's ``--args``, ``--kwargs``,
    ``--inputs`` and ``--setup``, from the table's keys of those names."""

    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    inputs: str | None = None
    setup: str | None = None


@dataclass(frozen=True, slots=True)
class TaskDecl:
    """A declared task after validation; fields are None where the declaration is invalid."""

    config: ConfigFile
    name: str
    key: KeyPath  # relative to the config's root: ("tasks", NAME)
    table: dict[str, Any]
    executor: Executor | None
    workers: int | None
    target: TargetSpec | None
    ignore: tuple[str, ...]
    profile: TaskProfile | None
    #: None: one of ``args``, ``kwargs``, ``inputs``, ``setup`` is invalid (reported).
    probe: ProbeCall | None = ProbeCall()

    def location(self, field: str | None = None) -> Location:
        path = self.key if field is None else (*self.key, field)
        return self.config.location(path)


def check_task(
    config: ConfigFile,
    name: str,
    table: dict[str, Any],
    out: list[Diagnostic],
    environment: Environment | None = None,
) -> TaskDecl:
    """Validate ``table`` and check it against the advice; findings go to ``out``."""
    key: KeyPath = ("tasks", name)

    def report(field: str | None, code: LintCode, /, **values: Any) -> None:
        path = key if field is None else (*key, field)
        out.append(code.finding(config.location(path), task=name, **values))

    executor = _executor(table, report)
    workers = _workers(table, report)
    target = _target(table, report)
    ignore: tuple[str, ...] = ()
    if "ignore" in table:
        local: list[Diagnostic] = []
        ignore = check_selectors(config, table["ignore"], (*key, "ignore"), "ignore", local)
        out.extend(_with_task(d, name) for d in local)
    profile = _profile(table, name, report)
    probe = _probe_call(table, report)
    decl = TaskDecl(config, name, key, table, executor, workers, target, ignore, profile, probe)
    if profile is not None and executor is not None:
        env = environment or detect_environment()
        recommendation = advise(profile, environment=env)
        _check_advice(decl, recommendation, report)
        _check_hazards(decl, recommendation, report)
    return decl


def _with_task(diagnostic: Diagnostic, task: str) -> Diagnostic:
    return Diagnostic(
        diagnostic.location,
        diagnostic.code,
        diagnostic.message,
        diagnostic.severity,
        task,
        diagnostic.related,
    )


def _executor(table: dict[str, Any], report: Report) -> Executor | None:
    if "executor" not in table:
        report(None, CA304, key="executor", what="what the code uses today")
        return None
    value = table["executor"]
    if isinstance(value, str) and value in _EXECUTORS:
        return Executor(value)
    hint = did_you_mean(value, _EXECUTORS) if isinstance(value, str) else ""
    choices = ", ".join(_EXECUTORS)
    report(
        "executor",
        CA303,
        key="executor",
        problem=f"expected one of {choices}, got {value!r:.60} ({type(value).__name__}){hint}",
    )
    return None


def _workers(table: dict[str, Any], report: Report) -> int | None:
    if "workers" not in table:
        return None
    value = table["workers"]
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    report(
        "workers",
        CA303,
        key="workers",
        problem=f"expected an integer >= 1, got {value!r:.60} ({type(value).__name__})",
    )
    return None


def _target(table: dict[str, Any], report: Report) -> TargetSpec | None:
    if "target" not in table:
        return None
    value = table["target"]
    if not isinstance(value, str):
        report(
            "target",
            CA303,
            key="target",
            problem=f"expected a string such as 'pkg.mod:func', got {value!r:.60} "
            f"({type(value).__name__})",
        )
        return None
    spec = parse_target(value)
    if spec is None:
        report("target", CA401, spec=f"{value!r:.60}")
    return spec


def _spec_key(table: dict[str, Any], key: str, report: Report) -> tuple[bool, str | None]:
    """(valid, value) of a ``MODULE:FUNC`` key (``inputs``, ``setup``); absent is valid."""
    if key not in table:
        return True, None
    value = table[key]
    if isinstance(value, str) and parse_target(value) is not None:
        return True, value
    report(
        key,
        CA303,
        key=key,
        problem=f"expected 'pkg.mod:func' or 'path/to/file.py:func', got {value!r:.60} "
        f"({type(value).__name__})",
    )
    return False, None


#: The call's own keys: (key, the type TOML gives it, how a finding names that type).
_CALL_KEYS: tuple[tuple[str, type, str], ...] = (
    ("args", list, "an array of positional arguments"),
    ("kwargs", dict, "a table of keyword arguments"),
)


def _probe_call(table: dict[str, Any], report: Report) -> ProbeCall | None:
    """The probe's arguments from ``args``, ``kwargs``, ``inputs`` and ``setup``; None if
    any of them is invalid (each problem reported at its key)."""
    valid = True
    for key, kind, what in _CALL_KEYS:
        value = table.get(key)
        if value is not None and not isinstance(value, kind):
            problem = f"expected {what}, got {type(value).__name__}"
            report(key, CA303, key=key, problem=problem)
            valid = False
    inputs_ok, inputs = _spec_key(table, "inputs", report)
    setup_ok, setup = _spec_key(table, "setup", report)
    valid = valid and inputs_ok and setup_ok
    if inputs is not None and ("args" in table or "kwargs" in table):
        report(
            "inputs",
            CA303,
            key="inputs",
            problem="give either inputs (a factory of every call's arguments) or args/kwargs",
        )
        valid = False
    if not valid:
        return None
    return ProbeCall(tuple(table.get("args", ())), dict(table.get("kwargs", {})), inputs, setup)


def _profile(table: dict[str, Any], name: str, report: Report) -> TaskProfile | None:
    data = {k: v for k, v in table.items() if k not in LINT_ONLY_KEYS}
    data.setdefault("name", name)
    try:
        return TaskProfile.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            field, message = describe_error(error)
            top = str(error["loc"][0]) if error["loc"] else None
            kind = error["type"]
            if kind == "extra_forbidden":
                hint = did_you_mean(field, _TASK_KEYS)
                report(top, CA302, kind="field", key=field, where=f"task {name}", hint=hint)
            elif kind == "missing":
                report(None, CA304, key=field, what="the kind of work (io, cpu or mixed)")
            else:
                # describe_error spells "FIELD: problem"; the code's template adds the field.
                report(top, CA303, key=field, problem=message.removeprefix(f"{field}: "))
        return None


def _ranked(rec: Recommendation, executor: Executor) -> int:
    return next(i for i, item in enumerate(rec.ranking, 1) if item.executor is executor)


def _rules_for(rec: Recommendation, declared: Executor) -> list[str]:
    """Ids of the rules that favour the recommendation over the declared executor."""
    return rec.rules_favouring(declared) or [r.rule_id for r in rec.reasons]


def _check_advice(decl: TaskDecl, rec: Recommendation, report: Report) -> None:
    declared = decl.executor
    assert declared is not None
    if declared is rec.executor:
        return
    ranked = next(item for item in rec.ranking if item.executor is declared)
    rules = ", ".join(_rules_for(rec, declared))
    if not ranked.viable:
        vetoes = ", ".join(ranked.vetoed_by)
        report(
            "executor",
            CA310,
            declared=declared.value,
            vetoes=vetoes,
            recommended=rec.executor.value,
            rules=rules,
        )
    else:
        place = _ranked(rec, declared)
        report(
            "executor",
            CA311,
            declared=declared.value,
            recommended=rec.executor.value,
            rules=rules,
            place=place,
            count=len(rec.ranking),
        )


def _check_hazards(decl: TaskDecl, rec: Recommendation, report: Report) -> None:
    """CA32x.  Where the engine already decides a hazard, the finding follows the rule as
    ``advise`` fired it (its reasons) instead of restating its conditions here:
    CA321 <- CA205, CA323 <- CA601, CA324 <- CA501, CA325 <- CA602."""
    profile, executor, workers = decl.profile, decl.executor, decl.workers
    assert profile is not None
    assert executor is not None
    fired = {reason.rule_id for reason in rec.reasons}
    cpus = rec.environment.cpus
    if (
        executor is Executor.PROCESSES
        and profile.workload == "cpu"
        and workers is not None
        and workers > cpus
    ):
        report("workers", CA320, workers=workers, cpus=cpus)
    if (
        executor is Executor.THREADS
        and MANY_CONCURRENT_IO in fired
        and (workers is None or workers > BOUNDED_POOL)
    ):
        pool = "without a bounded pool" if workers is None else f"with workers = {workers}"
        where = "workers" if workers is not None else "tasks"
        report(where, CA321, tasks=profile.tasks, pool=pool, bound=BOUNDED_POOL)
    if executor is Executor.ASYNCIO and profile.workload != "cpu" and not profile.async_libraries:
        report("async_libraries" if "async_libraries" in decl.table else "executor", CA322)
    if executor is Executor.THREADS and MUTABLE_STATE_THREADS in fired:
        report("shared_state", CA323)
    if executor is Executor.PROCESSES and NOT_PICKLABLE in fired:
        report("picklable", CA324)
    if executor is Executor.PROCESSES and MUTABLE_STATE_PROCESSES in fired:
        report("shared_state", CA325)
    if executor is Executor.SERIAL and workers is not None and workers > 1:
        report("workers", CA326, workers=workers)
