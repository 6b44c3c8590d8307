"""Terminal output with rich.  Presentation only: every value comes from the models."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .profile import Executor
from .rules.base import CodeDoc, Rule

if TYPE_CHECKING:
    from pathlib import Path

    from .advice import Recommendation

__all__ = [
    "calibration_progress",
    "make_console",
    "render_calibration",
    "render_code",
    "render_code_list",
    "render_recommendation",
]

#: rich's Syntax default, kept explicit so that both renderings of a snippet agree.
SNIPPET_TAB_SIZE = 4

_CONFIDENCE_STYLE = {"high": "bold green", "medium": "yellow", "low": "red"}


class _Console(Console):
    """Output into a closed pipe (``| head``) raises :class:`BrokenPipeError`, which the CLI
    turns into exit 0 as for its plain output -- not rich's own ``SystemExit(1)``."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError


def make_console(file: IO[str] | None = None) -> Console:
    return _Console(file=file or sys.stdout, highlight=False, soft_wrap=False)


def render_recommendation(console: Console, rec: Recommendation) -> None:
    choice = Text()
    choice.append(f"{rec.executor.value}", style="bold cyan")
    if rec.executor is not Executor.SERIAL:
        choice.append(f" × {rec.workers}", style="cyan")
    if rec.offload is not None:
        choice.append(" + offload to ", style="default")
        choice.append(rec.offload.value, style="bold cyan")
        if rec.offload_workers is not None:
            choice.append(f" × {rec.offload_workers}", style="cyan")
    choice.append("   confidence: ")
    choice.append(rec.confidence, style=_CONFIDENCE_STYLE[rec.confidence])
    console.print(
        Panel(
            Group(choice, Text(rec.summary)),
            title=f"concadvisor · {rec.name}",
            title_align="left",
            expand=False,
        )
    )

    ranking = Table(title="Ranking", title_justify="left", show_edge=False)
    ranking.add_column("#", justify="right")
    ranking.add_column("executor")
    ranking.add_column("score", justify="right")
    ranking.add_column("viable")
    ranking.add_column("vetoed by")
    predicted = rec.predicted_speedup
    if predicted is not None:
        ranking.add_column("predicted", justify="right")
    for i, item in enumerate(rec.ranking, 1):
        cells = [
            str(i),
            item.executor.value,
            f"{item.score:g}",
            "yes" if item.viable else "no",
            ", ".join(item.vetoed_by),
        ]
        if predicted is not None:
            cells.append(_speedup(predicted.get(item.executor.value)))
        ranking.add_row(*cells, style="bold" if item.executor is rec.executor else None)
    console.print(ranking)
    if predicted is not None:
        source = (
            "this machine's calibration"
            if rec.costs_source == "calibrated"
            else "built-in default costs (run 'concadvisor calibrate' to measure this machine)"
        )
        console.print(Text(f"predicted: speedup over serial, from {source}", style="dim"))

    reasons = Table(title="Reasons", title_justify="left", show_edge=False, show_header=True)
    reasons.add_column("rule")
    reasons.add_column("guid.")
    reasons.add_column("why")
    reasons.add_column("effect")
    for reason in rec.reasons:
        reasons.add_row(reason.rule_id, reason.guidance, reason.message, ", ".join(reason.effects))
    console.print()
    console.print(reasons)

    if rec.warnings:
        console.print()
        console.print(Text("Warnings", style="bold"))
        for warning in rec.warnings:
            line = Text("  ! ", style="bold yellow")
            line.append(f"{warning.rule_id} ", style="bold")
            line.append(warning.message)
            console.print(line)

    console.print()
    console.print(Text("Snippet", style="bold"))
    console.print(python_code(console, rec.snippet), soft_wrap=True)


def python_code(console: Console, source: str) -> RenderableType:
    """``source`` highlighted as Python on a console with colours; plain text otherwise.

    Without colours the highlighting would be thrown away, and the plain text prints the
    same characters (a test holds the two to that) without importing pygments and
    compiling its Python lexer: a good part of ``concadvisor advise``'s start-up.
    """
    if console.color_system is None:
        return Text(source.expandtabs(SNIPPET_TAB_SIZE))
    from rich.syntax import Syntax

    return Syntax(
        source, "python", theme="ansi_dark", background_color="default", tab_size=SNIPPET_TAB_SIZE
    )


def render_code_list(console: Console, codes: tuple[CodeDoc, ...]) -> None:
    from .registry import FAMILIES  # the code table imports lint: only when listing codes

    titles = {f.prefix: f.title for f in FAMILIES}
    table = Table(show_edge=False)
    table.add_column("code")
    table.add_column("name")
    table.add_column("guid.")
    table.add_column("title")
    family = ""
    for code in codes:
        if code.family != family:
            family = code.family
            title = titles.get(family, "")
            table.add_row(Text(family, style="bold"), Text(title, style="bold"), "", "")
        table.add_row(code.id, code.name, code.guidance, code.title)
    console.print(table)
    console.print(f"\n{len(codes)} codes. 'concadvisor rules CODE' explains one.")


