"""``concadvisor lint``: check declared task profiles and their target code."""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from . import UsageError

if TYPE_CHECKING:
    from ..lint.diagnostics import LintResult


def _budget(value: str) -> float:
    try:
        budget = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {value!r}") from None
    if not 0 < budget <= 3600:
        raise argparse.ArgumentTypeError(f"expected 0 < seconds <= 3600, got {value!r}")
    return budget


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ..lint.formatters import FORMATS

    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="configuration files, .py files or directories to lint (default: the project "
        "found upward from the current directory: the nearest directory with a "
        "concadvisor.toml or a pyproject.toml with [tool.concadvisor]; else .)",
    )
    parser.add_argument(
        "--format",
        choices=sorted(FORMATS),
        default="text",
        help="output format (default: text)",
    )
    parser.add_argument(
        "--select",
        action="append",
        default=None,
        metavar="CODES",
        help="report only these codes or prefixes, comma-separated (replaces the config's)",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        default=None,
        metavar="CODES",
        help="do not report these codes or prefixes (adds to the config's)",
    )
    parser.add_argument(
        "--fail-on",
        choices=("error", "warning"),
        default=None,
        help="lowest severity that makes the exit code 1 (default: config, else warning)",
    )
    parser.add_argument(
        "--exit-zero",
        action="store_true",
        help="exit 0 even when findings fail (unreadable input still exits 2)",
    )
    parser.add_argument(
        "--statistics",
        action="store_true",
        help="print how many findings of each code instead of the findings (text or json)",
    )
    parser.add_argument(
        "--output-file",
        "-o",
        metavar="FILE",
        default=None,
        help="write the output to FILE instead of standard output",
    )
    parser.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="print the findings only: no summary line",
    )
    parser.add_argument(
        "--probe",
        action="store_true",
        help="also measure each task's target and compare with the declared executor (slow)",
    )
    parser.add_argument(
        "--probe-budget",
        type=_budget,
        default=5.0,
        metavar="SECONDS",
        help="with --probe: time budget per task (default: 5)",
    )
    parser.add_argument(
        "--schema",
        choices=("concadvisor", "pyproject"),
        default=None,
        help="print the JSON schema of concadvisor.toml or of [tool.concadvisor] (for "
        "editors) and exit",
    )


def _selectors(values: list[str] | None, flag: str) -> tuple[str, ...] | None:
    from ..lint.settings import parse_selector_list, selector_problem

    if values is None:
        return None
    selectors = parse_selector_list(values)
    if not selectors and flag == "--select":
        # An empty selection would report nothing and exit 0: surely not what was meant.
        raise UsageError(f"{flag}: no codes given (e.g. {flag} CA3)")
    for selector in selectors:
        problem = selector_problem(selector)
        if problem is not None:
            raise UsageError(f"{flag}: {problem}")
    return selectors


def _default_paths() -> list[str]:
    """The project found upward from the working directory (as ruff finds its own), else
    the working directory itself."""
    from ..lint.discovery import project_root_above

    try:
        root = project_root_above(Path.cwd())
    except OSError:  # the working directory is gone: "." gives the one-line error
        return ["."]
    if root is None:
        return ["."]
    return [os.path.relpath(root)]


def _render(args: argparse.Namespace, result: LintResult, out: TextIO) -> None:
    if args.statistics:
        from ..lint.formatters import statistics

        statistics.render(result, out, args.format, quiet=args.quiet)
    elif args.format == "text":
        from ..lint.formatters import text

        text.render(result, out, quiet=args.quiet)
    else:
        from ..lint.formatters import get_renderer

        get_renderer(args.format)(result, out)


def _write(args: argparse.Namespace, result: LintResult) -> None:
    """The output, to ``--output-file`` or stdout.  The file is written in place (it may be a
    FIFO or a device), once the whole output is rendered."""
    if args.output_file is None:
        _render(args, result, sys.stdout)
        sys.stdout.flush()
        return
    buffer = io.StringIO()
    _render(args, result, buffer)
    try:
        with open(args.output_file, "w", encoding="utf-8") as out:
            out.write(buffer.getvalue())
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UsageError(f"--output-file {args.output_file}: cannot write ({reason})") from None


def run(args: argparse.Namespace) -> int:
    from ..lint.formatters.escaping import printable
    from ..lint.runner import LintOptions, lint_paths

    if args.schema is not None:
        import json

        from ..lint.schema import config_schema

        sys.stdout.write(json.dumps(config_schema(args.schema), indent=2) + "\n")
        return 0
    if args.statistics:
        from ..lint.formatters.statistics import STATISTICS_FORMATS

        if args.format not in STATISTICS_FORMATS:
            raise UsageError(f"--statistics prints text or json, not --format {args.format}")

    options = LintOptions(
        select=_selectors(args.select, "--select"),
        ignore=_selectors(args.ignore, "--ignore") or (),
        fail_on=args.fail_on,
        probe=args.probe,
        probe_budget=args.probe_budget,
    )
    result = lint_paths(args.paths or _default_paths(), options)
    _write(args, result)
    for error in result.input_errors:
        print(f"concadvisor: error: {printable(error)}", file=sys.stderr)
    if args.exit_zero and result.exit_code == 1:
        return 0
    return result.exit_code
