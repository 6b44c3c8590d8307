"""The lint result model: a finding with an exact position, and the result of a run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["SEVERITY_RANK", "Diagnostic", "LintResult", "Location", "Severity"]

Severity = Literal["error", "warning"]

#: Higher is more severe; ``fail-on`` compares against it.
SEVERITY_RANK: dict[Severity, int] = {"warning": 1, "error": 2}


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A position in a file: ``path`` as shown to the user, 1-based line and column.

    Columns count Unicode code points (SARIF ``unicodeCodePoints``), not bytes.  The end
    (``end_line``, ``end_column``) is exclusive, as in SARIF and ruff: the column just after
    the last character of the span; None until it is known (see :meth:`with_end`).
    """

    path: str
    line: int
    column: int
    end_line: int | None = field(default=None, compare=False)
    end_column: int | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"

    def with_end(self, line: int, column: int) -> Location:
        """This location spanning to (``line``, ``column``), exclusive."""
        return Location(self.path, self.line, self.column, line, column)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding.  ``task`` names the declared task it concerns (None: the whole file)."""

    location: Location
    code: str
    message: str
    severity: Severity
    task: str | None = None
    related: tuple[Location, ...] = ()
    #: ``fail-on`` of the configuration the finding comes from.
    fail_on: Severity = field(default="warning", compare=False)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.path, loc.line, loc.column, self.code, self.message)

    def fails(self) -> bool:
        """Whether this finding is at or above its configuration's ``fail-on``."""
        return SEVERITY_RANK[self.severity] >= SEVERITY_RANK[self.fail_on]


@dataclass(frozen=True, slots=True)
class LintResult:
    """Everything one run found, sorted, plus what was checked and what could not be read."""

    diagnostics: tuple[Diagnostic, ...]
    files: tuple[str, ...]
    tasks: int
    #: Inputs that could not be read at all (exit code 2), one line each.
    input_errors: tuple[str, ...] = ()

    @property
    def exit_code(self) -> int:
        if self.input_errors:
            return 2
        return 1 if any(d.fails() for d in self.diagnostics) else 0

    def count(self, severity: Severity) -> int:
        return sum(1 for d in self.diagnostics if d.severity == severity)
