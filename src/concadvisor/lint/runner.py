"""One lint run: discover the files, check every declared task and every coroutine, filter,
sort.  Each Python file is read and parsed once per run (:func:`load_module` caches it).

>>> result = lint_paths(["examples/lint-demo"])      # doctest: +SKIP
>>> result.exit_code, len(result.diagnostics)        # doctest: +SKIP
"""

from __future__ import annotations

import ast
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from ..environment import Environment, detect_environment
from .blocking import Knowledge, LoopCall, ModuleFacts, module_facts
from .callgraph import ChainStep, CoroutineFinding, coroutine_findings
from .codechecks import CodeFinding, check_module, check_target
from .codes import BLOCKING_CODES, CA303, CA402, CA403, CA404, CA405
from .diagnostics import Diagnostic, LintResult, Location, Severity
from .discovery import discover, project_config
from .document import ConfigFile, InputError, display_path, load_config
from .eventloop import loop_calls_outside_a_loop, loop_finding
from .gcpause import paused_gc
from .profiles import TaskDecl, check_task
from .settings import Selection, Settings, read_settings
from .suppression import Exemption, file_noqa, suppressed_by
from .targets import (
    MAX_MODULE_BYTES,
    ModuleSource,
    NotDefined,
    char_column,
    clear_caches,
    find_definition,
    load_module,
    outside_project,
    parse_target,
    path_candidate,
    project_root,
    resolve_module,
)

__all__ = ["LintOptions", "lint_config", "lint_paths"]

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class LintOptions:
    """Command-line overrides and run options (None: use the file's settings)."""

    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    fail_on: Severity | None = None
    probe: bool = False
    probe_budget: float = 5.0
    environment: Environment | None = None
    #: Paths are shown relative to this directory (default: the working directory).
    base: Path | None = None


@dataclass(frozen=True, slots=True)
class _DeclaredTarget:
    """An ``async def`` a task declares as its target: its findings carry the task."""

    task: str
    ignore: tuple[str, ...]
    at: Location


@dataclass(frozen=True, slots=True)
class _Shown:
    """A file findings are reported in: where it is, and its text (for ``# noqa``)."""

    path: Path
    text: str
    lines: Sequence[str]

    def line(self, number: int) -> str | None:
        return self.lines[number - 1] if 1 <= number <= len(self.lines) else None


@dataclass(slots=True)
class _Run:
    options: LintOptions
    module_findings: dict[Path, list[CodeFinding]]
    #: Settings of each configuration file's directory (they apply to the code below it).
    settings: dict[Path, Settings] = field(default_factory=dict)
    #: Displayed path -> the file, for suppressions and the ends of findings.
    shown: dict[str, _Shown] = field(default_factory=dict)
    #: (module, line of the def) -> the task declaring it.
    targets: dict[tuple[Path, int], _DeclaredTarget] = field(default_factory=dict)
    #: Target modules already reported unreadable (CA404): no CA405 for them as well.
    unreadable: set[Path] = field(default_factory=set)


@paused_gc()
def lint_paths(paths: Sequence[str], options: LintOptions | None = None) -> LintResult:
    """Lint the configuration files found under ``paths``."""
    options = options or LintOptions()
    clear_caches()
    sources: list[Path] = []
    files, errors = discover(paths, sources)
    run = _Run(options, {})
    diagnostics: list[Diagnostic] = []
    shown: list[str] = []
    tasks = 0
    for path in files:
        display = display_path(path, options.base)
        try:
            loaded = load_config(path, display)
        except InputError as exc:
            errors.append(str(exc))
            continue
        if isinstance(loaded, Diagnostic):
            shown.append(display)
            diagnostics.extend(_filter([loaded], Settings(), {}, options))
            continue
        if not _uses_concadvisor(loaded):
            continue  # e.g. a pyproject.toml without [tool.concadvisor]
        shown.append(display)
        run.shown[display] = _Shown(path, loaded.text, loaded.text.splitlines())
        linted = _guarded(display, errors, partial(_lint_config, loaded, run))
        if linted is not None:
            diagnostics.extend(linted[0])
            tasks += linted[1]
    _settings_above(paths, run)
    diagnostics.extend(_check_coroutines([*sources, *run.module_findings], run, errors))
    unique = {(d.location, d.code, d.message): d for d in reversed(diagnostics)}
    ordered = sorted(_exempt(unique.values(), run), key=Diagnostic.sort_key)
    clear_caches()  # the parsed modules die here, while the collector is paused
    return LintResult(tuple(ordered), tuple(shown), tasks, tuple(errors))


