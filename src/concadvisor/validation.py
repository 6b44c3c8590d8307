"""One-line, human messages for invalid profiles (shared by the CLI, probe and lint)."""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from .profile import TaskProfile

__all__ = ["describe_error", "did_you_mean", "format_validation_error"]


def did_you_mean(name: str, choices: list[str] | tuple[str, ...]) -> str:
    match = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def _show(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def describe_error(error: ErrorDetails) -> tuple[str, str]:
    """(field, message) for one pydantic error, e.g. ('tasks', "expected >= 1, got 0 (int)")."""
    loc = ".".join(str(part) for part in error["loc"]) or "profile"
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        hint = did_you_mean(loc, tuple(TaskProfile.model_fields))
        return loc, f"unknown field '{loc}'{hint}"
    if kind == "missing":
        return loc, f"'{loc}' is required"
    message = error["msg"]
    message = message[0].lower() + message[1:]
    for old, new in (
        ("input should be greater than or equal to", "expected a value >="),
        ("input should be less than or equal to", "expected a value <="),
        ("input should be greater than", "expected a value >"),
        ("input should be less than", "expected a value <"),
        ("input should be", "expected"),
    ):
        if message.startswith(old):
            message = new + message[len(old) :]
            break
    return loc, f"{loc}: {message}, got {_show(value)}"


def format_validation_error(exc: ValidationError) -> str:
    """All errors of ``exc`` on one line, each naming its field."""
    return "; ".join(describe_error(error)[1] for error in exc.errors())
