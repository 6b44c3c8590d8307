"""``--probe``: measure each task's target and report when it contradicts the declaration.

The probe (``concadvisor.probing``) is imported lazily: linting without ``--probe`` never
loads it, and an installation without it reports CA351 instead of failing.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

from ..profile import Executor
from .codes import CA350, CA351
from .diagnostics import Diagnostic
from .profiles import TaskDecl

__all__ = ["CLEARLY_FASTER", "probe_task"]

#: The fastest executor must beat the declared one by this factor to contradict it: the
#: probe's budget is small, so small differences are noise.
CLEARLY_FASTER = 1.25

ProbeFunction = Callable[..., Any]

#: The widest pool ``--probe`` starts (as ``concadvisor probe --workers``).
MAX_PROBE_WORKERS = 1024


def _load_probe() -> ProbeFunction | None:
    """``concadvisor.probing.probe_target``, or None when this installation lacks it."""
    try:
        module = importlib.import_module("concadvisor.probing")
    except ImportError:
        return None
    function: ProbeFunction | None = getattr(module, "probe_target", None)
    return function


def probe_task(decl: TaskDecl, budget: float) -> list[Diagnostic]:
    """Run the probe on ``decl``'s target (its spec must be valid) and compare."""
    executor = decl.executor
    target = decl.table.get("target")
    if executor is None or decl.target is None or not isinstance(target, str):
        return []
    where = decl.location("executor")

    def failed(reason: str) -> list[Diagnostic]:
        return [
            CA351.finding(decl.location("target"), task=decl.name, target=target, reason=reason)
        ]

    if decl.workers is not None and decl.workers > MAX_PROBE_WORKERS:
        return failed(
            f"workers = {decl.workers} is more than the probe starts ({MAX_PROBE_WORKERS})"
        )
    if decl.probe is None:  # an invalid args/kwargs/inputs/setup, already a finding
        return []
    probe_target = _load_probe()
    if probe_target is None:
        return failed("the probe is not available in this installation")
    call = decl.probe
    sys.stderr.write(f"concadvisor lint: probing task {decl.name} ({target}), {budget:g} s\n")
    sys.stderr.flush()
    try:
        report = probe_target(
            target,
            args=call.args,
            kwargs=call.kwargs,
            inputs=call.inputs,
            setup=call.setup,
            workers=decl.workers,
            budget=budget,
            cwd=decl.config.path.parent,
            progress=False,
        )
    except Exception as exc:  # the probe runs user code: report, never crash the linter
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return failed(message)
    if getattr(report, "exit_code", 0) == 1:  # failed or hung under serial, or everywhere
        return failed(_run_failure(getattr(report, "results", [])))
    fastest: Executor | None = getattr(report, "fastest", None)
    if fastest is None or fastest is executor:
        return []
    results = {item.executor: item for item in getattr(report, "results", [])}
    best = results.get(fastest)
    declared = results.get(executor)
    best_speedup = float(getattr(best, "speedup", None) or 0.0)
    if declared is None or getattr(declared, "status", "ok") != "ok":
        status = getattr(declared, "status", "not measured")
        reason = getattr(declared, "reason", None)
        detail = f"{status}: {reason}" if reason else status
        outcome = f"did not complete ({detail})"
    else:
        declared_speedup = float(getattr(declared, "speedup", None) or 0.0)
        if best_speedup < declared_speedup * CLEARLY_FASTER:
            return []
        outcome = f"{declared_speedup:.2f}x"
    return [
        CA350.finding(
            where,
            task=decl.name,
            fastest=fastest.value,
            speedup=f"{best_speedup:.2f}",
            declared=executor.value,
            outcome=outcome,
        )
    ]


def _run_failure(results: Any) -> str:
    """Why no measurement could be compared: the first executor that failed or hung."""
    for item in results:
        status = getattr(item, "status", None)
        if status in ("failed", "timeout"):
            name = getattr(getattr(item, "executor", None), "value", "?")
            reason = getattr(item, "reason", None)
            return f"{name} {status}: {reason}" if reason else f"{name} {status}"
    return "the function could not run under any executor"
