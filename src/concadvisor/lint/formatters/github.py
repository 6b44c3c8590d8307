"""``--format github``: GitHub Actions workflow commands, one annotation per finding.

``::error file=F,line=L,col=C,title=CODE name::message`` -- data is escaped as the runner
expects (``%``, CR, LF; in properties also ``:`` and ``,``), after every control character
has been made visible.
"""

from __future__ import annotations

from typing import TextIO

from ..codes import CODES_BY_ID
from ..diagnostics import LintResult
from .escaping import printable

__all__ = ["escape_data", "escape_property", "render"]


def escape_data(value: str) -> str:
    """CR and LF as the runner expects them (a newline stays inside the annotation and can
    never start a workflow command of its own); every other control character is then
    made visible (:func:`printable`), so no escape sequence reaches the log."""
    return printable(value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def render(result: LintResult, out: TextIO) -> None:
    for d in result.diagnostics:
        loc = d.location
        props = ",".join(
            (
                f"file={escape_property(loc.path)}",
                f"line={loc.line}",
                f"col={loc.column}",
                f"title={escape_property(f'{d.code} {CODES_BY_ID[d.code].name}')}",
            )
        )
        out.write(f"::{d.severity} {props}::{escape_data(f'{d.code} {d.message}')}\n")
