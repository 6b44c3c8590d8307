"""Reading task profiles from TOML or JSON files.

Accepted shapes: the profile's fields at the top level; or one or more named tables --
``[tasks.NAME]`` (``concadvisor.toml``) or ``[tool.concadvisor.tasks.NAME]``
(``pyproject.toml``) -- of which one is chosen by name.  Keys that only mean something to
``lint`` (``executor``, ``workers``, ``target``, ``ignore``) are set aside.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .errors import ProfileFileError
from .toml_input import TomlInputError, parse_toml

__all__ = ["LINT_ONLY_KEYS", "MAX_BYTES", "load_profile_data", "read_document"]

#: A profile file larger than this is refused rather than read to the end.
MAX_BYTES = 16 * 1024 * 1024

#: Keys of a declared task that are not TaskProfile fields (the last four: how
#: ``lint --probe`` calls the target).
LINT_ONLY_KEYS = frozenset(
    {"executor", "workers", "target", "ignore", "args", "kwargs", "inputs", "setup"}
)


def read_document(path: Path) -> dict[str, Any]:
    """Parse ``path`` as TOML (``.toml``) or JSON (anything else that parses as JSON)."""
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_BYTES + 1)  # /dev/zero and friends never end
    except FileNotFoundError:
        raise ProfileFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ProfileFileError(f"{path}: is a directory, expected a TOML or JSON file") from None
    except OSError as exc:
        raise ProfileFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(raw) > MAX_BYTES:
        raise ProfileFileError(f"{path}: too large for a profile (over {MAX_BYTES} bytes)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProfileFileError(f"{path}: not UTF-8 (byte {exc.start})") from None
    if path.suffix.lower() == ".json":
        return _json(path, text)
    if path.suffix.lower() == ".toml":
        return _toml(path, text)
    try:
        return _json(path, text)
    except ProfileFileError:
        return _toml(path, text)


def _json(path: Path, text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProfileFileError(
            f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}"
        ) from None
    except RecursionError:
        raise ProfileFileError(f"{path}: invalid JSON: nested too deeply") from None
    except ValueError:  # an integer longer than Python converts (sys.get_int_max_str_digits)
        raise ProfileFileError(f"{path}: invalid JSON: an integer has too many digits") from None
    if not isinstance(data, dict):
        raise ProfileFileError(f"{path}: expected a JSON object, got {type(data).__name__}")
    return data


def _toml(path: Path, text: str) -> dict[str, Any]:
    try:
        return parse_toml(text)
    except TomlInputError as exc:
        where = f"{path}:{exc.line}:{exc.column}"
        raise ProfileFileError(f"{where}: {exc.message}") from None


def _task_tables(document: dict[str, Any]) -> dict[str, Any] | None:
    tool = document.get("tool")
    if isinstance(tool, dict):
        section = tool.get("concadvisor")
        if isinstance(section, dict) and isinstance(section.get("tasks"), dict):
            return section["tasks"]  # type: ignore[no-any-return]
    tasks = document.get("tasks")
    if isinstance(tasks, dict):
        return tasks
    return None


def load_profile_data(path: Path, task: str | None = None) -> dict[str, Any]:
    """The profile fields found in ``path`` (not yet validated)."""
    document = read_document(path)
    tables = _task_tables(document)
    if tables is None or "workload" in document:
        if task is not None:
            raise ProfileFileError(f"{path}: has no [tasks.*] tables to choose {task!r} from")
        data = dict(document)
    else:
        names = sorted(tables)
        if task is None:
            if len(names) != 1:
                listed = ", ".join(names) or "none"
                raise ProfileFileError(
                    f"{path}: declares {len(names)} tasks ({listed}); choose one with --task"
                )
            task = names[0]
        if task not in tables:
            listed = ", ".join(names)
            raise ProfileFileError(f"{path}: no task named {task!r} (found: {listed})")
        table = tables[task]
        if not isinstance(table, dict):
            raise ProfileFileError(f"{path}: tasks.{task} is not a table")
        data = dict(table)
        data.setdefault("name", task)
    for key in (*LINT_ONLY_KEYS, "$schema"):
        data.pop(key, None)
    return data
