"""``--compare-python``: the same probe under two interpreters, and whether free threading helps.

Each interpreter's probe gets half of the budget (the ``--python`` check comes out of its
half).  Speedups are relative to each interpreter's own serial run, so the answer compares
the fastest executor's time *per task* instead: a free-threaded build pays a single-thread
penalty that a speedup hides.  A difference within the two probes' measured spread is no
difference.
"""

from __future__ import annotations

from collections.abc import Callable

from .report import Comparison, ComparisonSide, ProbeReport

__all__ = ["compare_pythons", "free_threading_answer", "side_of"]

#: Runs one probe: (budget, python or None for this interpreter) -> report.
ProbeRun = Callable[[float, str | None], ProbeReport]


def _seconds(value: float) -> str:
    if value < 1e-3:
        return f"{value * 1e6:.0f} µs"
    if value < 1:
        return f"{value * 1e3:.2f} ms"
    return f"{value:.2f} s"


def side_of(report: ProbeReport) -> ComparisonSide:
    """One report, summed up by its fastest executor."""
    if report.python is None:
        raise ValueError("a compared report says which interpreter it ran under")
    best = next((r for r in report.results if r.executor is report.fastest), None)
    tasks = report.tasks_per_round or 0
    per_task = best.wall_seconds / tasks if best and best.wall_seconds and tasks else None
    spread = best.spread_seconds / tasks if best and best.spread_seconds and tasks else None
    return ComparisonSide(
        label=report.python.label,
        python=report.python,
        fastest=report.fastest,
        speedup=best.speedup if best else None,
        per_task_seconds=per_task,
        spread_seconds=spread,
        verdict=report.verdict,
        results=report.results,
    )


def free_threading_answer(sides: list[ComparisonSide]) -> tuple[bool | None, str]:
    """(does the free-threaded build help, one line saying so and why)."""
    builds = [s for s in sides if s.python.free_threaded]
    if not builds:
        return None, "neither interpreter is a free-threaded build: this comparison cannot tell"
    re_enabled = next((s for s in builds if s.python.gil_enabled), None)
    if re_enabled is not None:
        by = re_enabled.python.gil_enabled_by
        why = f"importing {by!r} re-enabled the GIL" if by else "the GIL was enabled"
        return False, (
            f"not as things stand: on {re_enabled.label} {why}, so it ran as a GIL build "
            "(the extension must declare Py_mod_gil)"
        )
    others = [s for s in sides if s.python.gil_enabled]
    if not others:
        return None, "both interpreters run without the GIL: nothing to compare it with"
    free, gil = builds[0], others[0]
    if free.per_task_seconds is None or gil.per_task_seconds is None:
        missing = free if free.per_task_seconds is None else gil
        return None, f"cannot tell: nothing was measured under {missing.label}"
    diff = gil.per_task_seconds - free.per_task_seconds
    noise = (free.spread_seconds or 0.0) + (gil.spread_seconds or 0.0)
    both = (
        f"{_seconds(free.per_task_seconds)} per task on {free.label} ({free.fastest}) against "
        f"{_seconds(gil.per_task_seconds)} on {gil.label} ({gil.fastest})"
    )
    if abs(diff) <= noise:
        return None, f"no clear difference: {both}, within the measured noise"
    if diff > 0:
        ratio = gil.per_task_seconds / free.per_task_seconds
        return True, f"yes, {ratio:.1f}x faster per task: {both}"
    ratio = free.per_task_seconds / gil.per_task_seconds
    return False, f"no, {ratio:.1f}x slower per task: {both}"


def compare_pythons(run: ProbeRun, other: str, budget: float) -> ProbeReport:
    """This interpreter's report with ``comparison`` against ``other``; half the budget each."""
    half = budget / 2
    here = run(half, None)
    there = run(half, other)
    sides = [side_of(here), side_of(there)]
    helps, answer = free_threading_answer(sides)
    comparison = Comparison(
        sides=sides, budget_seconds_each=half, free_threaded_helps=helps, answer=answer
    )
    return here.model_copy(
        update={
            "comparison": comparison,
            "budget_seconds": budget,
            "elapsed_seconds": round(here.elapsed_seconds + there.elapsed_seconds, 4),
        }
    )
