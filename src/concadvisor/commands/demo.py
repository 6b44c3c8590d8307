"""``concadvisor demo``: the guidance, measured on this machine."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import UsageError, check_output_path

#: An hour: more says nothing a minute does not, and a typo should not run all night.
MAX_BUDGET = 3600.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--budget",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="time for the whole demo (default 60, minimum 15)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="WORKLOAD",
        help="measure only these rows: cpu-python native-cpu sleep-io http-blocking "
        "http-async mixed tiny large-payload connections",
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=2000,
        metavar="N",
        help="concurrent connections for the connections row (default 2000)",
    )
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="also write a Markdown table")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the full results")
    parser.add_argument("--plot", type=Path, metavar="FILE.png", help="also draw a bar chart")


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .. import errors
    from ..demo.render import check_plotting, render_table, to_markdown, write_plot
    from ..demo.run import MIN_BUDGET, run_demo
    from ..demo.scenarios import CONNECTIONS, SCENARIOS
    from ..render import make_console

    if args.connections < 1:
        raise UsageError(f"--connections must be >= 1, got {args.connections}")
    if not MIN_BUDGET <= args.budget <= MAX_BUDGET:  # also rejects NaN and infinity
        raise UsageError(
            f"--budget must be between {MIN_BUDGET:g} and {MAX_BUDGET:g} s, got {args.budget:g}"
        )
    known = {s.key for s in SCENARIOS} | {CONNECTIONS.key}
    for key in args.only or ():
        if key not in known:
            raise UsageError(f"unknown workload {key!r}; choose from {', '.join(sorted(known))}")
    if args.plot is not None:
        check_plotting()
    for option, path in (
        ("--markdown", args.markdown),
        ("--json", args.json),
        ("--plot", args.plot),
    ):
        if path is not None:
            check_output_path(option, path)
    with Progress(
        TextColumn("demo: {task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("starting", total=1.0)
        report = run_demo(
            args.budget,
            only=args.only,
            connections=args.connections,
            progress=lambda text, done: bar.update(task, description=text, completed=done),
        )
    render_table(make_console(), report)
    try:
        if args.markdown is not None:
            args.markdown.write_text(to_markdown(report), encoding="utf-8")
        if args.json is not None:
            args.json.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise errors.ConcadvisorError(f"cannot write output: {exc}") from None
    if args.plot is not None:
        write_plot(report, args.plot)
    if args.markdown or args.json or args.plot:
        written = [str(p) for p in (args.markdown, args.json, args.plot) if p is not None]
        print(f"wrote {', '.join(written)}", file=sys.stderr)
    return 0
