"""The demo report as a terminal table (rich), Markdown, and a grouped bar chart."""

from __future__ import annotations

from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..errors import ConcadvisorError
from ..probing.plot import check_plotting
from .model import COLUMNS, Cell, DemoReport, Row

__all__ = ["check_plotting", "render_table", "to_markdown", "write_plot"]

_SHORT = {"processes": "procs", "asyncio+processes": "async+procs"}
_AGREE = {"yes": "yes", "tie": "yes (tie)", "no": "NO", "inconclusive": "?"}
_AGREE_STYLE = {"yes": "green", "tie": "green", "no": "bold red", "inconclusive": "yellow"}


def _columns(report: DemoReport) -> list[str]:
    present = {c.executor for row in report.rows for c in row.cells}
    return [c for c in COLUMNS if c in present]


def _cell_text(cell: Cell | None) -> str:
    if cell is None:
        return ""
    if cell.status != "ok" or cell.speedup is None:
        return cell.status
    value = cell.speedup
    text = f"{value:.0f}x" if value >= 10 else f"{value:.1f}x" if value >= 1 else f"{value:.2f}x"
    if cell.estimated:
        text = "~" + text
    if cell.relative_spread is not None:
        text += f"\n±{100 * cell.relative_spread:.0f}%"
    if "threads" in cell.extra and "peak_rss_bytes" in cell.extra:
        text += f"\n{cell.extra['threads']} thr\n{cell.extra['peak_rss_bytes'] / 2**20:.0f} MiB"
    return text


def _by_executor(row: Row) -> dict[str, Cell]:
    return {c.executor: c for c in row.cells}


def render_table(console: Console, report: DemoReport) -> None:
    columns = _columns(report)
    table = Table(
        title=(
            f"Speedup against serial on this machine ({report.environment.cpus} usable CPUs, "
            f"{report.python})"
        ),
        title_justify="left",
        show_lines=True,
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        collapse_padding=True,
    )
    table.add_column("workload", max_width=18)
    for name in columns:
        table.add_column(_SHORT.get(name, name), justify="right")
    table.add_column("predicted")
    table.add_column("agrees")
    for row in report.rows:
        cells = _by_executor(row)
        rendered: list[str | Text] = [row.title]
        for name in columns:
            style = "bold green" if name == row.winner else None
            rendered.append(Text(_cell_text(cells.get(name)), style=style or ""))
        rendered.append(
            f"{_SHORT.get(row.predicted, row.predicted)}\n{' '.join(row.predicted_rules[:2])}"
        )
        rendered.append(Text(_AGREE[row.agrees], style=_AGREE_STYLE[row.agrees]))
        table.add_row(*rendered)
    console.print(table)
    console.print(
        Text(
            "bold: this row's winner · ±: spread of the rounds · ~: against an extrapolated "
            "serial time",
            style="dim",
        )
    )
    for row in report.rows:
        line = Text(f"{row.title}: ", style="bold")
        line.append(row.why)
        if row.note_says and row.note_says.split()[0] not in row.predicted:
            line.append(f" (the classic advice, G7, says {row.note_says})", style="dim")
        console.print(line)
    console.print(
        Text(
            f"\nmeasured in {report.elapsed_seconds:.0f} s (budget {report.budget_seconds:g} s)"
            f" on {report.date}",
            style="dim",
        )
    )


def to_markdown(report: DemoReport) -> str:
    columns = _columns(report)
    lines = [
        "# concadvisor demo",
        "",
        f"{report.date} · {report.python} · {report.environment.cpus} usable CPUs · "
        f"GIL {'off' if report.environment.free_threaded else 'on'} · "
        f"start method {report.environment.start_method} · "
        f"{report.elapsed_seconds:.0f} s (budget {report.budget_seconds:g} s)",
        "",
        "Speedup against serial (median of interleaved rounds, ± spread); **bold** marks "
        "each row's winner.",
        "",
        "| workload | " + " | ".join(columns) + " | guidance predicts | agrees |",
        "|---|" + "---:|" * len(columns) + "---|---|",
    ]
    for row in report.rows:
        cells = _by_executor(row)
        values = []
        for name in columns:
            text = _cell_text(cells.get(name)).replace("\n", " ")
            values.append(f"**{text}**" if name == row.winner and text else text)
        lines.append(
            f"| {row.title} | "
            + " | ".join(values)
            + f" | {row.predicted} ({', '.join(row.predicted_rules)}) | {_AGREE[row.agrees]} |"
        )
    lines += ["", "## Why", ""]
    lines += [f"- **{row.title}**: {row.why}." for row in report.rows]
    return "\n".join(lines) + "\n"


def write_plot(report: DemoReport, path: Path) -> None:
    """Grouped bars: one group per workload, one bar per executor, error bars = spread."""
    check_plotting()
    import matplotlib  # type: ignore[import-not-found,unused-ignore]

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # type: ignore[import-not-found,unused-ignore]

    columns = _columns(report)
    width = 0.8 / max(1, len(columns))
    figure, axes = plt.subplots(figsize=(max(8, 1.4 * len(report.rows)), 4.5))
    for j, name in enumerate(columns):
        xs, ys, errs = [], [], []
        for i, row in enumerate(report.rows):
            cell = _by_executor(row).get(name)
            if cell is None or cell.speedup is None:
                continue
            xs.append(i + (j - (len(columns) - 1) / 2) * width)
            ys.append(cell.speedup)
            errs.append(cell.speedup * (cell.relative_spread or 0.0))
        axes.bar(xs, ys, width, yerr=errs, capsize=3, label=name)
    axes.axhline(1.0, color="black", linewidth=0.8, linestyle="--")
    axes.set_xticks(range(len(report.rows)))
    axes.set_xticklabels([row.title for row in report.rows], rotation=20, ha="right", fontsize=8)
    axes.set_ylabel("speedup against serial")
    top = max((c.speedup or 0 for r in report.rows for c in r.cells), default=1.0)
    if top > 20:
        axes.set_yscale("log")
    axes.set_title(f"concadvisor demo · {report.environment.cpus} CPUs · {report.python}")
    axes.legend(fontsize=8)
    figure.tight_layout()
    try:
        figure.savefig(path)
    except OSError as exc:
        raise ConcadvisorError(f"--plot {path}: cannot write ({exc.strerror or exc})") from None
    finally:
        plt.close(figure)