def render_code(console: Console, code: CodeDoc) -> None:
    from rich.markdown import Markdown  # markdown-it: only this command needs it

    from .ruledocs import code_markdown

    kind = "rule" if isinstance(code, Rule) else "lint code"
    console.print(Markdown(code_markdown(code, heading="#")))
    console.print(Text(f"({kind}; family {code.family})", style="dim"))


def _speedup(value: float | None) -> str:
    from .costs.model import format_speedup

    return "" if value is None else format_speedup(value)


def _quantity(value: float, unit: str) -> str:
    """3.2e-3 s -> '3.2 ms'; 6e7 B/s -> '60 MB/s'."""
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "B/s":
        for scale, name in ((1e9, "GB/s"), (1e6, "MB/s"), (1e3, "kB/s")):
            if value >= scale:
                return f"{value / scale:.3g} {name}"
        return f"{value:.3g} B/s"
    for scale, name in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs")):
        if value >= scale:
            return f"{value / scale:.3g} {name}"
    return f"{value * 1e9:.3g} ns"


@contextlib.contextmanager
def calibration_progress(console: Console) -> Iterator[Callable[[str, float], None]]:
    """A progress bar for ``concadvisor calibrate``; yields the callback to report steps.

    It refreshes only when told (no refresh thread): calibration forks worker processes,
    and forking a process that runs extra threads is unsafe (Python 3.12+ warns).
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("[bold]calibrating[/bold] {task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        auto_refresh=False,
    )
    task = progress.add_task("", total=1.0)

    def report(step: str, done: float) -> None:
        progress.update(task, description=step, completed=done)
        progress.refresh()

    with progress:
        yield report


def render_calibration(
    console: Console, document: dict[str, Any], *, path: Path, cached: bool
) -> None:
    """The measurements of a calibration (or the defaults in use), as a table."""
    costs = document["costs"]
    measurements = document.get("measurements") or []
    if measurements:
        table = Table(title="Machine costs", title_justify="left", show_edge=False)
        table.add_column("measurement")
        table.add_column("median", justify="right")
        table.add_column("± MAD", justify="right")
        table.add_column("range", justify="right")
        table.add_column("n", justify="right")
        for item in measurements:
            unit = item["unit"]
            table.add_row(
                item["label"],
                _quantity(item["median"], unit),
                f"{item['mad'] / item['median']:.0%}" if item["median"] else "",
                f"{_quantity(item['min'], unit)} - {_quantity(item['max'], unit)}",
                str(item["samples"]),
                style="yellow" if item.get("noisy") else None,
            )
        console.print(table)
        switch_ratio = costs["thread_switch_seconds"] / costs["coroutine_switch_seconds"]
        cpus = document.get("cpus") or 1
        efficiency = costs.get("parallel_efficiency", 1.0)
        console.print(
            f"\nA thread hand-off costs {switch_ratio:.2g}x a coroutine hand-off (G2). "
            f"Usable CPUs: {cpus}, computing like {cpus * efficiency:.2g} in parallel; GIL: "
            f"{'on' if document.get('gil_enabled') else 'off'}."
        )
        noisy = [item["label"] for item in measurements if item.get("noisy")]
        if noisy:
            console.print(
                Text(
                    f"{len(noisy)} figure(s) noisy (MAD > 10% of the median, in yellow): "
                    "the machine was busy; run again when it is idle.",
                    style="yellow",
                )
            )
        for skipped in document.get("skipped") or []:
            console.print(Text(f"not measured: {skipped}", style="yellow"))
        when = document.get("measured_at")
        where = f"cached in {path}" if cached else "not cached (--no-save)"
        console.print(Text(f"Measured {when}, {where}.", style="dim"))
        return
    table = Table(title="Built-in default costs", title_justify="left", show_edge=False)
    table.add_column("cost")
    table.add_column("value", justify="right")
    for method, value in sorted(costs["process_start_seconds"].items()):
        table.add_row(f"process start-up, {method} (per worker)", _quantity(value, "s"))
    for key, label in (
        ("thread_start_seconds", "thread start-up (per thread)"),
        ("thread_dispatch_seconds", "thread pool dispatch (per task)"),
        ("process_dispatch_seconds", "process pool dispatch, chunksize=1 (per task)"),
        ("process_batched_dispatch_seconds", "process pool dispatch, batched (per task)"),
        ("asyncio_dispatch_seconds", "asyncio dispatch (per task)"),
        ("thread_switch_seconds", "thread hand-off"),
        ("coroutine_switch_seconds", "coroutine hand-off"),
    ):
        table.add_row(label, _quantity(costs[key], "s"))
    table.add_row("pickling + IPC", _quantity(costs["ipc_bytes_per_second"], "B/s"))
    console.print(table)
    console.print(
        Text(
            f"No calibration cached for this machine and interpreter ({path}): advice uses "
            "these conservative defaults. Run 'concadvisor calibrate' to measure.",
            style="yellow",
        )
    )
