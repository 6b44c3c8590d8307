"""``--statistics``: how many findings of each code, most frequent first (as ruff prints them).

Text: ``COUNT  CODE  name`` per line, then the summary; JSON: a list of
``{"code", "name", "severity", "count"}`` objects.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, TextIO

from ..codes import CODES_BY_ID
from ..diagnostics import LintResult
from .text import summary

__all__ = ["STATISTICS_FORMATS", "counts", "render"]

#: The ``--format`` values ``--statistics`` can be printed in.
STATISTICS_FORMATS = ("text", "json")


def counts(result: LintResult) -> list[dict[str, Any]]:
    """One entry per code found, most frequent first, then by code."""
    found = Counter(d.code for d in result.diagnostics)
    ordered = sorted(found.items(), key=lambda item: (-item[1], item[0]))
    return [
        {
            "code": code,
            "name": CODES_BY_ID[code].name,
            "severity": CODES_BY_ID[code].severity,
            "count": count,
        }
        for code, count in ordered
    ]


def render(result: LintResult, out: TextIO, format: str, *, quiet: bool = False) -> None:
    entries = counts(result)
    if format == "json":
        out.write(json.dumps(entries, indent=2) + "\n")
        return
    width = max((len(str(entry["count"])) for entry in entries), default=1)
    for entry in entries:
        out.write(f"{entry['count']:>{width}}  {entry['code']}  {entry['name']}\n")
    if not quiet:
        out.write(summary(result) + "\n")
