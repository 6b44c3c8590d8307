"""``concadvisor calibrate``: measure this machine's concurrency costs and cache them."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from . import UsageError

if TYPE_CHECKING:
    from ..costs.document import CalibrationDocument

_METHODS = ("fork", "forkserver", "spawn")


def _budget(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not math.isfinite(value) or value <= 0 or value > 600:
        raise argparse.ArgumentTypeError(f"must be between 0 and 600 seconds, got {text}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--budget",
        type=_budget,
        default=15.0,
        metavar="SECONDS",
        help="time to spend measuring (default: 15)",
    )
    parser.add_argument(
        "--start-method",
        action="append",
        choices=_METHODS,
        dest="start_methods",
        metavar="METHOD",
        help="measure process start-up only for this start method (repeatable; default: all "
        "this platform offers)",
    )
    parser.add_argument(
        "--show",
        action="store_true",
        help="print the cached calibration (or the defaults in use) instead of measuring",
    )
    parser.add_argument(
        "--no-save", action="store_true", help="measure and print, but do not write the cache"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def _show(args: argparse.Namespace) -> int:
    from ..costs.cache import cache_path, load_cache_document
    from ..costs.document import CalibrationDocument
    from ..costs.machine import machine_fingerprint

    fingerprint = machine_fingerprint()
    path = cache_path(fingerprint)
    document = load_cache_document(path)
    cached = document is not None
    if document is None:
        document = CalibrationDocument.defaults(fingerprint)
    return _print(args, document, path=path, cached=cached)


def _print(
    args: argparse.Namespace, document: CalibrationDocument, *, path: Path, cached: bool
) -> int:
    data = document.as_json()
    if args.json:
        sys.stdout.write(json.dumps({**data, "path": str(path), "cached": cached}) + "\n")
        return 0
    from ..render import make_console, render_calibration

    render_calibration(make_console(), data, path=path, cached=cached)
    return 0


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    if args.show:
        if args.no_save or args.start_methods:
            raise UsageError("--show takes no measurement options")
        return _show(args)
    from ..costs.cache import cache_path, check_writable, save_cache_document
    from ..costs.isolation import calibrate_isolated
    from ..costs.machine import machine_fingerprint
    from ..render import calibration_progress, make_console

    path = cache_path(machine_fingerprint())
    if not args.no_save:
        try:  # before measuring: a result that cannot be kept is time lost
            check_writable(path)
        except OSError as exc:
            raise UsageError(f"cannot write the calibration cache {path}: {exc}") from None
    if sys.stderr.isatty():
        with calibration_progress(make_console(sys.stderr)) as progress:
            result = calibrate_isolated(
                args.budget, methods=args.start_methods, progress=progress, started=started
            )
    else:  # a bar in a log is noise: rich's, stopped, still writes an empty line
        result = calibrate_isolated(args.budget, methods=args.start_methods, started=started)
    document = result.document()
    if not args.no_save:
        try:
            path = save_cache_document(document, path)
        except OSError as exc:
            raise UsageError(f"cannot write the calibration cache {path}: {exc}") from None
    return _print(args, document, path=path, cached=not args.no_save)
