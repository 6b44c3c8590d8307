"""``--plot FILE.png``: speedup per executor with its spread (needs the ``plot`` extra)."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

from ..errors import ConcadvisorError
from ..profile import Executor
from .report import ProbeReport

__all__ = ["PlotUnavailable", "check_plotting", "write_plot"]


class PlotUnavailable(ConcadvisorError):
    """matplotlib is not installed."""


def check_plotting() -> None:
    """Raise :class:`PlotUnavailable` (one line) unless matplotlib can be imported."""
    if importlib.util.find_spec("matplotlib") is None:
        raise PlotUnavailable("--plot needs matplotlib: pip install 'concadvisor[plot]'")


def write_plot(report: ProbeReport, path: Path) -> None:
    """Bar chart of each ok executor's speedup against serial, with error bars."""
    check_plotting()
    import matplotlib  # type: ignore[import-not-found,unused-ignore]

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # type: ignore[import-not-found,unused-ignore]

    by_name = {r.executor.value: r for r in report.results}
    serial = by_name.get(Executor.SERIAL)
    names: list[str] = []
    speedups: list[float] = []
    errors: list[float] = []
    for result in report.results:
        if result.speedup is None or result.wall_seconds is None or serial is None:
            continue
        names.append(result.executor.value)
        speedups.append(result.speedup)
        rel = (result.spread_seconds or 0.0) / result.wall_seconds
        base = (serial.spread_seconds or 0.0) / (serial.wall_seconds or 1.0)
        errors.append(result.speedup * math.hypot(rel, base))
    figure, axes = plt.subplots(figsize=(6, 3.5))
    colors = [
        "tab:green" if n == report.recommendation.executor.value else "tab:gray" for n in names
    ]
    axes.bar(names, speedups, yerr=errors, capsize=6, color=colors)
    axes.axhline(1.0, color="black", linewidth=0.8, linestyle="--")
    axes.set_ylabel("speedup against serial")
    axes.set_title(f"{report.target}: {report.verdict}", fontsize=10)
    figure.tight_layout()
    try:
        figure.savefig(path)
    except OSError as exc:
        raise ConcadvisorError(f"--plot {path}: cannot write ({exc.strerror or exc})") from None
    finally:
        plt.close(figure)
