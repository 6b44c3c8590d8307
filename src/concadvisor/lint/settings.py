"""Global lint settings (``select``, ``ignore``, ``fail-on``) and which codes they enable;
the interpreter lint assumes (``target-version``, ``free-threaded``).

Settings live in ``[tool.concadvisor]`` (pyproject.toml) or at the top of concadvisor.toml
and apply to the findings of that file.  Code selectors are prefixes (``CA3``, ``CA31``,
``CA310``); as in ruff, the most specific matching selector decides, and ``ignore`` wins a
tie.  Command-line ``--select`` replaces the file's ``select``; ``--ignore`` adds to its
``ignore``; ``--fail-on`` replaces its ``fail-on``.

``target-version`` (``"3.13"``) and ``free-threaded`` (a bool) say which interpreter the
advice that lint checks against assumes, so that lint's findings do not depend on the
Python that runs lint: by default a GIL build of the oldest version ``requires-python``
allows (pyproject.toml), else of the oldest concadvisor supports.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..environment import Environment
from ..validation import did_you_mean
from .codes import CA302, CA303, CODES
from .diagnostics import Diagnostic, Severity
from .document import ConfigFile
from .suppression import matches_pattern
from .tomlpos import KeyPath

__all__ = [
    "MIN_TARGET_VERSION",
    "SETTING_KEYS",
    "Selection",
    "Settings",
    "Target",
    "check_selectors",
    "parse_selector_list",
    "read_settings",
    "selector_problem",
]

SETTING_KEYS = (
    "select",
    "ignore",
    "fail-on",
    "target-version",
    "free-threaded",
    "blocking",
    "not-blocking",
    "per-file-ignores",
    "tasks",
    "$schema",
)
#: The assumed version when neither ``target-version`` nor ``requires-python`` says one.
MIN_TARGET_VERSION = (3, 10)
_VERSION = re.compile(r"(?:py)?(3)\.?(\d{1,2})")
_LOWER_BOUND = re.compile(r"(?:>=|~=|==)\s*(\d+)\.(\d+)")
FAIL_ON: tuple[Severity, ...] = ("error", "warning")
_ALL_IDS = tuple(c.id for c in CODES)


def selector_problem(selector: str) -> str | None:
    """Why ``selector`` selects no lint code (None when it is fine)."""
    if any(code_id.startswith(selector) for code_id in _ALL_IDS):
        return None
    hint = did_you_mean(selector, _ALL_IDS)
    return f"'{selector}' matches no lint code{hint}; 'concadvisor rules' lists them"


@dataclass(frozen=True, slots=True)
class Selection:
    """Which codes are reported: the most specific matching selector decides."""

    select: tuple[str, ...] = ("CA",)
    ignore: tuple[str, ...] = ()

    def enabled(self, code_id: str, extra_ignore: Sequence[str] = ()) -> bool:
        best_select = max((len(s) for s in self.select if code_id.startswith(s)), default=-1)
        ignores = (*self.ignore, *extra_ignore)
        best_ignore = max((len(s) for s in ignores if code_id.startswith(s)), default=-1)
        return best_select > best_ignore


@dataclass(frozen=True, slots=True)
class Target:
    """The interpreter lint's advice assumes (not the one running lint)."""

    version: tuple[int, int] = MIN_TARGET_VERSION
    free_threaded: bool = False

    def environment(self, base: Environment) -> Environment:
        """``base`` (CPUs, costs, platform) as that interpreter."""
        return base.model_copy(
            update={
                "python_version": (*self.version, 0),
                "free_threaded": self.free_threaded,
            }
        )


@dataclass(frozen=True, slots=True)
class Settings:
    selection: Selection = field(default_factory=Selection)
    fail_on: Severity = "warning"
    target: Target = field(default_factory=Target)
    #: Qualified names added to / removed from the blocking-call knowledge base.
    blocking: tuple[str, ...] = ()
    not_blocking: tuple[str, ...] = ()
    #: ``per-file-ignores``: (glob pattern, selectors), relative to ``root``.
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: The directory of the configuration file these settings come from.
    root: Path | None = None

    def ignored_in(self, path: Path, code: str) -> bool:
        """Whether ``per-file-ignores`` hides ``code`` in the file ``path``."""
        if self.root is None:
            return False
        return any(
            code.startswith(selector)
            for pattern, selectors in self.per_file_ignores
            if matches_pattern(path, self.root, pattern)
            for selector in selectors
        )


def parse_selector_list(values: Sequence[str]) -> tuple[str, ...]:
    """Command-line selectors: repeatable and comma-separated, normalised to upper case."""
    out: list[str] = []
    for value in values:
        out.extend(part.strip().upper() for part in value.split(",") if part.strip())
    return tuple(out)


