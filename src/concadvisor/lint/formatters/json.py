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
    return {
        "path": d.location.path,
        "line": d.location.line,
        "column": d.location.column,
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
