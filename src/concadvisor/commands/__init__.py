"""CLI subcommands: one module each, wired together by :mod:`concadvisor.cli`.

Each module exposes ``NAME``, ``HELP``, ``DESCRIPTION``, ``add_arguments(parser)`` and
``run(args) -> int`` (the exit code).  Errors meant for the user are raised as
:class:`concadvisor.commands.UsageError` (exit 2) or the library's own errors.
"""

from __future__ import annotations

__all__ = ["UsageError"]


class UsageError(Exception):
    """Bad command-line input: reported on one line, exit code 2."""
