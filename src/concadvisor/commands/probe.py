"""``concadvisor probe TARGET``: measure a function under every executor, check the advice."""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..profile import TASKS_MAX
from ..profile_flags import add_profile_flags, profile_data
from . import UsageError, check_output_path

if TYPE_CHECKING:
    from ..probing.report import ProbeReport

#: A pool wider than this measures the machine's process table, not the function.
MAX_WORKERS = 1024


def _worker_count(text: str) -> int:
    value = _positive_int(text)
    if value > MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"expected at most {MAX_WORKERS}, got {text!r}")
    return value


def _positive_int(text: str, most: int | None = None) -> int:
    shown = repr(text) if len(text) <= 40 else f"{text[:30]!r}... ({len(text)} characters)"
    expected = "an integer >= 1" if most is None else f"an integer from 1 to {most}"
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {shown}") from None
    if value < 1 or (most is not None and value > most):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {shown}")
    return value


def _task_count(text: str) -> int:
    """--tasks: bounded as the profile's ``tasks`` is, before anything is measured."""
    return _positive_int(text, TASKS_MAX)


def _budget(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds > 0, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected seconds > 0, got {text!r}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", metavar="TARGET", help="pkg.mod:func or path/to/file.py:func")
    parser.add_argument("--args", metavar="JSON_LIST", help="positional arguments, a JSON list")
    parser.add_argument("--kwargs", metavar="JSON_OBJECT", help="keyword arguments, a JSON object")
    parser.add_argument(
        "--inputs",
        metavar="MODULE:FACTORY",
        help="a function returning an iterable of per-task argument tuples",
    )
    parser.add_argument(
        "--setup",
        metavar="MODULE:FUNC",
        help="called once per worker (thread, process, event loop) before timing; the target "
        "reads its result with concadvisor.worker_state()",
    )
    parser.add_argument(
        "--workers",
        type=_worker_count,
        metavar="N",
        help=f"pool size / concurrency limit, at most {MAX_WORKERS} (default: planned)",
    )
    parser.add_argument(
        "--budget",
        type=_budget,
        default=10.0,
        metavar="SECONDS",
        help="time for the whole probe, start-up included (default: 10)",
    )
    parser.add_argument(
        "--python",
        metavar="PATH",
        help="measure under this interpreter (any executable, a wrapper script too); it needs "
        "concadvisor's dependencies (pydantic, rich) installed",
    )
    parser.add_argument(
        "--compare-python",
        metavar="PATH",
        help="probe under this interpreter and PATH, half the budget each, side by side: "
        "would the free-threaded build help?",
    )
    parser.add_argument(
        "--executors",
        metavar="LIST",
        help="comma-separated executors to measure, e.g. serial,processes,dask (default: "
        "every one available here but dask; serial, the baseline, always runs)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the dask executor on the Dask cluster at ADDRESS (tcp://host:8786) "
        "instead of a LocalCluster the probe starts and stops; implies dask",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--plot", type=Path, metavar="FILE.png", help="draw the speedups")
    parser.add_argument(
        "--profile", type=Path, metavar="FILE", help="TOML/JSON profile overriding measurements"
    )
    parser.add_argument("--task", metavar="NAME", help="with --profile: which [tasks.NAME]")
    # --tasks is both a probe flag (tasks per round) and the profile field of that meaning:
    # the probe defines its own.
    add_profile_flags(parser, exclude=frozenset({"tasks"}))
    group = parser.add_argument_group("probe size")
    group.add_argument(
        "--tasks",
        type=_task_count,
        metavar="N",
        help="how many tasks you have (the profile's tasks); a round runs at most that many "
        "(default: the round's size, planned from the budget)",
    )


def _json_arg(flag: str, text: str | None, kind: type) -> Any:
    if text is None:
        return kind()
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{flag}: invalid JSON: {exc}") from None
    except RecursionError:
        raise UsageError(f"{flag}: invalid JSON: nested too deeply") from None
    if not isinstance(value, kind):
        expected = "a JSON list" if kind is list else "a JSON object"
        raise UsageError(f"{flag}: expected {expected}, got {type(value).__name__}")
    return value


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    data = profile_data(args)
    data.pop("tasks", None)  # a profile file's tasks would fight --tasks: --tasks decides
    return data


@contextmanager
def _terminate_cleanly() -> Iterator[None]:
    """Turn SIGTERM into SystemExit so that the runner group is killed on the way out."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(args: argparse.Namespace) -> int:
    from ..probing.api import run_probe
    from ..probing.plot import check_plotting, write_plot
    from ..probing.selection import check_scheduler, select_executors

    call_args = _json_arg("--args", args.args, list)
    call_kwargs = _json_arg("--kwargs", args.kwargs, dict)
    if args.inputs is not None and (args.args is not None or args.kwargs is not None):
        raise UsageError("--inputs replaces --args/--kwargs: give one or the other")
    if args.plot is not None:
        check_plotting()
        check_output_path("--plot", args.plot)
    overrides = _overrides(args)
    try:
        executors = select_executors(args.executors, scheduler=args.scheduler)
        if args.scheduler is not None:
            check_scheduler(args.scheduler)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.python is not None and args.compare_python is not None:
        raise UsageError(
            "--compare-python runs this interpreter and PATH: give it without --python"
        )

    def one_probe(budget: float, python: str | None) -> ProbeReport:
        return run_probe(
            args.target,
            args=call_args,
            kwargs=call_kwargs,
            inputs=args.inputs,
            tasks=args.tasks,
            workers=args.workers,
            budget=budget,
            overrides=overrides,
            progress=sys.stderr.isatty(),
            python=python,
            setup=args.setup,
            executors=executors,
            scheduler=args.scheduler,
        )

    with _terminate_cleanly():
        if args.compare_python is not None:
            from ..probing.compare import compare_pythons

            report = compare_pythons(one_probe, args.compare_python, args.budget)
        else:
            report = one_probe(args.budget, args.python)
    if args.plot is not None:
        write_plot(report, args.plot)
    if args.json:
        sys.stdout.write(json.dumps(report.model_dump(mode="json"), indent=2) + "\n")
    else:
        from ..probing.display import render_report
        from ..render import make_console

        render_report(make_console(), report)
    return report.exit_code
