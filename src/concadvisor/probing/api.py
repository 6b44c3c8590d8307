"""The probe's Python API: :func:`probe` (a callable) and :func:`probe_target` (a spec)."""

from __future__ import annotations

import itertools
import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..advice import advise
from ..environment import detect_environment
from ..errors import TargetError
from ..profile import TaskProfile
from ..targetspec import parse_target
from ._runner import INPUTS_SHARE
from .inference import infer_profile
from .planning import MAX_TASKS
from .report import ProbeReport, build_report
from .session import RunConfig, measure
from .targets import spec_for_callable

__all__ = ["probe", "probe_target", "run_probe"]


def _check_overrides(overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Validate overrides before spending the budget (raises pydantic.ValidationError)."""
    data = dict(overrides or {})
    TaskProfile.model_validate({"workload": "cpu", **data})
    return data


def _check_numbers(tasks: int | None, workers: int | None, budget: float) -> None:
    for name, value in (("tasks", tasks), ("workers", workers)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 1
        ):
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    if (
        isinstance(budget, bool)
        or not isinstance(budget, (int, float))
        or not math.isfinite(budget)
        or budget <= 0
    ):
        raise ValueError(f"budget must be a number of seconds > 0, got {budget!r}")


def _directory(cwd: str | Path | None) -> str:
    """The directory the target is imported from; TargetError if it does not exist."""
    try:
        path = Path(cwd).resolve() if cwd is not None else Path(os.getcwd())
    except OSError:  # os.getcwd() of a deleted directory
        raise TargetError("the current directory no longer exists: cd to a real one") from None
    if not path.is_dir():
        raise TargetError(f"cannot probe from {str(path)!r}: no such directory")
    return str(path)


def _take_inputs(inputs: Iterable[Sequence[Any]], budget: float) -> list[tuple[Any, ...]]:
    """At most a round's worth of argument tuples, taking at most a quarter of the budget.

    An endless generator is cut, never drained (a round holds at most MAX_TASKS tasks).
    """
    stop = time.monotonic() + budget * INPUTS_SHARE
    calls: list[tuple[Any, ...]] = []
    for item in itertools.islice(inputs, MAX_TASKS):
        calls.append(tuple(item))
        if time.monotonic() > stop:
            break
    return calls


def run_probe(
    target: str,
    *,
    args: Sequence[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
    inputs: str | None = None,
    calls: Sequence[Sequence[Any]] | None = None,
    tasks: int | None = None,
    workers: int | None = None,
    budget: float = 10.0,
    overrides: Mapping[str, Any] | None = None,
    cwd: str | Path | None = None,
    progress: bool = False,
) -> ProbeReport:
    """The probe behind :func:`probe_target`, :func:`probe` and the CLI.

    ``inputs`` names a factory (``MODULE:FACTORY``) run in the isolated runner; ``calls``
    gives the per-task argument tuples directly (they are pickled to the runner).
    """
    parse_target(target)
    if inputs is not None:
        parse_target(inputs)
    _check_numbers(tasks, workers, budget)
    extra = _check_overrides(overrides)
    env = detect_environment()
    start_method = str(extra.get("start_method") or env.start_method)
    directory = _directory(cwd)
    config = RunConfig(
        spec=target,
        cwd=directory,
        budget=float(budget),
        cpus=env.cpus,
        start_method=start_method,
        args=tuple(args),
        kwargs=dict(kwargs or {}),
        inputs=inputs,
        calls=tuple(tuple(c) for c in calls) if calls is not None else None,
        tasks=tasks,
        workers=workers,
        sys_path=tuple(p for p in sys.path if p and os.path.isabs(p)),
    )
    if progress:
        from .display import progress_display

        with progress_display(budget) as update:
            measurements = measure(config, update)
    else:
        measurements = measure(config)
    profile = infer_profile(
        measurements,
        cpus=env.cpus,
        start_method=start_method,
        free_threaded=env.free_threaded,
        overrides=extra,
        tasks=tasks,
    )
    recommendation = advise(profile)
    return build_report(
        measurements,
        profile,
        recommendation,
        budget=float(budget),
        overrides=list(extra),
        tasks_assumed=tasks is None and "tasks" not in extra,
    )


def probe_target(
    target: str,
    *,
    args: Sequence[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
    tasks: int | None = None,
    workers: int | None = None,
    budget: float = 10.0,
    overrides: Mapping[str, Any] | None = None,
    cwd: str | Path | None = None,
    progress: bool = False,
) -> ProbeReport:
    """Probe the callable named by ``target`` (``pkg.mod:func``, ``path/file.py:func``).

    >>> report = probe_target("examples.workloads:cpu_bound", budget=3)  # doctest: +SKIP
    >>> report.fastest, report.verdict  # doctest: +SKIP
    (<Executor.PROCESSES: 'processes'>, 'confirmed')

    The function runs in an isolated process group that is killed at the end (and on a
    hang, at ``budget`` + a little); ``overrides`` are TaskProfile fields that replace the
    measured ones.  Raises :class:`concadvisor.errors.TargetError` when the target cannot be
    imported, ``pydantic.ValidationError`` for invalid overrides and ``ValueError`` for a
    non-positive ``tasks``, ``workers`` or ``budget``.
    """
    return run_probe(
        target,
        args=args,
        kwargs=kwargs,
        tasks=tasks,
        workers=workers,
        budget=budget,
        overrides=overrides,
        cwd=cwd,
        progress=progress,
    )


def probe(
    func: Callable[..., Any],
    *,
    args: Sequence[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
    inputs: Iterable[Sequence[Any]] | None = None,
    tasks: int | None = None,
    workers: int | None = None,
    budget: float = 10.0,
    overrides: Mapping[str, Any] | None = None,
    progress: bool = False,
) -> ProbeReport:
    """Measure ``func`` under serial, threads, processes and asyncio; compare with advice.

    >>> from concadvisor import probe  # doctest: +SKIP
    >>> report = probe(my_module.crunch, args=(10_000,), budget=5)  # doctest: +SKIP
    >>> report.verdict  # doctest: +SKIP
    'confirmed'

    ``func`` must be importable again by module and name (a module-level function, a
    staticmethod or classmethod): it runs in a fresh, isolated process.  ``inputs`` gives
    per-task argument tuples instead of ``args``/``kwargs``; at most a round's worth is
    taken from it (an endless generator is fine).
    """
    spec = spec_for_callable(func)
    _check_numbers(tasks, workers, budget)
    calls = _take_inputs(inputs, float(budget)) if inputs is not None else None
    return run_probe(
        spec,
        args=args,
        kwargs=kwargs,
        calls=calls,
        tasks=tasks,
        workers=workers,
        budget=budget,
        overrides=overrides,
        progress=progress,
    )