def _guarded(what: str, errors: list[str], check: Callable[[], _T]) -> _T | None:
    """``check()``; a crash of lint itself becomes an input error naming ``what`` (exit 2)
    and None, and the run goes on, so the other files' findings are kept."""
    try:
        return check()
    except Exception as exc:  # any bug of ours: reported, not raised
        errors.append(f"{what}: internal error in lint ({type(exc).__name__}: {exc}); skipped")
        return None


def _settings_above(paths: Sequence[str], run: _Run) -> None:
    """The settings of the nearest configuration above each path given (ruff's upward
    discovery): they apply to the files below it that no nearer configuration covers.
    Their tasks are not linted (the path given was not theirs)."""
    for raw in paths:
        try:
            start = Path(os.path.abspath(raw))
        except OSError:  # a relative path and no working directory: discovery said so
            continue
        for directory in (start, *start.parents) if start.is_dir() else start.parents:
            if directory in run.settings:
                break
            config = project_config(directory)
            if config is None:
                continue
            try:
                loaded = load_config(config, display_path(config, run.options.base))
            except InputError:  # unreadable: linting it (if it was given) says so
                break
            if isinstance(loaded, ConfigFile):
                run.settings[directory] = read_settings(loaded, [])
            break


def _exempt(found: Iterable[Diagnostic], run: _Run) -> Iterator[Diagnostic]:
    """``found`` less what ``# noqa`` comments and ``per-file-ignores`` hide, each with the
    end of its span (the end of its line when the check did not give one)."""
    files: dict[str, tuple[_Shown, Settings, Exemption | None]] = {}
    for diagnostic in found:
        at = diagnostic.location
        entry = files.get(at.path)
        if entry is None:
            shown = run.shown.get(at.path)
            if shown is None:  # an unreadable file, an input error: nothing to look at
                yield diagnostic if at.end_line is not None else _ending(diagnostic, None)
                continue
            entry = files[at.path] = (shown, _settings_for(shown.path, run), file_noqa(shown.text))
        shown, settings, whole_file = entry
        line = shown.line(at.line)
        if settings.ignored_in(shown.path, diagnostic.code):
            continue
        if suppressed_by(diagnostic.code, line, whole_file):
            continue
        yield diagnostic if at.end_line is not None else _ending(diagnostic, line)


def _ending(diagnostic: Diagnostic, line: str | None) -> Diagnostic:
    """``diagnostic`` spanning to the end of its line (of its start, when unknown)."""
    at = diagnostic.location
    end = len(line.rstrip()) + 1 if line is not None else at.column
    return replace(diagnostic, location=at.with_end(at.line, max(end, at.column)))


def lint_config(config: ConfigFile, options: LintOptions | None = None) -> list[Diagnostic]:
    """The findings of one parsed configuration file."""
    found, _ = _lint_config(config, _Run(options or LintOptions(), {}))
    return found


def _uses_concadvisor(config: ConfigFile) -> bool:
    if config.kind == "concadvisor":
        return True
    tool = config.data.get("tool")
    return isinstance(tool, dict) and "concadvisor" in tool


def _lint_config(config: ConfigFile, run: _Run) -> tuple[list[Diagnostic], int]:
    out: list[Diagnostic] = []
    if not _uses_concadvisor(config):
        return [], 0
    if config.kind == "pyproject":
        section = config.data["tool"]["concadvisor"]
        if not isinstance(section, dict):
            out.append(
                CA303.finding(
                    config.location(()),
                    key="tool.concadvisor",
                    problem=f"expected a table, got {type(section).__name__}",
                )
            )
            return _filter(out, Settings(), {}, run.options), 0
    settings = read_settings(config, out)
    run.settings.setdefault(config.path.parent, settings)
    root: dict[str, Any] = (
        config.data if config.kind == "concadvisor" else config.data["tool"]["concadvisor"]
    )
    ignores: dict[str, tuple[str, ...]] = {}
    base = run.options.environment or detect_environment()
    tables = root.get("tasks", {})
    count = 0
    if not isinstance(tables, dict):
        out.append(
            CA303.finding(
                config.location(("tasks",)),
                key="tasks",
                problem=f"expected a table of [tasks.NAME] tables, got {type(tables).__name__}",
            )
        )
        tables = {}
    for name, table in tables.items():
        count += 1
        if not isinstance(table, dict):
            out.append(
                CA303.finding(
                    config.location(("tasks", name)),
                    task=name,
                    key=f"tasks.{name}",
                    problem=f"expected a table of profile fields, got {type(table).__name__}",
                )
            )
            continue
        facts = _code_facts(config, table)
        decl = check_task(config, name, {**table, **facts}, out, settings.target.environment(base))
        ignores[name] = decl.ignore
        out.extend(_check_code(decl, run))
        if run.options.probe:
            from .probing import probe_task

            out.extend(probe_task(decl, run.options.probe_budget))
    return _filter(out, settings, ignores, run.options), count


