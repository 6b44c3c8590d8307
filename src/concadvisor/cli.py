"""``concadvisor`` command line: argparse wiring and error handling, no logic.

Start-up is part of the interface: this module imports only the standard library and the
light table of commands, so that ``--version`` and ``--help`` cost little more than Python
itself.  The chosen command's module -- and with it pydantic, the rules or rich -- is
imported by :func:`main`, inside its guard, and so are the heavier ones its ``run()``
imports lazily: a Ctrl-C during any import waits for the import's end
(:mod:`concadvisor.interrupts`), then is one line and exit 130; whatever goes wrong is one
line on stderr, never a traceback.
"""

from __future__ import annotations

import errno
import importlib
import io
import os
import sys

from ._version import __version__
from .commands import COMMANDS, Command, UsageError
from .errors import ConcadvisorError

#: ``typing.TYPE_CHECKING`` without importing typing (see :mod:`concadvisor.commands`).
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

    from .commands import CommandModule

__all__ = ["main"]

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

#: Set (to anything but "" or "0") to see the traceback of an internal error.
TRACEBACK_VARIABLE = "CONCADVISOR_TRACEBACK"

VERSION_LINE = f"concadvisor {__version__}"

_BY_NAME = {command.name: command for command in COMMANDS}


def _load(command: Command) -> CommandModule:
    """Import ``command``'s module -- most of start-up (a Ctrl-C meanwhile waits for the
    import's end: see :mod:`concadvisor.interrupts`)."""
    module: CommandModule = importlib.import_module(command.module_name)
    return module


def build_parser(selected: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command; only ``selected``'s module is imported, for its flags."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="concadvisor",
        description=(
            "Which Python concurrency model fits a task -- one thread, a thread pool, a "
            "process pool or asyncio -- and why; proven by measuring your own function."
        ),
        epilog="Run 'concadvisor COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=VERSION_LINE)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        subparser = sub.add_parser(
            command.name,
            help=command.help,
            description=command.description,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if command.name == selected:
            module = _load(command)
            module.add_arguments(subparser)
            subparser.set_defaults(_run=module.run)
    return parser


def _selected(arguments: Sequence[str]) -> str | None:
    """The command named in ``arguments``: the first one that is not an option (the top
    level has no option that takes a value)."""
    for argument in arguments:
        if not argument.startswith("-"):
            return argument if argument in _BY_NAME else None
    return None


def _error(message: str) -> None:
    print(f"concadvisor: error: {message}", file=sys.stderr)


def _one_line(exc: BaseException) -> str:
    """``Type: message`` on one line, even for a message that spans lines or cannot be shown."""
    try:
        message = " ".join(str(exc).split())
    except Exception:  # an exception whose __str__ raises still gets reported
        message = "<message unavailable>"
    name = type(exc).__name__
    return f"{name}: {message}" if message else name


def _internal_error(exc: BaseException) -> int:
    """A bug of ours (or an unforeseen failure): one line, exit 2; the traceback on request."""
    if os.environ.get(TRACEBACK_VARIABLE, "") not in ("", "0"):
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__)
        print(f"concadvisor: internal error: {_one_line(exc)}", file=sys.stderr)
    else:
        print(
            f"concadvisor: internal error: {_one_line(exc)} "
            f"(set {TRACEBACK_VARIABLE}=1 for the traceback)",
            file=sys.stderr,
        )
    return EXIT_USAGE


def _validation_message(exc: Exception) -> str | None:
    """The one-line message of a pydantic ``ValidationError``, without importing pydantic
    when no command did."""
    pydantic_core = sys.modules.get("pydantic_core")
    if pydantic_core is None or not isinstance(exc, pydantic_core.ValidationError):
        return None
    from .validation import format_validation_error

    return format_validation_error(exc)


def _replace_unencodable_output() -> None:
    """Let output survive any stdout encoding (``PYTHONIOENCODING=ascii``, a C locale):
    a character the stream cannot encode becomes ``?`` instead of an exception."""
    stream = sys.stdout
    if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
        stream.reconfigure(errors="replace")


#: errno values of a write that cannot succeed: the output's disk is full or broken.
_WRITE_ERRNOS = frozenset(
    getattr(errno, name) for name in ("ENOSPC", "EDQUOT", "EFBIG", "EIO") if hasattr(errno, name)
)


def _is_write_failure(exc: OSError) -> bool:
    """Whether ``exc`` is a failed write to an open stream (stdout, most often: its file
    object does not know its name), rather than an operation on a named file."""
    return exc.filename is None and exc.errno in _WRITE_ERRNOS


def _discard_output() -> None:
    """Point the process's stdout at the null device, so that the interpreter's last flush
    of what could not be written does not print a traceback of its own.  Left alone when
    stdout is not the process's own (a caller that captures it)."""
    stream = sys.stdout
    if stream is not sys.__stdout__ or stream is None:
        return
    try:
        fd = stream.fileno()
    except (OSError, ValueError):
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, fd)
    finally:
        os.close(null)


def _dispatch(argv: Sequence[str] | None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    if arguments == ["--version"]:
        # The same line as argparse's version action, without paying for argparse (its
        # first parser costs as much as Python's own start-up).
        sys.stdout.write(f"{VERSION_LINE}\n")
        return EXIT_OK
    from .interrupts import DeferredInterrupts

    with DeferredInterrupts():  # the command's imports, its run()'s and the library's
        parser = build_parser(_selected(arguments))
        args = parser.parse_args(arguments)
        run = getattr(args, "_run", None)
        if run is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        code: int = run(args)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code; every failure is one line on stderr.

    0 and 1 are the command's own; 2 a usage error, bad input, unwritable output or an
    internal error; 130 interrupted.  argparse's own exits (``--help``, ``--version``, bad
    flags) still raise :class:`SystemExit`, after their output has been flushed.
    """
    _replace_unencodable_output()
    try:
        try:
            return _dispatch(argv)
        finally:
            sys.stdout.flush()  # inside the guard: a full disk fails here, not at exit
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # Output piped into e.g. `head`: not an error of ours.
        _discard_output()
        return EXIT_OK
    except (UsageError, ConcadvisorError) as exc:
        _error(str(exc))
        return EXIT_USAGE
    except OSError as exc:
        if not _is_write_failure(exc):
            return _internal_error(exc)
        _discard_output()
        _error(f"cannot write the output: {exc.strerror or _one_line(exc)}")
        return EXIT_USAGE
    except Exception as exc:
        message = _validation_message(exc)
        if message is None:
            return _internal_error(exc)
        _error(f"invalid profile: {message}")
        return EXIT_USAGE
    except (SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # e.g. pyo3's PanicException from an extension module
        return _internal_error(exc)


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
