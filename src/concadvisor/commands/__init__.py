"""CLI subcommands: one module each, wired together by :mod:`concadvisor.cli`.

Each module exposes ``NAME``, ``HELP``, ``DESCRIPTION``, ``add_arguments(parser)`` and
``run(args) -> int`` (the exit code).  Errors meant for the user are raised as
:class:`concadvisor.commands.UsageError` (exit 2) or the library's own errors.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["UsageError", "check_output_path"]


class UsageError(Exception):
    """Bad command-line input: reported on one line, exit code 2."""


def check_output_path(option: str, path: Path) -> None:
    """Refuse an output file that cannot be written, before spending time measuring."""
    if path.is_dir():
        raise UsageError(f"{option} {path}: is a directory, expected a file name")
    if not path.parent.is_dir():
        raise UsageError(f"{option} {path}: directory {path.parent} does not exist")
