"""Static checks of a target's code (CA411-CA413, CA415, CA421), with :mod:`ast`; user code is never
imported.  Blocking calls in coroutines (CA410, CA416-CA419) are :mod:`.callgraph`'s.

Names are resolved through the module's imports (module-level and in the function), so
``from time import sleep`` and ``import urllib.request as ur`` are recognised; a local
variable that shadows an import is not tracked (no data flow: lint must stay fast).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from ..profile import Executor
from .blocking import imports_of
from .codes import CA411, CA412, CA413, CA415, CA421, LintCode
from .diagnostics import Diagnostic, Location
from .targets import ModuleSource, TargetDef, char_column

__all__ = ["CodeFinding", "check_module", "check_target", "import_map"]

_PROCESS_POOLS = frozenset(
    {
        "concurrent.futures.ProcessPoolExecutor",
        "concurrent.futures.process.ProcessPoolExecutor",
        "multiprocessing.Pool",
        "multiprocessing.pool.Pool",
        "multiprocessing.Process",
        "multiprocessing.process.BaseProcess",
    }
)
_CONTEXT_POOLS = frozenset({"Pool", "Process"})
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


@dataclass(frozen=True, slots=True)
class CodeFinding:
    """A finding in the module's source: code, 1-based line and column, message."""

    code: LintCode
    line: int
    column: int
    message: str
    #: The end of the node's span: exclusive, 1-based code points (0: unknown).
    end_line: int = 0
    end_column: int = 0

    @property
    def code_id(self) -> str:
        return self.code.id

    def diagnostic(
        self, location: Location, task: str, related: tuple[Location, ...]
    ) -> Diagnostic:
        """The finding at ``location`` (the module as shown to the user)."""
        if self.end_line:
            location = location.with_end(self.end_line, self.end_column)
        return Diagnostic(location, self.code.id, self.message, self.code.severity, task, related)


class _Findings(list[CodeFinding]):
    """Findings in one module's source: ``add(node, CODE, **fields)``."""

    def __init__(self, source: ModuleSource) -> None:
        super().__init__()
        self.source = source

    def add(self, node: ast.AST, code: LintCode, **values: object) -> None:
        line = getattr(node, "lineno", 1)
        column = char_column(self.source, line, getattr(node, "col_offset", 0))
        end_line = getattr(node, "end_lineno", None) or 0
        end_column = 0
        if end_line:
            end_column = char_column(self.source, end_line, getattr(node, "end_col_offset", 0))
        self.append(CodeFinding(code, line, column, code.render(**values), end_line, end_column))


def import_map(body: list[ast.stmt]) -> dict[str, str]:
    """Local name -> qualified name for the imports of a scope, nested blocks included (not
    nested functions).  Relative imports are left out: the module's package is not known
    here, and guessing would turn ``from .time import sleep`` into ``time.sleep``."""
    imports = (
        node
        for node in _scope_nodes(body)
        if isinstance(node, ast.Import) or (isinstance(node, ast.ImportFrom) and not node.level)
    )
    return imports_of(imports, package="")