def check_selectors(
    config: ConfigFile, value: Any, key: KeyPath, what: str, out: list[Diagnostic]
) -> tuple[str, ...]:
    """Validate a TOML list of code selectors; problems are CA303 findings at the element."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        out.append(
            CA303.finding(
                config.location(key),
                key=what,
                problem=f'expected a list of code strings such as ["CA311"], got {value!r:.60}',
            )
        )
        return ()
    selectors: list[str] = []
    for index, item in enumerate(value):
        selector = item.strip().upper()
        problem = selector_problem(selector)
        if problem is not None:
            out.append(CA303.finding(config.location((*key, index)), key=what, problem=problem))
            continue
        selectors.append(selector)
    return tuple(selectors)


def read_settings(config: ConfigFile, out: list[Diagnostic]) -> Settings:
    """The file's settings; invalid or unknown settings become findings in ``out``."""
    root = _root_table(config)
    if root is None:
        return Settings()
    for key in root:
        if key not in SETTING_KEYS:
            hint = did_you_mean(key, SETTING_KEYS)
            where = "[tool.concadvisor]" if config.kind == "pyproject" else config.display
            extra = (
                " (task profiles go in [tasks.NAME] tables)"
                if key in ("workload", "executor") and not hint
                else ""
            )
            out.append(
                CA302.finding(
                    config.location((key,)),
                    kind="setting",
                    key=key,
                    where=where,
                    hint=hint + extra,
                )
            )
    select: tuple[str, ...] = ("CA",)
    if "select" in root:
        found = len(out)
        select = check_selectors(config, root["select"], ("select",), "select", out)
        if not select and len(out) > found:
            # Nothing usable in it: keep the default rather than silence every finding,
            # the one about this very setting included.
            select = ("CA",)
    ignore: tuple[str, ...] = ()
    if "ignore" in root:
        ignore = check_selectors(config, root["ignore"], ("ignore",), "ignore", out)
    fail_on: Severity = "warning"
    if "fail-on" in root:
        value = root["fail-on"]
        if value in FAIL_ON:
            fail_on = value
        else:
            out.append(
                CA303.finding(
                    config.location(("fail-on",)),
                    key="fail-on",
                    problem=f"expected 'error' or 'warning', got {value!r:.60}",
                )
            )
    blocking = _names(config, root, "blocking", out)
    not_blocking = _names(config, root, "not-blocking", out)
    return Settings(
        Selection(select, ignore),
        fail_on,
        target=_target(config, root, out),
        blocking=blocking,
        not_blocking=not_blocking,
        per_file_ignores=_per_file_ignores(config, root, out),
        root=config.path.parent,
    )


def _per_file_ignores(
    config: ConfigFile, root: dict[str, Any], out: list[Diagnostic]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``per-file-ignores = {"tests/*" = ["CA41"]}``; problems are CA303 findings."""
    value = root.get("per-file-ignores", {})
    if not isinstance(value, dict):
        out.append(
            CA303.finding(
                config.location(("per-file-ignores",)),
                key="per-file-ignores",
                problem=f'expected a table such as {{"tests/*" = ["CA41"]}}, got {value!r:.60}',
            )
        )
        return ()
    entries: list[tuple[str, tuple[str, ...]]] = []
    for pattern, selectors in value.items():
        key = ("per-file-ignores", pattern)
        if not pattern.strip():
            out.append(
                CA303.finding(config.location(key), key="per-file-ignores", problem="empty pattern")
            )
            continue
        checked = check_selectors(config, selectors, key, f"per-file-ignores.{pattern}", out)
        if checked:
            entries.append((pattern, checked))
    return tuple(entries)


def requires_python_floor(config: ConfigFile) -> tuple[int, int] | None:
    """The lowest version ``[project] requires-python`` allows (pyproject.toml only)."""
    if config.kind != "pyproject":
        return None
    project = config.data.get("project")
    spec = project.get("requires-python") if isinstance(project, dict) else None
    found = _LOWER_BOUND.search(spec) if isinstance(spec, str) else None
    return (int(found.group(1)), int(found.group(2))) if found else None


def _target(config: ConfigFile, root: dict[str, Any], out: list[Diagnostic]) -> Target:
    version = requires_python_floor(config) or MIN_TARGET_VERSION
    if "target-version" in root:
        value = root["target-version"]
        found = _VERSION.fullmatch(value) if isinstance(value, str) else None
        if found is not None:
            version = (int(found.group(1)), int(found.group(2)))
        else:
            out.append(
                CA303.finding(
                    config.location(("target-version",)),
                    key="target-version",
                    problem=f'expected a version such as "3.13", got {value!r:.60}',
                )
            )
    free_threaded = False
    if "free-threaded" in root:
        value = root["free-threaded"]
        if isinstance(value, bool):
            free_threaded = value
        else:
            out.append(
                CA303.finding(
                    config.location(("free-threaded",)),
                    key="free-threaded",
                    problem=f"expected true or false, got {value!r:.60}",
                )
            )
    return Target(version, free_threaded)


def _names(
    config: ConfigFile, root: dict[str, Any], key: str, out: list[Diagnostic]
) -> tuple[str, ...]:
    """A list of qualified names (``mylib.fetch``); anything else is a CA303 finding."""
    value = root.get(key, [])
    if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
        return tuple(v.strip() for v in value)
    out.append(
        CA303.finding(
            config.location((key,)),
            key=key,
            problem=f'expected a list of names such as ["mylib.fetch"], got {value!r:.60}',
        )
    )
    return ()


def _root_table(config: ConfigFile) -> dict[str, Any] | None:
    if config.kind == "concadvisor":
        return config.data
    tool = config.data.get("tool")
    if not isinstance(tool, dict):
        return None
    section = tool.get("concadvisor")
    return section if isinstance(section, dict) else None
