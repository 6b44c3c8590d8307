"""Terminal output with rich.  Presentation only: every value comes from the models."""

from __future__ import annotations

import sys
from typing import IO

from rich.console import Console, Group
from rich.markdown import Markdown
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from .advice import Recommendation
from .rules.base import CodeDoc, Rule
from .rules.catalogue import FAMILIES

__all__ = ["make_console", "render_code", "render_code_list", "render_recommendation"]

_CONFIDENCE_STYLE = {"high": "bold green", "medium": "yellow", "low": "red"}


def make_console(file: IO[str] | None = None) -> Console:
    return Console(file=file or sys.stdout, highlight=False, soft_wrap=False)


def render_recommendation(console: Console, rec: Recommendation) -> None:
    choice = Text()
    choice.append(f"{rec.executor.value}", style="bold cyan")
    if rec.executor.value != "serial":
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
    for i, item in enumerate(rec.ranking, 1):
        ranking.add_row(
            str(i),
            item.executor.value,
            f"{item.score:g}",
            "yes" if item.viable else "no",
            ", ".join(item.vetoed_by),
            style="bold" if item.executor is rec.executor else None,
        )
    console.print(ranking)

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
    console.print(
        Syntax(rec.snippet, "python", theme="ansi_dark", background_color="default"),
        soft_wrap=True,
    )


def render_code_list(console: Console, codes: tuple[CodeDoc, ...]) -> None:
    table = Table(show_edge=False)
    table.add_column("code")
    table.add_column("name")
    table.add_column("guid.")
    table.add_column("title")
    family = ""
    for code in codes:
        if code.family != family:
            family = code.family
            title = FAMILIES.get(family, ("", ""))[0]
            table.add_row(Text(family, style="bold"), Text(title, style="bold"), "", "")
        table.add_row(code.id, code.name, code.guidance, code.title)
    console.print(table)
    console.print(f"\n{len(codes)} codes. 'concadvisor rules CODE' explains one.")


def render_code(console: Console, code: CodeDoc) -> None:
    from .ruledocs import code_markdown

    kind = "rule" if isinstance(code, Rule) else "lint code"
    console.print(Markdown(code_markdown(code, heading="#")))
    console.print(Text(f"({kind}; family {code.family})", style="dim"))
