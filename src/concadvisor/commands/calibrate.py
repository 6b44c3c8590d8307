"""``concadvisor calibrate``: measure this machine's concurrency costs and cache them."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from . import UsageError

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


def _defaults_document() -> dict[str, Any]:
    from ..costs.cache import CACHE_FORMAT
    from ..costs.machine import DEFAULT_COSTS, machine_fingerprint

    return {
        "format": CACHE_FORMAT,
        "fingerprint": machine_fingerprint(),
        "measured_at": None,
        "costs": DEFAULT_COSTS.model_dump(mode="json"),
        "measurements": [],
    }


def _show(args: argparse.Namespace) -> int:
    from ..costs.cache import cache_path, load_cache_document

    path = cache_path()
    document = load_cache_document(path)
    cached = document is not None
    if document is None:
        document = _defaults_document()
    if args.json:
        sys.stdout.write(json.dumps({**document, "path": str(path), "cached": cached}) + "\n")
        return 0
    from ..render import make_console, render_calibration

    render_calibration(make_console(), document, path=path, cached=cached)
    return 0


def run(args: argparse.Namespace) -> int:
    if args.show:
        if args.no_save or args.start_methods:
            raise UsageError("--show takes no measurement options")
        return _show(args)
    from ..costs.cache import cache_path, save_cache_document
    from ..costs.calibration import calibrate
    from ..render import calibration_progress, make_console, render_calibration

    with calibration_progress(make_console(sys.stderr)) as progress:
        result = calibrate(args.budget, methods=args.start_methods, progress=progress)
    document = result.document()
    path = cache_path(result.costs.fingerprint)
    if not args.no_save:
        try:
            path = save_cache_document(document, path)
        except OSError as exc:
            raise UsageError(f"cannot write the calibration cache {path}: {exc}") from None
    if args.json:
        sys.stdout.write(json.dumps({**document, "path": str(path), "cached": not args.no_save}))
        sys.stdout.write("\n")
        return 0
    render_calibration(make_console(), document, path=path, cached=not args.no_save)
    return 0
