"""``concadvisor lint``: check declared task profiles and their target code."""

from __future__ import annotations

import argparse
import sys

from . import UsageError


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
        "paths", nargs="*", metavar="PATH", help="files or directories to lint (default: .)"
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


def run(args: argparse.Namespace) -> int:
    from ..lint.formatters import get_renderer
    from ..lint.formatters.escaping import printable
    from ..lint.runner import LintOptions, lint_paths

    if args.schema is not None:
        import json

        from ..lint.schema import config_schema

        sys.stdout.write(json.dumps(config_schema(args.schema), indent=2) + "\n")
        return 0

    options = LintOptions(
        select=_selectors(args.select, "--select"),
        ignore=_selectors(args.ignore, "--ignore") or (),
        fail_on=args.fail_on,
        probe=args.probe,
        probe_budget=args.probe_budget,
    )
    result = lint_paths(args.paths or ["."], options)
    get_renderer(args.format)(result, sys.stdout)
    sys.stdout.flush()
    for error in result.input_errors:
        print(f"concadvisor: error: {printable(error)}", file=sys.stderr)
    return result.exit_code
