"""Does the measurement confirm the recommendation?  Pure functions over summaries.

- ``confirmed``: the recommended executor was the fastest, or within noise of it;
- ``contradicted``: it was measurably slower than the fastest (beyond the noise), or it
  failed or hung -- with the measured reason in plain words;
- ``inconclusive``: the noise rules -- the recommended executor is tied with the fastest or
  the runner-up but the rounds are too noisy (relative spread above
  :data:`NOISY_RELATIVE_SPREAD`) for the tie to mean anything -- or the recommended executor
  could not be measured at all (skipped) or nothing could -- or the recommendation's width
  (``workers``) is not the width the probe ran it with: a speed comparison at another width
  neither confirms nor contradicts it (a failure or a hang still contradicts it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from ..profile import Executor
from .stats import Summary, within_noise

__all__ = [
    "NOISY_RELATIVE_SPREAD",
    "PARALLEL_FREE_CPUS",
    "Decision",
    "Measured",
    "Verdict",
    "at_best",
    "comparable",
    "decide",
    "explain_gap",
    "under_contention",
    "width_measured",
]

Verdict = Literal["confirmed", "contradicted", "inconclusive"]

#: Above this spread/median, a tie says nothing.
NOISY_RELATIVE_SPREAD = 0.2
#: Below this many free CPUs, no parallel executor can show a speedup on CPU work.
PARALLEL_FREE_CPUS = 1.5


@dataclass(frozen=True)
class Measured:
    """What the verdict needs to know about one executor."""

    executor: str
    status: str
    reason: str | None
    summary: Summary | None
    speedup: float | None
    cpu_use: float | None
    #: Pool size / concurrency it ran with (None: not known).
    workers: int | None = None
    #: Widths the width sweep measured it at (unbounded asyncio as the tasks it ran).
    swept: tuple[int, ...] = ()
    #: Seconds per task at its best measured width (main rounds or sweep), and that width:
    #: what :func:`decide` compares executors by when every ok result has one.
    best: Summary | None = None
    best_workers: int | None = None
    best_speedup: float | None = None


def at_best(result: Measured) -> Measured:
    """``result`` as compared at its best measured width (itself when that is unknown)."""
    if result.best is None:
        return result
    return replace(
        result,
        summary=result.best,
        speedup=result.best_speedup,
        workers=result.best_workers if result.best_workers is not None else result.workers,
    )


def comparable(results: list[Measured]) -> list[Measured]:
    """Every result at its best measured width, if every ok one has that basis; else as is.

    Mixing the two bases (seconds per task and seconds per round) would compare nothing.
    """
    ok = [r for r in results if r.status == "ok" and r.summary is not None]
    if not ok or any(r.best is None for r in ok):
        return results
    return [at_best(r) for r in results]


def width_measured(result: Measured | None, recommended_workers: int | None) -> bool:
    """Whether ``result`` ran with the recommended width (serial has only one), in the
    main rounds or in the width sweep.

    ``recommended_workers`` None: the caller has no width to check.
    """
    if result is not None and result.executor == Executor.SERIAL.value:
        return True
    if recommended_workers is None:
        return True
    return result is not None and (
        result.workers == recommended_workers or recommended_workers in result.swept
    )


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: str
    fastest: str | None
    fastest_clear: bool
    runner_up: str | None


def _ranked(results: list[Measured]) -> list[Measured]:
    ok = [r for r in results if r.status == "ok" and r.summary is not None]
    return sorted(ok, key=lambda r: r.summary.median if r.summary else 0.0)


def _speed(result: Measured) -> str:
    if result.speedup is None:
        return ""
    return f"{result.speedup:.1f}x serial"


def _noisy(*summaries: Summary | None) -> bool:
    return any(s is not None and s.relative_spread > NOISY_RELATIVE_SPREAD for s in summaries)


def explain_gap(
    fastest: Measured,
    recommended: Measured,
    workload: str,
    payload_bytes: int | None,
    task_seconds: float | None,
) -> str:
    """Plain words for why ``fastest`` beat the recommended executor."""
    f, r = fastest.executor, recommended.executor
    if f == Executor.SERIAL:
        head = f"serial was fastest, {recommended.executor} reached only {_speed(recommended)}"
    else:
        head = f"{f} ran {fastest.speedup or 0:.1f}x faster than serial"
        if r != Executor.SERIAL and recommended.speedup is not None:
            head += f" ({r}: {recommended.speedup:.1f}x)"
    cause = ""
    if f == Executor.THREADS and workload != "io" and (fastest.cpu_use or 0) >= 1.3:
        cause = "this CPU work releases the GIL"
    elif (
        f in (Executor.THREADS, Executor.ASYNCIO)
        and workload != "cpu"
        and r in (Executor.SERIAL, Executor.PROCESSES)
    ):
        cause = "the task mostly waits, and the waiting overlaps"
    elif (
        f == Executor.PROCESSES
        and r in (Executor.THREADS, Executor.ASYNCIO, Executor.SERIAL)
        and workload != "io"
    ):
        cause = "this work holds the GIL, so only processes ran it in parallel"
    elif f == Executor.ASYNCIO and r == Executor.THREADS:
        cause = "coroutines overlapped the waiting with less overhead than threads"
    elif f == Executor.THREADS and r == Executor.ASYNCIO:
        cause = "the thread pool overlapped the work better than the event loop"
    elif f == Executor.SERIAL:
        per_task = f"{task_seconds * 1e3:.2g} ms" if task_seconds else "the work"
        cause = f"the overhead of {r} (start, dispatch, pickling) outweighs {per_task} per task"
    if (
        r == Executor.PROCESSES
        and f != Executor.PROCESSES
        and payload_bytes
        and payload_bytes > 1_000_000
    ):
        cause = (cause + "; " if cause else "") + (
            f"processes pickle {payload_bytes / 1e6:.1f} MB per task"
        )
    return f"{head}: {cause}" if cause else head


def decide(
    results: list[Measured],
    recommended: str,
    *,
    workload: str = "cpu",
    payload_bytes: int | None = None,
    task_seconds: float | None = None,
    recommended_workers: int | None = None,
) -> Decision:
    """The verdict for ``recommended`` (with ``recommended_workers``) given every measurement.

    Executors are compared at their best measured widths (:func:`comparable`): the fastest
    is the fastest of what each one did best, not of the widths planned before the sweep.
    "confirmed" still needs the recommended width to have been measured.
    """
    decision = _decide_executor(
        comparable(results),
        recommended,
        workload=workload,
        payload_bytes=payload_bytes,
        task_seconds=task_seconds,
    )
    rec = next((r for r in results if r.executor == recommended), None)
    if rec is None or rec.status != "ok" or width_measured(rec, recommended_workers):
        return decision
    return Decision(
        "inconclusive",
        f"recommended width not measured: {recommended} ran with {rec.workers} workers, "
        f"the recommendation is {recommended_workers} (measured with {rec.workers}: "
        f"{decision.reason})",
        decision.fastest,
        decision.fastest_clear,
        decision.runner_up,
    )


def _decide_executor(
    results: list[Measured],
    recommended: str,
    *,
    workload: str,
    payload_bytes: int | None,
    task_seconds: float | None,
) -> Decision:
    """The verdict for the recommended executor at the width it was measured with."""
    ranked = _ranked(results)
    if not ranked:
        serial = next((r for r in results if r.executor == Executor.SERIAL), None)
        if serial is not None and serial.status in ("failed", "timeout") and serial.reason:
            why = f"nothing to compare: under serial the function {serial.status}: {serial.reason}"
        else:
            why = "no executor completed a round"
        return Decision("inconclusive", why, None, False, None)
    fastest = ranked[0]
    runner = ranked[1] if len(ranked) > 1 else None
    clear = runner is None or not within_noise(_s(fastest), _s(runner))
    runner_name = runner.executor if runner is not None else None
    by_name = {r.executor: r for r in results}
    rec = by_name.get(recommended)
    f = fastest.executor
    if rec is None or rec.status == "skipped":
        why = rec.reason if rec is not None and rec.reason else "not measured"
        return Decision(
            "inconclusive",
            f"the recommended {recommended} could not be measured: {why}",
            f,
            clear,
            runner_name,
        )
    if rec.status in ("failed", "timeout"):
        what = "failed" if rec.status == "failed" else "timed out"
        return Decision(
            "contradicted",
            f"the recommended {recommended} {what}: {rec.reason}",
            f,
            clear,
            runner_name,
        )
    if rec.executor == f:
        if clear:
            lead = f" ahead of {runner_name}" if runner_name else ""
            return Decision(
                "confirmed", f"{f} was the fastest ({_speed(fastest)}){lead}", f, True, runner_name
            )
        assert runner is not None
        if _noisy(fastest.summary, runner.summary):
            return Decision(
                "inconclusive",
                f"{f} had the best median but {runner_name} was within the noise, and the "
                "rounds were too noisy to tell them apart (try a larger --budget)",
                f,
                False,
                runner_name,
            )
        return Decision(
            "confirmed",
            f"{f} was the fastest ({_speed(fastest)}), {runner_name} within noise of it",
            f,
            False,
            runner_name,
        )
    if within_noise(_s(rec), _s(fastest)):
        if _noisy(rec.summary, fastest.summary):
            return Decision(
                "inconclusive",
                f"{recommended} and the fastest, {f}, were within the noise of each other, and "
                "the rounds were too noisy to tell them apart (try a larger --budget)",
                f,
                clear,
                runner_name,
            )
        return Decision(
            "confirmed",
            f"{recommended} was within noise of the fastest, {f} "
            f"({_speed(rec)} against {_speed(fastest)})",
            f,
            clear,
            runner_name,
        )
    return Decision(
        "contradicted",
        explain_gap(fastest, rec, workload, payload_bytes, task_seconds),
        f,
        clear,
        runner_name,
    )


def _s(result: Measured) -> Summary:
    assert result.summary is not None
    return result.summary


def under_contention(
    decision: Decision, free_cpus: float | None, usable_cpus: int, workload: str
) -> Decision:
    """``decision``, made inconclusive when too few CPUs were free for it to mean anything.

    With fewer than :data:`PARALLEL_FREE_CPUS` CPUs free (of two or more usable), a
    parallel executor could not have won on work that computes, so neither a confirmation
    nor a contradiction among executors says anything.  Waiting work (``io``) overlaps
    without free CPUs, and an inconclusive verdict stays as it is.
    """
    if (
        free_cpus is None
        or usable_cpus < 2
        or free_cpus >= PARALLEL_FREE_CPUS
        or workload == "io"
        or decision.verdict == "inconclusive"
    ):
        return decision
    return Decision(
        "inconclusive",
        f"only {free_cpus:.1f} CPUs were free, so no parallel executor could "
        f"show its speedup (measured: {decision.reason})",
        decision.fastest,
        decision.fastest_clear,
        decision.runner_up,
    )
