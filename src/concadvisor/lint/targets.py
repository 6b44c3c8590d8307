"""Resolving a declared ``target`` to its source and its definition, without importing it.

``pkg.mod:func`` is looked up with :class:`importlib.machinery.PathFinder` -- which only
lists directories, never executes a module -- in the declaring file's directory, its
``src/`` and then ``sys.path``; ``path/to/file.py:func`` relative to that directory.  The
module is parsed once with :mod:`ast` (cached per run) and the attribute path after the
colon (``func``, ``Class.method``, ``outer.inner``) is followed through its definitions.
"""

from __future__ import annotations

import ast
import os
import sys
import warnings
from dataclasses import dataclass, field
from importlib.machinery import PathFinder
from pathlib import Path
from typing import Literal, NamedTuple

from ..errors import TargetError
from ..targetspec import TargetSpec
from ..targetspec import parse_target as parse_spec
from .discovery import repo_root

__all__ = [
    "MAX_MODULE_BYTES",
    "ModuleSource",
    "NotDefined",
    "TargetDef",
    "TargetSpec",
    "char_column",
    "find_definition",
    "outside_project",
    "parse_target",
    "path_candidate",
    "project_root",
    "resolve_module",
]

DefKind = Literal["def", "async", "lambda", "closure", "class", "other"]


def parse_target(spec: str) -> TargetSpec | None:
    """``pkg.mod:func`` / ``path/file.py:Class.method`` -> TargetSpec; None if malformed.

    The grammar (and its messages) is :func:`concadvisor.targetspec.parse_target`'s.
    """
    try:
        return parse_spec(spec)
    except TargetError:
        return None


#: Python modules above this size are not read (a finding says so): parsing costs time and
#: memory in proportion (a 10 MB module took 38 s and 2 GB); modules that large are
#: generated, not written.  The largest hand-written modules of CPython's standard library
#: are under 0.3 MB.
MAX_MODULE_BYTES = 2 * 1024 * 1024


@dataclass(slots=True)
class ModuleSource:
    """A module's source file, parsed once; ``error`` says why it could not be."""

    path: Path
    text: str = ""
    tree: ast.Module | None = None
    error: str | None = None
    error_line: int = 1
    error_column: int = 1
    lines: list[str] = field(default_factory=list)
    #: The file's size when it is above :data:`MAX_MODULE_BYTES` (then it was not read).
    too_large: int | None = None


_MODULE_CACHE: dict[Path, ModuleSource] = {}
_FIND_CACHE: dict[tuple[str, tuple[str, ...]], Path | Literal["opaque"] | None] = {}


def project_root(config: Path) -> Path:
    """The directory a target of ``config`` must stay inside: the git repository holding
    the file, else the file's own directory."""
    directory = Path(os.path.abspath(config)).parent
    return repo_root(directory) or directory


def outside_project(path: Path, root: Path) -> bool:
    """Whether ``path``, with ``..`` and symlinks resolved, lies outside ``root``.

    Only names are resolved (``realpath``): nothing outside the project is opened, so lint
    neither reads nor reveals (through "did you mean") what is defined there.
    """
    try:
        return not path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a symlink loop
        return True


def path_candidate(spec: TargetSpec, base: Path) -> Path:
    """Where a ``file.py:func`` target points, before any check."""
    candidate = Path(spec.module)
    return candidate if candidate.is_absolute() else base / candidate


def resolve_module(spec: TargetSpec, base: Path) -> Path | Literal["opaque"] | None:
    """The source file of ``spec``'s module; "opaque" when it exists but is not Python source
    (an extension or built-in module); None when it cannot be found."""
    if spec.is_path:
        candidate = path_candidate(spec, base)
        return candidate if candidate.is_file() else None
    roots = tuple(str(p) for p in (base, base / "src")) + tuple(p for p in sys.path if p)
    key = (spec.module, roots)
    if key not in _FIND_CACHE:
        _FIND_CACHE[key] = _find(spec.module, list(roots))
    return _FIND_CACHE[key]


def _find(name: str, roots: list[str]) -> Path | Literal["opaque"] | None:
    if name in sys.builtin_module_names:
        return "opaque"
    parts = name.split(".")
    locations: list[str] | None = roots
    spec = None
    for index in range(len(parts)):
        if locations is None:
            return None
        try:
            spec = PathFinder.find_spec(".".join(parts[: index + 1]), locations)
        except (ImportError, OSError, ValueError):
            return None
        if spec is None:
            return None
        locations = (
            list(spec.submodule_search_locations)
            if spec.submodule_search_locations is not None
            else None
        )
    if spec is None or not spec.origin or not spec.has_location:
        return "opaque"  # a namespace package: nothing to analyse
    origin = Path(spec.origin)
    return origin if origin.suffix == ".py" else "opaque"


