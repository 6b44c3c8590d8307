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
from ..errors import BudgetError, TargetError
from ..profile import TASKS_MAX, TaskProfile
from ..targetspec import parse_target
from ._runner import INPUTS_SHARE
from .inference import infer_profile
from .interpreter import (
    CHECK_TIMEOUT_SECONDS,
    Interpreter,
    PythonInfo,
    check_interpreter,
    resolve_executable,
)
from .planning import MAX_TASKS
from .report import ProbeReport, build_report
from .selection import select_executors
from .session import RunConfig, measure
from .startup_costs import with_measured_startup
from .targets import spec_for_callable

__all__ = ["probe", "probe_target", "run_probe"]

#: Under ``--python``, the measurement needs at least this much of the budget after the check.
MIN_MEASURE_SECONDS = 0.5


def _check_overrides(overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Validate overrides before spending the budget (raises pydantic.ValidationError)."""
    data = dict(overrides or {})
    TaskProfile.model_validate({"workload": "cpu", **data})
    return data


def _check_numbers(tasks: int | None, workers: int | None, budget: float) -> None:
    """Refuse bad numbers before measuring (``tasks`` is bounded as the profile bounds it)."""
    for name, value in (("tasks", tasks), ("workers", workers)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 1
        ):
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    if tasks is not None and tasks > TASKS_MAX:
        shown = str(tasks) if tasks.bit_length() < 64 else f"a {tasks.bit_length()}-bit number"
        raise ValueError(f"tasks must be at most {TASKS_MAX} (as in a profile), got {shown}")
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


def _foreign_sys_path(entries: Sequence[str]) -> tuple[str, ...]:
    """This interpreter's ``sys.path`` without its own installation (stdlib, site-packages).

    Another interpreter gets the user's directories only: compiled packages of this one
    would shadow its own.
    """
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    kept: list[str] = []
    for entry in entries:
        real = os.path.realpath(entry)
        if "site-packages" in real or "dist-packages" in real:
            continue
        if any(real == p or real.startswith(p + os.sep) for p in prefixes):
            continue
        kept.append(entry)
    return tuple(kept)


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
    python: str | None = None,
    setup: str | None = None,
    executors: Sequence[str] | str | None = None,
    scheduler: str | None = None,
) -> ProbeReport:
    """The probe behind :func:`probe_target`, :func:`probe` and the CLI.

    ``inputs`` names a factory (``MODULE:FACTORY``) run in the isolated runner; ``calls``
    gives the per-task argument tuples directly (they are pickled to the runner).
    ``python`` runs the runner under that interpreter (any executable): it is checked first
    (:func:`~.interpreter.check_interpreter`, at most a share of the budget), and the
    measurement gets what is left of ``budget``.  ``setup`` (``MODULE:FUNC``) is called once
    per worker before timing; the target reads its result with
    :func:`concadvisor.worker_state` (docs/probe.md, "Per-worker setup").  ``executors``
    names the executors to measure (a list or ``"serial,processes,dask"``; default: every
    one but dask, see :func:`~.selection.select_executors`); ``scheduler`` is a Dask
    scheduler address for the dask executor (default: a LocalCluster the probe starts and
    stops).
    """
    parse_target(target)
    selected = select_executors(executors, scheduler=scheduler)
    if inputs is not None:
        parse_target(inputs)
    if setup is not None:
        try:
            parse_target(setup)
        except TargetError as exc:
            raise TargetError(f"--setup: {exc}") from None
    _check_numbers(tasks, workers, budget)
    extra = _check_overrides(overrides)
    env = detect_environment()
    directory = _directory(cwd)
    default_start_method: str = env.start_method
    measure_budget = float(budget)
    executable: str | None = None
    checked: Interpreter | None = None
    sys_path = tuple(p for p in sys.path if p and os.path.isabs(p))
    if python is not None:
        started = time.monotonic()
        executable = resolve_executable(python)
        checked = check_interpreter(
            executable, directory, timeout=min(CHECK_TIMEOUT_SECONDS, measure_budget)
        )
        default_start_method = checked.start_method
        measure_budget = round(measure_budget - (time.monotonic() - started), 2)
        if measure_budget < MIN_MEASURE_SECONDS:
            raise BudgetError(
                f"checking --python {python} took {budget - measure_budget:.1f} s of the "
                f"{budget:g} s budget: give a larger --budget"
            )
        sys_path = _foreign_sys_path(sys_path)
    start_method = str(extra.get("start_method") or default_start_method)
    config = RunConfig(
        spec=target,
        cwd=directory,
        budget=measure_budget,
        cpus=env.cpus,
        start_method=start_method,
        args=tuple(args),
        kwargs=dict(kwargs or {}),
        inputs=inputs,
        calls=tuple(tuple(c) for c in calls) if calls is not None else None,
        tasks=tasks,
        workers=workers,
        sys_path=sys_path,
        python=executable,
        setup=setup,
        executors=selected,
        scheduler=scheduler,
    )
    try:
        if progress:
            from .display import progress_display

            with progress_display(budget) as update:
                measurements = measure(config, update)
        else:
            measurements = measure(config)
    except BudgetError as exc:
        if python is None:
            raise
        raise BudgetError(
            f"{exc} (what was left of {budget:g} s after checking --python {python})"
        ) from None
    python_info = _python_info(measurements.python, checked, env.free_threaded)
    # Advice follows the GIL as measured: after the target's import, under that interpreter.
    free_threaded = not python_info.gil_enabled
    profile = infer_profile(
        measurements,
        cpus=env.cpus,
        start_method=start_method,
        free_threaded=free_threaded,
        overrides={
            "free_threaded": free_threaded,
            "task_seconds_free_threaded": free_threaded,
            **extra,
        },
        tasks=tasks,
    )
    # The pools' start-up as measured here, with the target imported (forkserver and spawn
    # workers re-import it), is what the recommendation's cost model charges.
    costs = with_measured_startup(measurements, env.costs, profile.start_method or env.start_method)
    recommendation = advise(profile, environment=env.model_copy(update={"costs": costs}))
    return build_report(
        measurements,
        profile,
        recommendation,
        budget=float(budget),
        overrides=list(extra),
        tasks_assumed=tasks is None and "tasks" not in extra,
        python=python_info,
    )


def _python_info(
    reported: PythonInfo | None, checked: Interpreter | None, gil_free: bool
) -> PythonInfo:
    """What the runner said about its interpreter; when it said nothing (it never got as
    far as the import), what is known without it: the checked ``--python``, or this one."""
    if reported is not None:
        return reported.model_copy(
            update={"executable": checked.executable if checked is not None else None}
        )
    if checked is not None:
        return PythonInfo(
            version=".".join(map(str, checked.version)),
            implementation=checked.implementation,
            free_threaded=checked.free_threaded_build,
            gil_enabled=not checked.free_threaded_build,
            executable=checked.executable,
        )
    import platform

    return PythonInfo(
        version=platform.python_version(),
        implementation=platform.python_implementation().lower(),
        free_threaded=gil_free,
        gil_enabled=not gil_free,
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
    setup: str | None = None,
    inputs: str | None = None,
    executors: Sequence[str] | str | None = None,
    scheduler: str | None = None,
) -> ProbeReport:
    """Probe the callable named by ``target`` (``pkg.mod:func``, ``path/file.py:func``).

    >>> report = probe_target("examples.workloads:cpu_bound", budget=3)  # doctest: +SKIP
    >>> report.fastest, report.verdict  # doctest: +SKIP
    (<Executor.PROCESSES: 'processes'>, 'confirmed')

    The function runs in an isolated process group that is killed at the end (and on a
    hang, at ``budget`` + a little); ``overrides`` are TaskProfile fields that replace the
    measured ones.  Raises :class:`concadvisor.errors.TargetError` when the target cannot be
    imported, ``pydantic.ValidationError`` for invalid overrides and ``ValueError`` for a
    non-positive ``tasks``, ``workers`` or ``budget`` (or ``tasks`` above a profile's
    10**12).  ``inputs`` names a factory of
    per-task argument tuples (``MODULE:FACTORY``), ``setup`` a per-worker setup
    (``MODULE:FUNC``, read back with :func:`concadvisor.worker_state`); an unknown
    executor is a ``ValueError`` too.  ``executors`` and ``scheduler``: as ``probe
    --executors`` and ``--scheduler``.
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
        setup=setup,
        inputs=inputs,
        executors=executors,
        scheduler=scheduler,
    )


