"""``--format json``: one object, ``findings`` sorted, stable keys (``version`` 1)."""

from __future__ import annotations

import json
from typing import Any, TextIO

from ..codes import CODES_BY_ID
from ..diagnostics import Diagnostic, LintResult
from .escaping import json_safe

__all__ = ["as_dict", "render"]

FORMAT_VERSION = 1


def _finding(d: Diagnostic) -> dict[str, Any]:
    at = d.location
    return {
        "path": at.path,
        "line": at.line,
        "column": at.column,
        # exclusive, as in SARIF and ruff; the start again when the span is not known
        "end_line": at.end_line if at.end_line is not None else at.line,
        "end_column": at.end_column if at.end_column is not None else at.column,
        "code": d.code,
        "name": CODES_BY_ID[d.code].name,
        "severity": d.severity,
        "message": d.message,
        "task": d.task,
        "fix": CODES_BY_ID[d.code].fix,
        "related": [{"path": r.path, "line": r.line, "column": r.column} for r in d.related],
    }


def as_dict(result: LintResult) -> dict[str, Any]:
    return {
        "version": FORMAT_VERSION,
        "findings": [_finding(d) for d in result.diagnostics],
        "summary": {
            "files": len(result.files),
            "tasks": result.tasks,
            "findings": len(result.diagnostics),
            "errors": result.count("error"),
            "warnings": result.count("warning"),
            "exit_code": result.exit_code,
        },
        "input_errors": list(result.input_errors),
    }


def render(result: LintResult, out: TextIO) -> None:
    out.write(json.dumps(json_safe(as_dict(result)), indent=2, ensure_ascii=False) + "\n")
