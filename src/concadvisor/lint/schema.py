"""JSON schemas of the files lint reads, for editor completion (taplo, VS Code).

``concadvisor schema`` describes one TaskProfile and forbids other keys; a declared task
also holds ``executor``, ``workers``, ``target`` and ``ignore``, and for ``lint --probe``
``args``, ``kwargs``, ``inputs`` and ``setup``.  These schemas wrap the
profile schema so that editors complete and validate whole ``concadvisor.toml`` files and
the ``[tool.concadvisor]`` section of ``pyproject.toml``.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from ..profile import Executor
from ..schema import SCHEMA_DIALECT, profile_schema
from .codes import CODES

__all__ = ["config_schema"]


def _selectors(description: str) -> dict[str, Any]:
    return {
        "type": "array",
        "description": description,
        "items": {"type": "string", "pattern": "^CA[0-9]{0,3}$"},
        "examples": [[code.id for code in CODES[:2]]],
    }


def _task_schema() -> tuple[dict[str, Any], dict[str, Any]]:
    profile = copy.deepcopy(profile_schema())
    defs = profile.pop("$defs", {})
    properties = profile["properties"]
    properties.pop("$schema", None)
    properties["executor"] = {
        "enum": [e.value for e in Executor],
        "description": "The executor the code uses today (what lint checks against the advice).",
    }
    properties["workers"] = {
        "type": "integer",
        "minimum": 1,
        "description": "Pool size (threads/processes) or concurrency limit (asyncio).",
    }
    properties["target"] = {
        "type": "string",
        "pattern": "^[^:]+:[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*$",
        "description": "The task's function: 'pkg.mod:func', 'path/to/file.py:func' or "
        "'mod:Class.method'.",
    }
    properties["ignore"] = _selectors("Lint codes not to report for this task.")
    spec = properties["target"]["pattern"]
    properties["args"] = {
        "type": "array",
        "description": "lint --probe: positional arguments of each call of the target.",
    }
    properties["kwargs"] = {
        "type": "object",
        "description": "lint --probe: keyword arguments of each call of the target.",
    }
    properties["inputs"] = {
        "type": "string",
        "pattern": spec,
        "description": "lint --probe: 'pkg.mod:factory' returning per-task argument tuples "
        "(instead of args/kwargs).",
    }
    properties["setup"] = {
        "type": "string",
        "pattern": spec,
        "description": "lint --probe: 'pkg.mod:func' called once per worker before timing; "
        "the target reads its result with concadvisor.worker_state().",
    }
    profile["required"] = sorted({*profile.get("required", []), "executor"})
    for key in ("$schema", "title", "$comment"):
        profile.pop(key, None)
    profile["description"] = "A declared task: TaskProfile fields plus lint's keys."
    return profile, defs


def config_schema(kind: Literal["concadvisor", "pyproject"] = "concadvisor") -> dict[str, Any]:
    """Schema of a ``concadvisor.toml`` file, or of a whole ``pyproject.toml``'s
    ``[tool.concadvisor]`` section (``kind="pyproject"``)."""
    task, defs = _task_schema()
    section: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "$schema": {"type": "string"},
            "select": _selectors("Lint codes or prefixes to report (default: all)."),
            "ignore": _selectors("Lint codes or prefixes not to report."),
            "fail-on": {
                "enum": ["error", "warning"],
                "description": "Lowest severity that makes `concadvisor lint` exit 1.",
            },
            "target-version": {
                "type": "string",
                "pattern": "^(py)?3\\.?[0-9]{1,2}$",
                "description": 'Python version lint\'s advice assumes, e.g. "3.13" (default: '
                "the lower bound of requires-python, else 3.10).",
            },
            "free-threaded": {
                "type": "boolean",
                "description": "Lint's advice assumes a free-threaded build (default: false).",
            },
            "blocking": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "description": "Qualified names that block the event loop (CA410).",
            },
            "not-blocking": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "description": "Qualified names lint should not report as blocking.",
            },
            "per-file-ignores": {
                "type": "object",
                "description": "Glob patterns (relative to this file's directory) mapped to "
                "lint codes or prefixes not to report in the files they match.",
                "additionalProperties": _selectors("Codes or prefixes to ignore there."),
            },
            "tasks": {
                "type": "object",
                "description": "Declared tasks, one table per task name.",
                "additionalProperties": {"$ref": "#/$defs/DeclaredTask"},
            },
        },
    }
    defs = {**defs, "DeclaredTask": task}
    if kind == "concadvisor":
        return {
            "$schema": SCHEMA_DIALECT,
            "title": "concadvisor.toml",
            **section,
            "$defs": defs,
        }
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "pyproject.toml ([tool.concadvisor])",
        "type": "object",
        "properties": {
            "tool": {"type": "object", "properties": {"concadvisor": section}},
        },
        "$defs": defs,
    }
