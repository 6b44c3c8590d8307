"""Run the demo: every scenario under every executor, inside one time budget.

The standard rows go through the probe (isolated runner, interleaved rounds, medians); the
two rows the probe cannot express -- 2,000 concurrent connections and asyncio with a
process-pool offload -- run in fresh interpreters of their own.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from ..advice import advise
from ..environment import detect_environment
from ..errors import ConcadvisorError
from ..probing.api import run_probe
from ..probing.report import ProbeReport
from ..probing.stats import Summary, summarize, within_noise
from ..probing.verdict import NOISY_RELATIVE_SPREAD
from ..profile import Executor
from .model import Agreement, Cell, DemoReport, Row
from .scenarios import CONNECTIONS, SCENARIOS, Scenario
from .server import LoopbackServer, start_server

__all__ = ["MIN_BUDGET", "run_demo"]

#: A pool that gains less than this over serial is not worth its complexity.
WORTHWHILE_SPEEDUP = 1.25
#: Below this, rows get too few rounds to say anything.
MIN_BUDGET = 15.0
#: Server latency for the HTTP rows, and for the connections row (long enough that all
#: connections are open at once).
HTTP_DELAY = 0.02
CONNECTIONS_DELAY = 0.5

Progress = Callable[[str, float], None]


def _no_progress(description: str, fraction: float) -> None:
    return None


def _args(scenario: Scenario, url: str) -> tuple[Any, ...]:
    return tuple(url if a == "{url}" else a for a in scenario.args)


def _predicted(scenario: Scenario) -> tuple[str, list[str], str]:
    rec = advise(scenario.profile)
    name = rec.executor.value
    if rec.offload is not None and rec.offload is Executor.PROCESSES:
        name = f"{name}+processes"
    key = rec.rules_favouring()
    return name, key[:3], rec.summary


def _probe_cells(report: ProbeReport) -> list[Cell]:
    cells: list[Cell] = []
    for result in report.results:
        rel = None
        if result.spread_seconds is not None and result.wall_seconds:
            rel = result.spread_seconds / result.wall_seconds
        cells.append(
            Cell(
                executor=result.executor.value,
                status=result.status,
                speedup=result.speedup,
                relative_spread=rel,
                per_task_seconds=result.per_task_seconds,
                reason=result.reason,
                extra={"workers": result.workers} if result.workers else {},
            )
        )
    return cells


def _per_task_summary(samples: list[float], tasks: int) -> Summary:
    return summarize([s / tasks for s in samples])


def _agreement(
    predicted: str, cells: list[Cell], per_task: dict[str, Summary]
) -> tuple[str | None, Agreement, str]:
    ok = {c.executor: c for c in cells if c.status == "ok" and c.executor in per_task}
    if not ok:
        return None, "inconclusive", "nothing could be measured"
    winner = min(ok, key=lambda name: per_task[name].median)
    speed = {name: cell.speedup for name, cell in ok.items()}

    def x(name: str) -> str:
        value = speed.get(name)
        return f"{value:.1f}x" if value is not None else "?"

    if predicted not in ok:
        cell = next((c for c in cells if c.executor == predicted), None)
        why = cell.reason if cell is not None and cell.reason else "not measured"
        return winner, "inconclusive", f"{predicted} could not be measured ({why})"
    serial = per_task.get(Executor.SERIAL)
    if (
        predicted != Executor.SERIAL
        and serial is not None
        and within_noise(per_task[predicted], serial)
    ):
        verdict: Agreement = "inconclusive" if _noisy(per_task[predicted], serial) else "no"
        why = f"{predicted} ({x(predicted)}) gained nothing measurable over serial"
        if verdict == "inconclusive":
            why += ": the rounds are too noisy (a busy machine?)"
        return winner, verdict, why
    if winner == predicted:
        return winner, "yes", f"{predicted} was fastest ({x(predicted)} serial)"
    gain = speed.get(winner)
    if predicted == Executor.SERIAL and gain is not None and gain < WORTHWHILE_SPEEDUP:
        # Serial is predicted when no pool is worth its complexity (CA100): a gain this
        # small, even when real, does not contradict that.
        return (
            winner,
            "tie",
            (f"{winner} gained only {x(winner)}: below the {WORTHWHILE_SPEEDUP:g}x worth a pool"),
        )
    if within_noise(per_task[winner], per_task[predicted]):
        return (
            winner,
            "tie",
            (f"{winner} ({x(winner)}) and {predicted} ({x(predicted)}) are within the noise"),
        )
    return winner, "no", f"{winner} ran {x(winner)} serial, {predicted} only {x(predicted)}"


def _noisy(*summaries: Summary) -> bool:
    return any(s.relative_spread > NOISY_RELATIVE_SPREAD for s in summaries)


def _offload_cell(url: str, serial: Cell | None, budget: float) -> tuple[Cell, Summary | None]:
    cpus = detect_environment().cpus
    tasks = 8 * max(2, cpus)
    command = [
        sys.executable,
        "-m",
        "concadvisor.demo.offload",
        "--url",
        url,
        "--tasks",
        str(tasks),
        "--workers",
        str(cpus),
        "--rounds",
        "3",
    ]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=max(budget, 2.0), check=False
        )
    except subprocess.TimeoutExpired:
        return Cell(
            executor="asyncio+processes",
            status="timeout",
            reason=f"did not finish in {budget:.0f} s",
        ), None
    if done.returncode != 0:
        return Cell(
            executor="asyncio+processes",
            status="failed",
            reason=(done.stderr.strip().splitlines() or ["?"])[-1],
        ), None
    data = json.loads(done.stdout)
    summary = _per_task_summary(data["samples"], data["tasks"])
    speedup = None
    if serial is not None and serial.per_task_seconds:
        speedup = serial.per_task_seconds / summary.median
    return (
        Cell(
            executor="asyncio+processes",
            status="ok",
            speedup=speedup,
            relative_spread=summary.relative_spread,
            per_task_seconds=summary.median,
            extra={"workers": data["workers"], "startup_seconds": data["startup_seconds"]},
        ),
        summary,
    )


def _probe_row(scenario: Scenario, url: str, budget: float) -> Row:
    start = time.perf_counter()
    predicted, rules, _ = _predicted(scenario)
    probe_budget = budget * (0.7 if scenario.offload_variant else 1.0)
    report = run_probe(
        scenario.target, args=_args(scenario, url), inputs=scenario.inputs, budget=probe_budget
    )
    cells = _probe_cells(report)
    tasks = report.tasks_per_round or 1
    per_task = {
        name: _per_task_summary(list(s_samples), tasks)
        for name, s_samples in _samples(report).items()
    }
    if scenario.offload_variant:
        serial = next((c for c in cells if c.executor == Executor.SERIAL), None)
        remaining = budget - (time.perf_counter() - start)
        cell, summary = _offload_cell(url, serial, remaining)
        cells.append(cell)
        if summary is not None:
            per_task[cell.executor] = summary
    winner, agrees, why = _agreement(predicted, cells, per_task)
    return Row(
        key=scenario.key,
        title=scenario.title,
        cells=cells,
        winner=winner,
        predicted=predicted,
        predicted_rules=rules,
        note_says=scenario.note_says,
        agrees=agrees,
        why=why,
        seconds=time.perf_counter() - start,
    )


def _samples(report: ProbeReport) -> dict[str, list[float]]:
    return {
        r.executor.value: list(r.samples) for r in report.results if r.status == "ok" and r.samples
    }


def _connections_run(mode: str, url: str, n: int, timeout: float) -> dict[str, Any] | str:
    command = [
        sys.executable,
        "-m",
        "concadvisor.demo.connections",
        "--mode",
        mode,
        "--connections",
        str(n),
        "--url",
        url,
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return f"did not finish in {timeout:.0f} s"
    if done.returncode != 0:
        return (done.stderr.strip().splitlines() or ["failed"])[-1]
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _connections_row(url: str, budget: float, connections: int) -> Row:
    start = time.perf_counter()
    predicted, rules, _ = _predicted(CONNECTIONS)
    rounds = 2 if budget >= 8 else 1
    runs: dict[str, list[dict[str, Any]]] = {"threads": [], "asyncio": []}
    failures: dict[str, str] = {}
    for _ in range(rounds):  # interleaved: threads, asyncio, threads, asyncio
        for mode in (Executor.THREADS, Executor.ASYNCIO):
            left = budget - (time.perf_counter() - start)
            if mode in failures or left <= 1:
                continue
            outcome = _connections_run(mode, url, connections, left)
            if isinstance(outcome, str):
                failures[mode] = outcome
            else:
                runs[mode].append(outcome)
    # One request, measured, times the number of connections: what serial would take.
    serial_one = CONNECTIONS_DELAY
    cells = [
        Cell(
            executor="serial",
            status="skipped",
            estimated=True,
            per_task_seconds=serial_one,
            reason=f"would take ~{connections * serial_one:.0f} s; extrapolated from "
            f"the server's {serial_one * 1000:.0f} ms per request",
        )
    ]
    per_task: dict[str, Summary] = {}
    for mode in (Executor.THREADS, Executor.PROCESSES, Executor.ASYNCIO):
        if mode == Executor.PROCESSES:
            cells.append(
                Cell(
                    executor=mode,
                    status="skipped",
                    reason="one process per connection is not a design anyone uses",
                )
            )
            continue
        done = runs[mode]
        if not done:
            cells.append(
                Cell(
                    executor=mode,
                    status="failed" if mode in failures else "skipped",
                    reason=failures.get(mode, "no time left in the budget"),
                )
            )
            continue
        walls = [d["wall_seconds"] for d in done]
        summary = _per_task_summary(walls, connections)
        per_task[mode] = summary
        errors = sum(d["errors"] for d in done)
        cells.append(
            Cell(
                executor=mode,
                status="ok",
                speedup=serial_one / summary.median,
                relative_spread=summary.relative_spread if len(walls) > 2 else None,
                per_task_seconds=summary.median,
                estimated=True,
                extra={
                    "peak_rss_bytes": max(d["peak_rss_bytes"] for d in done),
                    "threads": max(d[Executor.THREADS] for d in done),
                    "errors": errors,
                    "wall_seconds": min(walls),
                },
            )
        )
    winner, agrees, why = _agreement(predicted, cells, per_task)
    by = {c.executor: c for c in cells}
    t, a = by.get(Executor.THREADS), by.get(Executor.ASYNCIO)
    if t and a and t.status == a.status == "ok":
        mib = 2**20
        why += (
            f"; threads: {t.extra['threads']} at once, +{t.extra['peak_rss_bytes'] / mib:.0f} MiB;"
            f" asyncio: 1 thread, +{a.extra['peak_rss_bytes'] / mib:.0f} MiB"
        )
    return Row(
        key=CONNECTIONS.key,
        title=f"{connections:,} connections",
        cells=cells,
        winner=winner,
        predicted=predicted,
        predicted_rules=rules,
        note_says=CONNECTIONS.note_says,
        agrees=agrees,
        why=why,
        seconds=time.perf_counter() - start,
    )


def run_demo(
    budget: float = 60.0,
    *,
    only: list[str] | None = None,
    connections: int = 2000,
    progress: Progress = _no_progress,
) -> DemoReport:
    """Measure every scenario (or those in ``only``) within ``budget`` seconds."""
    if budget < MIN_BUDGET:
        raise ConcadvisorError(f"--budget must be at least {MIN_BUDGET:g} s, got {budget:g}")
    known = [s.key for s in SCENARIOS] + [CONNECTIONS.key]
    wanted = only or known
    unknown = [k for k in wanted if k not in known]
    if unknown:
        raise ConcadvisorError(f"unknown workload {unknown[0]!r}; choose from {', '.join(known)}")
    started = time.perf_counter()
    scenarios = [s for s in SCENARIOS if s.key in wanted]
    with_connections = CONNECTIONS.key in wanted
    # The budget: a fixed slice for connections, the rest by weight, kept for later rows.
    reserve = 0.15 * budget if with_connections else 0.0
    rows: list[Row] = []
    notes: list[str] = []
    server: LoopbackServer | None = None
    try:
        if any(s.needs_server for s in scenarios) or with_connections:
            server = start_server(HTTP_DELAY, lifetime=budget + 30)
        url = server.url if server else ""
        total_steps = len(scenarios) + (1 if with_connections else 0)
        for i, scenario in enumerate(scenarios):
            spent = time.perf_counter() - started
            left_for_rows = budget - reserve - spent
            remaining_weight = sum(s.weight for s in scenarios[i:])
            share = max(2.0, left_for_rows * scenario.weight / remaining_weight)
            progress(f"{scenario.title} ({share:.0f} s)", i / total_steps)
            rows.append(_probe_row(scenario, url, share))
        if with_connections:
            progress(f"{connections:,} connections", len(scenarios) / total_steps)
            conn_server = start_server(CONNECTIONS_DELAY, lifetime=budget + 30)
            try:
                left = max(4.0, budget - (time.perf_counter() - started))
                rows.append(_connections_row(conn_server.url, left, connections))
            finally:
                conn_server.stop()
        progress("done", 1.0)
    finally:
        if server is not None:
            server.stop()
    env = detect_environment()
    return DemoReport(
        rows=rows,
        environment=env,
        python=f"{platform.python_implementation()} {platform.python_version()}",
        date=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        budget_seconds=budget,
        elapsed_seconds=time.perf_counter() - started,
        notes=notes,
    )