def load_module(path: Path) -> ModuleSource:
    """Read and parse ``path`` once per run."""
    cached = _MODULE_CACHE.get(path)
    if cached is not None:
        return cached
    source = ModuleSource(path)
    try:
        size = path.stat().st_size
        if size > MAX_MODULE_BYTES:
            source.too_large = size
            source.error = f"too large to lint ({size} bytes, limit {MAX_MODULE_BYTES})"
            _MODULE_CACHE[path] = source
            return source
        raw = path.read_bytes()
        source.text = raw.decode("utf-8", "replace")
        source.lines = source.text.splitlines()
        with warnings.catch_warnings():
            # e.g. SyntaxWarning for invalid escapes: the user's business, not ours
            warnings.simplefilter("ignore")
            source.tree = ast.parse(raw, filename=str(path))
    except OSError as exc:
        source.error = f"cannot read ({exc.strerror or type(exc).__name__})"
    except SyntaxError as exc:
        source.error = f"syntax error: {exc.msg}"
        source.error_line = exc.lineno or 1
        source.error_column = max(1, exc.offset or 1)
    except (ValueError, RecursionError, MemoryError) as exc:
        source.error = f"cannot parse ({type(exc).__name__})"
    _MODULE_CACHE[path] = source
    return source


def clear_caches() -> None:
    _MODULE_CACHE.clear()
    _FIND_CACHE.clear()


def char_column(source: ModuleSource, line: int, byte_offset: int) -> int:
    """1-based code-point column of an ``ast`` (UTF-8 byte) column offset."""
    if 1 <= line <= len(source.lines):
        text = source.lines[line - 1]
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", "replace")) + 1
    return byte_offset + 1


@dataclass(frozen=True, slots=True)
class TargetDef:
    """What the attribute path names: its kind and the node that defines it."""

    kind: DefKind
    node: ast.AST
    name: str
    nested: bool = False


def _scope_bindings(body: list[ast.stmt]) -> dict[str, ast.AST]:
    """Names bound in a scope by def/class/assignment/import, the last binding winning;
    conditional blocks (if/try/with) are followed, function bodies are not."""
    found: dict[str, ast.AST] = {}
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found[stmt.name] = stmt
        elif isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = stmt
        elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)) and isinstance(stmt.target, ast.Name):
            found[stmt.target.id] = stmt
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                bound = alias.asname or alias.name.split(".")[0]
                found[bound] = stmt
        elif isinstance(stmt, ast.If):
            found.update(_scope_bindings(stmt.body))
            found.update(_scope_bindings(stmt.orelse))
        elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            for block in ("body", "orelse", "finalbody"):
                found.update(_scope_bindings(getattr(stmt, block)))
            for handler in getattr(stmt, "handlers", []):
                found.update(_scope_bindings(handler.body))
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            found.update(_scope_bindings(stmt.body))
    return found


class NotDefined(NamedTuple):
    """The part of a target that ``find_definition`` did not find (CA403's fields)."""

    name: str
    where: str
    hint: str


def find_definition(
    tree: ast.Module, attr: tuple[str, ...], module: str = "the module"
) -> TargetDef | NotDefined:
    """The definition of ``attr`` in ``tree``, or which part of it is not defined."""
    bindings = _scope_bindings(tree.body)
    nested = False
    node: ast.AST | None = None
    for index, name in enumerate(attr):
        node = bindings.get(name)
        if node is None:
            where = f"{module}:{'.'.join(attr[:index])}" if index else module
            from ..validation import did_you_mean

            hint = did_you_mean(name, sorted(bindings))
            return NotDefined(name, where, hint)
        last = index == len(attr) - 1
        if last:
            break
        if isinstance(node, ast.ClassDef):
            bindings = _scope_bindings(node.body)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            bindings = _scope_bindings(node.body)
            nested = True
        else:
            # An import or an assignment: what it holds is not visible statically.
            return TargetDef("other", node, ".".join(attr), nested)
    assert node is not None
    return _classify(tree, node, ".".join(attr), nested)


def _classify(tree: ast.Module, node: ast.AST, name: str, nested: bool) -> TargetDef:
    if isinstance(node, ast.AsyncFunctionDef):
        return TargetDef("async", node, name, nested)
    if isinstance(node, ast.FunctionDef):
        return TargetDef("def", node, name, nested)
    if isinstance(node, ast.ClassDef):
        return TargetDef("class", node, name, nested)
    value = getattr(node, "value", None)
    if isinstance(value, ast.Lambda):
        return TargetDef("lambda", value, name, nested)
    if isinstance(value, ast.Call) and _returns_inner_function(tree, value):
        return TargetDef("closure", node, name, nested)
    return TargetDef("other", node, name, nested)


def _returns_inner_function(tree: ast.Module, call: ast.Call) -> bool:
    """``x = factory(...)`` where the module's ``factory`` returns a nested def or lambda."""
    if not isinstance(call.func, ast.Name):
        return False
    factory = _scope_bindings(tree.body).get(call.func.id)
    if not isinstance(factory, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    inner = {
        stmt.name
        for stmt in factory.body
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    for stmt in ast.walk(factory):
        if isinstance(stmt, ast.Return) and stmt.value is not None:
            if isinstance(stmt.value, ast.Lambda):
                return True
            if isinstance(stmt.value, ast.Name) and stmt.value.id in inner:
                return True
    return False
