"""Terminal output of the probe with rich: a progress display, then the report."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from rich import box
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from ..profile import Executor
from .interpreter import PythonInfo
from .report import Comparison, ExecutorResult, ProbeReport
from .verdict import PARALLEL_FREE_CPUS

__all__ = ["progress_display", "render_report"]

_STATUS_STYLE = {"ok": "green", "failed": "bold red", "skipped": "yellow", "timeout": "bold red"}
_VERDICT_STYLE = {"confirmed": "bold green", "contradicted": "bold red", "inconclusive": "yellow"}


@contextlib.contextmanager
def progress_display(
    budget: float, console: Console | None = None
) -> Iterator[Callable[[str, float], None]]:
    """A transient progress bar on stderr; yields ``update(description, fraction_of_budget)``."""
    console = console or Console(stderr=True)
    with Progress(
        SpinnerColumn(),
        TextColumn("probe: {task.description}"),
        BarColumn(),
        TextColumn(f"budget {budget:g} s"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("starting", total=1.0)

        def update(description: str, fraction: float) -> None:
            progress.update(task, description=description, completed=fraction)

        yield update


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 1e-3:
        return f"{value * 1e6:.0f} µs"
    if value < 1:
        return f"{value * 1e3:.1f} ms"
    return f"{value:.2f} s"


def _row(result: ExecutorResult, report: ProbeReport) -> list[str | Text]:
    name = result.executor.value
    if result.workers is not None and result.executor is not Executor.SERIAL:
        name += f" ×{result.workers}"
    marks = report.fastest is result.executor or report.recommendation.executor is result.executor
    spread = (
        f"±{100 * result.spread_seconds / result.wall_seconds:.0f}%"
        if result.spread_seconds is not None and result.wall_seconds
        else "-"
    )
    return [
        Text(name, style="bold" if marks else ""),
        Text(result.status, style=_STATUS_STYLE[result.status]),
        _seconds(result.wall_seconds),
        spread,
        f"{result.speedup:.2f}x" if result.speedup is not None else "-",
        f"{result.predicted_speedup:.2f}x" if result.predicted_speedup is not None else "-",
        f"{100 * result.model_error:+.0f}%" if result.model_error is not None else "-",
        f"{result.cpu_use:.2f}" if result.cpu_use is not None else "-",
        _seconds(result.startup_seconds),
    ]


def _rate(tasks_per_second: float) -> str:
    """A throughput in at most 5 characters: 0.123, 12.3, 123, 12.3k, 123k, 1.2M."""
    x = tasks_per_second
    if x < 10:
        return f"{x:.2g}" if x < 1 else f"{x:.1f}"
    if x < 1e3:
        return f"{x:.0f}"
    if x < 1e6:
        return f"{x / 1e3:.3g}k"
    return f"{x / 1e6:.3g}M"


def _sweep_line(result: ExecutorResult, report: ProbeReport) -> Text | None:
    """``threads: 1:20 2:40 4:79 8:158*`` -- tasks per second at each width, * the best."""
    if not result.sweep:
        return None
    line = Text(f"  {result.executor.value}:", style="bold")
    for point in result.sweep:
        label = str(point.width) if point.width else "unbounded"
        if point.chunksize is not None and point.chunksize > 1:
            label += f"/c{point.chunksize}"
        best = point.width == result.best_width and point.chunksize == result.best_chunksize
        line.append(f" {label}:{_rate(point.throughput)}" + ("*" if best else ""))
    if result.sweep_startup_seconds:
        line.append(f" (pools started apart in {_seconds(result.sweep_startup_seconds)})")
    if result.extrapolated:
        rec = report.recommendation.workers
        line.append(f"; × {rec} is beyond the widths measured: extrapolated", style="yellow")
    return line


def _bytes(value: int) -> str:
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if value >= size:
            return f"{value / size:.3g} {unit}"
    return f"{value} B"


def usage_lines(report: ProbeReport) -> list[Text]:
    """CPU time split, free CPUs and memory per process worker, one line each if measured."""
    lines = []
    cpu = report.cpu_time
    if cpu is not None:
        text = (
            f"CPU time: user {cpu.user_share:.0%}, system {cpu.system_share:.0%} of a "
            "task's running time"
        )
        if cpu.threads_user_use is not None and cpu.threads_system_use is not None:
            text += (
                f"; under threads {cpu.threads_user_use:.2f} user + "
                f"{cpu.threads_system_use:.2f} system cores"
            )
        seen = {True: "released", False: "held", None: "not seen"}[cpu.gil_released]
        lines.append(Text(f"{text}; GIL: {seen}", style="dim"))
    contention = report.contention
    if contention is not None:
        parts = []
        if contention.free_cpus_before is not None:
            parts.append(f"{contention.free_cpus_before:.1f} before the rounds")
        if contention.free_cpus_after is not None:
            parts.append(f"{contention.free_cpus_after:.1f} after")
        text = f"free CPUs: {', '.join(parts)} (of {report.measured_profile.cpus})" if parts else ""
        if contention.serial_queued_share is not None:
            text += "; " if text else ""
            text += f"serial waited {contention.serial_queued_share:.0%} of its time for a CPU"
        free = report.free_cpus
        busy = free is not None and free < PARALLEL_FREE_CPUS
        lines.append(Text(text, style="yellow" if busy else "dim"))
    memory = report.memory
    if memory is not None and memory.peak_rss_bytes is not None:
        text = f"memory: {_bytes(memory.peak_rss_bytes)} peak per process worker"
        if memory.available_bytes is not None and memory.workers_fit is not None:
            text += f"; {_bytes(memory.available_bytes)} available: {memory.workers_fit} fit"
        lines.append(Text(text, style="dim"))
    return lines


def _tasks_line(report: ProbeReport) -> Text | None:
    """Which task count the advice is for, when it is not what a round ran."""
    tasks = report.measured_profile.tasks
    if report.tasks_assumed:
        return Text(
            f"tasks: assumed {tasks} (you did not say how many you have); the advice is "
            "for that many: pass --tasks N with your real count",
            style="yellow",
        )
    if report.extrapolated.get("tasks") and report.tasks_per_round:
        return Text(
            f"tasks: the advice is for your {tasks}; a round measured {report.tasks_per_round}",
            style="dim",
        )
    return None


def python_line(python: PythonInfo) -> Text:
    """``python: 3.13.1 (cpython, free-threaded, GIL off after the import)``."""
    build = "free-threaded" if python.free_threaded else "GIL build"
    text = f"python: {python.version} ({python.implementation}, {build}"
    if python.free_threaded:
        text += ", GIL " + ("on" if python.gil_enabled else "off") + " after the import"
        if python.gil_enabled_by:
            text += f": re-enabled by {python.gil_enabled_by}"
    text += ")"
    if python.executable:
        text += f" via {python.executable}"
    style = "yellow" if python.free_threaded and python.gil_enabled else "dim"
    return Text(text, style=style)


def comparison_lines(comparison: Comparison) -> list[Text]:
    """``3.13t: threads 1.9x; 3.11: processes 1.8x`` and the one-line answer."""
    parts = []
    for side in comparison.sides:
        fastest = side.fastest.value if side.fastest else "nothing measured"
        speedup = f" {side.speedup:.1f}x" if side.speedup is not None else ""
        parts.append(f"{side.label}: {fastest}{speedup}")
    head = Text("compared: ", style="bold").append("; ".join(parts))
    answer = Text("free-threaded build: ", style="bold").append(comparison.answer)
    split = Text(
        f"each interpreter had {comparison.budget_seconds_each:g} s of the budget", style="dim"
    )
    return [head, answer, split]


def setup_line(report: ProbeReport) -> Text | None:
    """``setup mod:open, once per worker (never timed): serial 12 ms, threads 4 x ≤15 ms``
    (the slowest worker's), on two lines."""
    if report.setup is None:
        return None
    line = Text(f"  setup {report.setup}", style="bold")
    line.append(", once per worker (never timed):\n   ")
    parts = []
    for result in report.results:
        if result.setup_workers and result.setup_slowest_seconds is not None:
            slowest = _seconds(result.setup_slowest_seconds)
            many = result.setup_workers > 1
            parts.append(
                f"{result.executor.value} {result.setup_workers} × ≤{slowest}"
                if many
                else f"{result.executor.value} {slowest}"
            )
    line.append(" " + (", ".join(parts) if parts else "did not run"))
    return line


def render_report(console: Console, report: ProbeReport) -> None:
    """The executor table, the recommendation with its reasons, and the verdict."""
    tasks = report.tasks_per_round
    title = f"probe {report.target}"
    if tasks:
        title += f" · {tasks} tasks per round"
    # One space between columns and none at the edges: the widest rows fit 80 columns.
    table = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 0, 0, 1),
    )
    for column, justify in (
        ("executor", "left"),
        ("status", "left"),
        ("median", "right"),
        ("spread", "right"),
        ("speedup", "right"),
        ("model", "right"),
        ("error", "right"),
        ("CPU", "right"),
        ("start", "right"),
    ):
        table.add_column(column, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for result in report.results:
        table.add_row(*_row(result, report))
    console.print(table)
    if report.python is not None:
        console.print(python_line(report.python))
    fastest = report.fastest.value if report.fastest else "none"
    console.print(
        Text(f"  fastest: {fastest}", style="bold").append(
            f"   recommended: {report.recommendation.executor.value}", style="bold cyan"
        )
    )
    setup = setup_line(report)
    if setup is not None:
        console.print(setup)
    for result in report.results:
        detail = result.reason or result.note
        if detail:
            line = Text(f"  {result.executor.value}: ", style="bold")
            line.append(detail, style="" if result.reason else "dim")
            console.print(line)
    console.print(
        Text(
            "  median: one round's wall time; spread: 1.4826 x MAD; model: the cost "
            f"model's speedup ({report.costs_source or 'no'} costs), error: its error; "
            "CPU: cores kept busy; start: the pool's start-up",
            style="dim",
        )
    )
    for usage in usage_lines(report):
        console.print(usage)
    sweep_lines = [text for r in report.results if (text := _sweep_line(r, report))]
    if sweep_lines:
        console.print(Text("width sweep: tasks per second at each width (/c: chunksize), * best:"))
        for sweep_line in sweep_lines:
            console.print(sweep_line)
    console.print()

    rec = report.recommendation
    line = Text("recommended: ")
    line.append(rec.executor.value, style="bold cyan")
    if rec.executor is not Executor.SERIAL:
        line.append(f" × {rec.workers}")
        if report.extrapolated.get("workers"):
            line.append(" (extrapolated: that width was not measured)", style="yellow")
    if rec.offload is not None:
        line.append(f" + offload to {rec.offload.value}")
    line.append(f"   (confidence {rec.confidence})")
    console.print(line)
    console.print(Text(rec.summary))
    for reason in rec.reasons:
        console.print(Text(f"  {reason.rule_id} ", style="bold").append(reason.message, style=""))
    profile = report.measured_profile
    measured = Text("measured profile: ", style="dim")
    measured.append(
        f"workload={profile.workload} cpu_fraction={profile.cpu_fraction} "
        f"releases_gil={profile.releases_gil} task_seconds="
        f"{_seconds(profile.task_seconds)} payload_bytes={profile.payload_bytes} "
        f"picklable={profile.picklable} tasks={profile.tasks}",
        style="dim",
    )
    console.print(measured)
    tasks_line = _tasks_line(report)
    if tasks_line is not None:
        console.print(tasks_line)
    if report.overrides:
        console.print(Text(f"overridden: {', '.join(report.overrides)}", style="dim"))
    console.print()
    verdict = Text("verdict: ")
    verdict.append(report.verdict, style=_VERDICT_STYLE[report.verdict])
    verdict.append(f" -- {report.verdict_reason}")
    console.print(verdict)
    for note in report.notes:
        console.print(Text(f"note: {note}", style="dim"))
    if report.comparison is not None:
        for line in comparison_lines(report.comparison):
            console.print(line)
    console.print(
        Text(
            f"took {report.elapsed_seconds:.1f} s of a {report.budget_seconds:g} s budget",
            style="dim",
        )
    )
