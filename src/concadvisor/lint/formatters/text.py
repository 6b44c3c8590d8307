"""``--format text``: ``path:line:col: CODE [severity] message``, sorted, and a summary.

Paths and messages go through :func:`~.escaping.printable`: one finding, one line, and
nothing in it that a terminal would act on.
"""

from __future__ import annotations

from typing import TextIO

from ..diagnostics import LintResult
from .escaping import printable

__all__ = ["render", "summary"]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(result: LintResult) -> str:
    checked = f"{_plural(result.tasks, 'task')} in {_plural(len(result.files), 'file')}"
    found = len(result.diagnostics)
    if not found:
        return f"No findings ({checked} checked)."
    errors, warnings = result.count("error"), result.count("warning")
    return (
        f"Found {_plural(found, 'finding')} ({_plural(errors, 'error')}, "
        f"{_plural(warnings, 'warning')}; {checked} checked)."
    )


def render(result: LintResult, out: TextIO, *, quiet: bool = False) -> None:
    """The findings, then (unless ``quiet``) the summary line."""
    for d in result.diagnostics:
        out.write(printable(f"{d.location}: {d.code} [{d.severity}] {d.message}") + "\n")
    if not quiet:
        out.write(summary(result) + "\n")