def _filter(
    found: list[Diagnostic],
    settings: Settings,
    ignores: dict[str, tuple[str, ...]],
    options: LintOptions,
) -> list[Diagnostic]:
    selection = Selection(
        options.select if options.select is not None else settings.selection.select,
        (*settings.selection.ignore, *options.ignore),
    )
    fail_on = options.fail_on or settings.fail_on
    kept: list[Diagnostic] = []
    for diagnostic in found:
        extra = ignores.get(diagnostic.task, ()) if diagnostic.task is not None else ()
        if selection.enabled(diagnostic.code, extra):
            kept.append(replace(diagnostic, fail_on=fail_on))
    return kept


def _outside(decl: TaskDecl, what: str, root: Path, at: Location) -> Diagnostic:
    return CA402.finding(
        at,
        task=decl.name,
        kind="file",
        module=what,
        searched=f"it resolves outside the project {display_path(root)}; nothing was read",
    )


def _code_facts(config: ConfigFile, table: dict[str, Any]) -> dict[str, bool]:
    """Profile fields the target's code makes evident, for those the table leaves out: an
    ``async def`` is ``already_async``; a lambda or closure is not ``picklable``."""
    value = table.get("target")
    spec = parse_target(value) if isinstance(value, str) else None
    if spec is None:
        return {}
    resolved = resolve_module(spec, config.path.parent)
    if not isinstance(resolved, Path):
        return {}
    source = load_module(resolved)
    if source.tree is None:
        return {}
    definition = find_definition(source.tree, spec.attr)
    if isinstance(definition, NotDefined):
        return {}
    facts: dict[str, bool] = {}
    if definition.kind == "async":
        facts["already_async"] = True
    elif definition.kind in ("lambda", "closure"):
        facts["picklable"] = False
    return {key: fact for key, fact in facts.items() if key not in table}


def _check_code(decl: TaskDecl, run: _Run) -> list[Diagnostic]:
    """CA402-CA415 for the task's target."""
    spec = decl.target
    if spec is None:
        return []
    config = decl.config
    target_at = decl.location("target")
    base = config.path.parent
    root = project_root(config.path)
    if spec.is_path and outside_project(path_candidate(spec, base), root):
        return [_outside(decl, spec.module, root, target_at)]
    resolved = resolve_module(spec, base)
    if resolved is None:
        if spec.is_path:
            kind, searched = "file", f"relative to {display_path(base)}"
        else:
            kind, searched = "module", f"searched {display_path(base)}, its src/ and sys.path"
        return [
            CA402.finding(
                target_at, task=decl.name, kind=kind, module=spec.module, searched=searched
            )
        ]
    if resolved == "opaque":
        return []  # an extension or built-in module: nothing to read
    if resolved.is_relative_to(base) and outside_project(resolved, root):
        return [_outside(decl, display_path(resolved), root, target_at)]  # a symlink out
    source = load_module(resolved)
    module_display = display_path(resolved, run.options.base)
    run.shown.setdefault(module_display, _Shown(resolved, source.text, source.lines))
    if source.tree is None:
        run.unreadable.add(resolved)
        return [
            CA404.finding(
                Location(module_display, source.error_line, source.error_column),
                task=decl.name,
                related=(target_at,),
                module=module_display,
                owner=decl.name,
                reason=source.error,
            )
        ]
    definition = find_definition(source.tree, spec.attr, module_display)
    if isinstance(definition, NotDefined):
        return [
            CA403.finding(
                target_at,
                task=decl.name,
                name=definition.name,
                where=definition.where,
                hint=definition.hint,
            )
        ]
    if isinstance(definition.node, ast.AsyncFunctionDef):
        at = _DeclaredTarget(decl.name, decl.ignore, target_at)
        run.targets[(resolved, definition.node.lineno)] = at
    findings = check_target(source, definition, decl.executor)
    if resolved not in run.module_findings:
        settings = run.settings.get(decl.config.path.parent) or Settings()
        run.module_findings[resolved] = check_module(source, settings.target.version)
    findings += run.module_findings[resolved]
    return [
        f.diagnostic(Location(module_display, f.line, f.column), decl.name, (target_at,))
        for f in findings
    ]


