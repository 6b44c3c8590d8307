"""``--format sarif``: SARIF 2.1.0 for code scanning (GitHub, GitLab, IDEs).

Every lint code is listed in ``tool.driver.rules`` (generated from the same objects as the
docs), results point at ``%SRCROOT%``-relative URIs with code-point columns.  Severity maps
to SARIF ``level`` in one place (:data:`LEVELS`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path, PurePosixPath
from typing import Any, TextIO
from urllib.parse import quote

from ..._version import __version__
from ...registry import LINT_CODES
from ..diagnostics import Diagnostic, LintResult, Location, Severity
from .escaping import json_safe

__all__ = ["LEVELS", "as_sarif", "render"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS: dict[Severity, str] = {"error": "error", "warning": "warning"}
_RULE_INDEX = {code.id: index for index, code in enumerate(LINT_CODES)}


def _rules() -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for code in LINT_CODES:
        markdown = (
            f"**{code.title}** ({code.effect})\n\n{code.rationale}\n\n"
            f"**Use instead:** {code.fix}\n\n**Example:**\n\n```\n{code.example}\n```"
        )
        rules.append(
            {
                "id": code.id,
                "name": code.name,
                "shortDescription": {"text": code.title},
                "fullDescription": {"text": code.rationale},
                "help": {"text": code.fix, "markdown": markdown},
                "defaultConfiguration": {"level": LEVELS[code.severity]},
                "properties": {"tags": [code.family, code.guidance], "guidance": code.guidance},
            }
        )
    return rules


def _artifact(location: Location) -> dict[str, Any]:
    path = PurePosixPath(location.path)
    if path.is_absolute():
        return {"uri": Path(location.path).as_uri()}
    # The file name's own bytes, percent-encoded: also right for names that are not UTF-8.
    return {"uri": quote(os.fsencode(location.path)), "uriBaseId": "%SRCROOT%"}


def _physical(location: Location) -> dict[str, Any]:
    region = {"startLine": location.line, "startColumn": location.column}
    if location.end_line is not None and location.end_column is not None:
        region["endLine"] = location.end_line
        region["endColumn"] = location.end_column
    return {"physicalLocation": {"artifactLocation": _artifact(location), "region": region}}


def _result(d: Diagnostic) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": d.code,
        "ruleIndex": _RULE_INDEX[d.code],
        "level": LEVELS[d.severity],
        "message": {"text": d.message},
        "locations": [_physical(d.location)],
    }
    if d.related:
        result["relatedLocations"] = [
            {"id": index, **_physical(loc), "message": {"text": "declared here"}}
            for index, loc in enumerate(d.related)
        ]
    if d.task is not None:
        result["properties"] = {"task": d.task}
    return result


def as_sarif(result: LintResult, base: Path | None = None) -> dict[str, Any]:
    try:
        root = (base or Path.cwd()).resolve().as_uri().rstrip("/") + "/"
    except OSError:  # the working directory was deleted: the paths shown are absolute
        root = "file:///"
    invocation: dict[str, Any] = {"executionSuccessful": not result.input_errors}
    if result.input_errors:
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": error}} for error in result.input_errors
        ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "concadvisor",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": _rules(),
                    }
                },
                "invocations": [invocation],
                "originalUriBaseIds": {"%SRCROOT%": {"uri": root}},
                "columnKind": "unicodeCodePoints",
                "results": [_result(d) for d in result.diagnostics],
            }
        ],
    }


def render(result: LintResult, out: TextIO) -> None:
    out.write(json.dumps(json_safe(as_sarif(result)), indent=2, ensure_ascii=False) + "\n")