def _setup_spec(setup: Callable[[], Any] | str | None) -> str | None:
    """``setup`` as ``MODULE:FUNC``: a string as given, a callable by its import name."""
    if setup is None or isinstance(setup, str):
        return setup
    return spec_for_callable(setup)


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
    setup: Callable[[], Any] | str | None = None,
    executors: Sequence[str] | str | None = None,
    scheduler: str | None = None,
) -> ProbeReport:
    """Measure ``func`` under serial, threads, processes and asyncio; compare with advice.

    >>> from concadvisor import probe  # doctest: +SKIP
    >>> report = probe(my_module.crunch, args=(10_000,), budget=5)  # doctest: +SKIP
    >>> report.verdict  # doctest: +SKIP
    'confirmed'

    ``func`` must be importable again by module and name (a module-level function, a
    staticmethod or classmethod): it runs in a fresh, isolated process.  ``inputs`` gives
    per-task argument tuples instead of ``args``/``kwargs``; at most a round's worth is
    taken from it (an endless generator is fine).  ``setup`` (a callable importable by
    name, or ``"MODULE:FUNC"``) is called once per worker -- thread, process, event loop --
    before timing; ``func`` reads its result with :func:`concadvisor.worker_state`.
    """
    spec = spec_for_callable(func)
    setup_spec = _setup_spec(setup)
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
        setup=setup_spec,
        executors=executors,
        scheduler=scheduler,
    )
