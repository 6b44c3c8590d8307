"""``concadvisor`` command line: argparse wiring and error handling, no logic."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from pydantic import ValidationError

from ._version import __version__
from .commands import UsageError
from .errors import ConcadvisorError
from .validation import format_validation_error

__all__ = ["main"]

#: Subcommand modules, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = ("demo", "advise", "probe", "lint", "calibrate", "rules", "schema")

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def _command_module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"concadvisor.commands.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"concadvisor.commands.{name}":
            return None
        raise


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="concadvisor",
        description=(
            "Which Python concurrency model fits a task -- one thread, a thread pool, a "
            "process pool or asyncio -- and why; proven by measuring your own function."
        ),
        epilog="Run 'concadvisor COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"concadvisor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = _command_module(name)
        if module is None:
            continue
        command = sub.add_parser(
            module.NAME,
            help=module.HELP,
            description=module.DESCRIPTION,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(command)
        command.set_defaults(_run=module.run)
    return parser


def _error(message: str) -> None:
    print(f"concadvisor: error: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    run = getattr(args, "_run", None)
    if run is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        code: int = run(args)
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_INTERRUPTED
    except ValidationError as exc:
        _error(f"invalid profile: {format_validation_error(exc)}")
        return EXIT_USAGE
    except (UsageError, ConcadvisorError) as exc:
        _error(str(exc))
        return EXIT_USAGE
    except BrokenPipeError:
        # Output piped into e.g. `head`: not an error of ours.
        sys.stderr.close()
        return EXIT_OK
    return code


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