@dataclass(frozen=True, slots=True)
class _Scanned:
    """A module whose coroutines are checked: its source, settings and displayed path."""

    source: ModuleSource
    settings: Settings
    display: str


def _check_coroutines(paths: Iterable[Path], run: _Run, errors: list[str]) -> list[Diagnostic]:
    """CA410, CA416-CA419: blocking calls on the loop in every ``async def`` of ``paths``;
    CA405 for modules too large to read; CA414/CA420 for ``get_event_loop()``."""
    # Keyed by the identity of each module's Path object, which the facts carry along:
    # hashing Paths was a tenth of the run on a large tree.
    scanned: dict[int, _Scanned] = {}
    modules: list[ModuleFacts] = []
    out: list[Diagnostic] = []
    for path in dict.fromkeys(paths):
        source = load_module(path)
        settings = _settings_for(path, run)
        if source.tree is None:
            # a declared target's module says so (CA404); syntax errors elsewhere are not ours
            if source.too_large is not None and path not in run.unreadable:
                out.extend(_filter([_too_large(source, run)], settings, {}, run.options))
            continue
        knowledge = Knowledge(frozenset(settings.blocking), frozenset(settings.not_blocking))
        display = display_path(path, run.options.base)
        tree = source.tree
        facts = _guarded(display, errors, partial(module_facts, tree, path, knowledge))
        if facts is None:
            continue
        scanned[id(path)] = _Scanned(source, settings, display)
        run.shown.setdefault(display, _Shown(path, source.text, source.lines))
        modules.append(facts)
    loop_calls: list[tuple[ModuleFacts, LoopCall]] = (
        _guarded(
            "the get_event_loop() check", errors, lambda: [*loop_calls_outside_a_loop(modules)]
        )
        or []
    )
    for module, call in loop_calls:
        entry = scanned[id(module.path)]
        at = Location(entry.display, call.line, char_column(entry.source, call.line, call.column))
        if call.end_line:
            at = at.with_end(
                call.end_line, char_column(entry.source, call.end_line, call.end_column)
            )
        found_loop = loop_finding(at, entry.settings.target.version)
        out.extend(_filter([found_loop], entry.settings, {}, run.options))
    chains: list[CoroutineFinding] = (
        _guarded("the call graph", errors, lambda: [*coroutine_findings(modules)]) or []
    )
    for found in chains:
        declared = None
        if run.targets:
            declared = run.targets.get((found.coroutine.path, found.coroutine.line))
        ignores = {declared.task: declared.ignore} if declared is not None else {}
        diagnostic = _coroutine_diagnostic(found, scanned, declared)
        settings = scanned[id(found.coroutine.path)].settings
        out.extend(_filter([diagnostic], settings, ignores, run.options))
    return out


def _too_large(source: ModuleSource, run: _Run) -> Diagnostic:
    display = display_path(source.path, run.options.base)
    return CA405.finding(
        Location(display, 1, 1), module=display, size=source.too_large, limit=MAX_MODULE_BYTES
    )


def _settings_for(path: Path, run: _Run) -> Settings:
    """The settings of the nearest configuration file above ``path``."""
    for directory in path.parents:
        if directory in run.settings:
            return run.settings[directory]
    return Settings()


def _coroutine_diagnostic(
    found: CoroutineFinding, scanned: dict[int, _Scanned], declared: _DeclaredTarget | None
) -> Diagnostic:
    def location(step: ChainStep) -> Location:
        module = scanned[id(step.path)]
        source = module.source
        at = Location(module.display, step.line, char_column(source, step.line, step.column))
        if step.end_line:
            at = at.with_end(step.end_line, char_column(source, step.end_line, step.end_column))
        return at

    function = found.coroutine.name.replace(".<locals>", "")
    head, *rest = found.chain
    via = ""
    if rest:
        calls = " → ".join(f"{step.shown}()" for step in found.chain)
        via = f" ({function.rsplit('.', 1)[-1]}() → {calls})"
    related = tuple(location(step) for step in rest)
    if declared is not None:
        related = (*related, declared.at)
    return BLOCKING_CODES[found.hit.kind].finding(
        location(head),
        task=declared.task if declared is not None else None,
        related=related,
        call=head.shown,
        function=function,
        via=via,
        instead=found.hit.instead,
    )