def _scope_nodes(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of a scope, not descending into nested functions, lambdas or classes."""
    stack: list[ast.AST] = [node for node in reversed(body) if not isinstance(node, _SCOPES)]
    while stack:
        node = stack.pop()
        yield node
        for child in reversed(list(ast.iter_child_nodes(node))):
            if not isinstance(child, _SCOPES):
                stack.append(child)


def _qualified(node: ast.expr, names: dict[str, str]) -> str | None:
    """``a.b.c`` with ``a`` resolved through the imports; builtins as ``builtins.X``."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    root = names.get(node.id)
    if root is None:
        if not parts and node.id in ("open", "input"):
            return f"builtins.{node.id}"
        return None
    return ".".join([root, *reversed(parts)])


def check_target(
    source: ModuleSource, target: TargetDef, executor: Executor | None
) -> list[CodeFinding]:
    """CA411-CA413: what the target itself is against the declared executor."""
    assert source.tree is not None
    findings = _Findings(source)
    node = target.node

    if isinstance(node, ast.AsyncFunctionDef):
        # Blocking calls are checked in every coroutine, declared or not (callgraph.py).
        if executor is not None and executor is not Executor.ASYNCIO:
            findings.add(node, CA412, function=target.name, executor=executor.value)
    elif isinstance(node, ast.FunctionDef) and executor is Executor.ASYNCIO:
        findings.add(node, CA413, function=target.name)
    if executor is Executor.PROCESSES:
        what = {"lambda": "a lambda", "closure": "a closure"}.get(target.kind)
        if what is None and target.nested and target.kind in ("def", "async"):
            what = "a nested function"
        if what is not None:
            findings.add(node, CA411, function=target.name, what=what)
    return list(findings)


def check_module(
    source: ModuleSource, target_version: tuple[int, int] = (3, 14)
) -> list[CodeFinding]:
    """CA415, CA421: module-wide hazards of a target's module (reported once per module);
    ``target_version`` is the Python lint's advice assumes (lint settings).
    ``get_event_loop()``, CA414/CA420, is checked in every module: :mod:`.eventloop`."""
    assert source.tree is not None
    tree = source.tree
    names = import_map(tree.body)
    findings = _Findings(source)
    nested = _nested_defs(tree)
    for call, local in _sync_calls(tree):
        scope = {**names, **local}
        pool = _process_pool(call, scope)
        what = _unpicklable_initializer(call, nested) if pool is not None else None
        if pool is not None and what is not None:
            findings.add(
                call, CA421, call=pool, what=what, consequence=_consequence(target_version)
            )
    for call in _import_time_calls(tree.body):
        shown = _process_pool(call, names)
        if shown is not None:
            findings.add(call, CA415, call=shown)
    return list(findings)


def _sync_calls(tree: ast.Module) -> Iterator[tuple[ast.Call, dict[str, str]]]:
    """Calls outside any ``async def``, with the imports of the function they are in."""
    stack: list[tuple[ast.AST, dict[str, str]]] = [(tree, {})]
    while stack:
        node, local = stack.pop()
        if isinstance(node, ast.Call):
            yield node, local
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.AsyncFunctionDef):
                continue
            if isinstance(child, ast.FunctionDef):
                stack.append((child, {**local, **import_map(child.body)}))
            else:
                stack.append((child, local))


def _nested_defs(tree: ast.Module) -> set[str]:
    """Names of functions defined inside another function and not at module level."""
    top = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for child in ast.walk(node):
                if child is not node and isinstance(child, ast.FunctionDef):
                    found.add(child.name)
    return found - top


def _unpicklable_initializer(call: ast.Call, nested: set[str]) -> str | None:
    value = next((k.value for k in call.keywords if k.arg == "initializer"), None)
    if isinstance(value, ast.Lambda):
        return "a lambda"
    if isinstance(value, ast.Name) and value.id in nested:
        return "a nested function"
    return None


def _consequence(version: tuple[int, int]) -> str:
    if version >= (3, 14):
        return (
            f"Python {version[0]}.{version[1]}'s default start method, forkserver on Linux "
            "(spawn elsewhere), must pickle it and fails"
        )
    return (
        f"it works on Python {version[0]}.{version[1]} only under fork (Linux's default); "
        "spawn (macOS, Windows) and forkserver (Linux's default from 3.14) fail to pickle it"
    )


def _is_main_guard(test: ast.expr) -> bool:
    if not isinstance(test, ast.Compare) or len(test.comparators) != 1:
        return False
    sides = [test.left, test.comparators[0]]
    has_name = any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides)
    has_main = any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides)
    return has_name and has_main and isinstance(test.ops[0], ast.Eq)


def _import_time_calls(body: list[ast.stmt]) -> Iterator[ast.Call]:
    """Calls that run when the module is imported: module level, outside functions, classes'
    methods and ``if __name__ == "__main__":`` blocks."""
    functions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
    stack: list[ast.AST] = [node for node in body if not isinstance(node, functions)]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_main_guard(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Call):
            yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, functions):
                stack.append(child)


def _process_pool(call: ast.Call, names: dict[str, str]) -> str | None:
    qualified = _qualified(call.func, names)
    if qualified in _PROCESS_POOLS:
        return qualified.rsplit(".", 1)[-1]
    func = call.func
    if (
        isinstance(func, ast.Attribute)
        and func.attr in _CONTEXT_POOLS
        and isinstance(func.value, ast.Call)
        and _qualified(func.value.func, names) == "multiprocessing.get_context"
    ):
        return f"get_context().{func.attr}"
    return None
