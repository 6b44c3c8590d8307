"""Layering: no import cycle between concadvisor's modules.

Each module's imports are read with :mod:`ast` and split in two: module-level imports (run
when the module is imported) and imports inside functions (deferred).  Imports under
``if TYPE_CHECKING:`` never run and do not count.

- The module-level graph must be acyclic, strictly.
- A deferred import of B from A where B already reaches A through module-level imports is
  a cycle papered over (it works only because the import runs late).  Those are listed in
  :data:`KNOWN_CYCLES`, and nothing else may appear.
"""

from __future__ import annotations

import ast
from collections import deque
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "src" / "concadvisor"

#: Cycles papered over by a deferred import, each as the sorted modules on its shortest
#: path.  Empty since the layering work; an entry here is a debt with a comment saying why.
KNOWN_CYCLES: set[tuple[str, ...]] = set()


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """Absolute names of the modules an import statement may load (ours only)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        package = module if is_package else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.module else package
    else:
        base = node.module or ""
    # "from . import x" may load the submodule x; "from .m import f" loads m only.
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def _imports(path: Path) -> tuple[set[str], set[str]]:
    """(module-level, function-level) imports of one module."""
    module = _module_name(path)
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top: set[str] = set()
    deferred: set[str] = set()

    def visit(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child, in_function)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            (deferred if in_function else top).update(_imported(node, module, is_package))
            return
        if (  # importlib.import_module("concadvisor.x"): an import by another name
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            (deferred if in_function else top).add(node.args[0].value)
        nested = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for child in ast.iter_child_nodes(node):
            visit(child, nested)

    visit(tree, in_function=False)
    return top, deferred


def _graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    modules = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
    top: dict[str, set[str]] = {}
    deferred: dict[str, set[str]] = {}
    for name, path in modules.items():
        module_level, function_level = _imports(path)
        # A module's own parent packages are imported before it: never an edge of a cycle.
        ours = {m for m in modules if m != name and not name.startswith(m + ".")}
        top[name] = module_level & ours
        deferred[name] = function_level & ours
        # Importing a.b.c first imports its parent packages a.b and a.
        for target in list(top[name]):
            parent = target.rpartition(".")[0]
            while parent and parent != "concadvisor" and not name.startswith(parent + "."):
                top[name].add(parent)
                parent = parent.rpartition(".")[0]
    return top, deferred


def _cycles(graph: dict[str, set[str]]) -> set[tuple[str, ...]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[tuple[str, ...]] = set()

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.add(tuple(sorted(component)))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def _shortest_path(graph: dict[str, set[str]], source: str, target: str) -> list[str] | None:
    previous: dict[str, str | None] = {source: None}
    queue = deque([source])
    while queue:
        node = queue.popleft()
        if node == target:
            path: list[str] = []
            step: str | None = node
            while step is not None:
                path.append(step)
                step = previous[step]
            return path[::-1]
        for nxt in sorted(graph[node]):
            if nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    return None


def _papered_over(top: dict[str, set[str]], deferred: dict[str, set[str]]) -> set[tuple[str, ...]]:
    """Cycles closed by a deferred import: A defers importing B, and B reaches A at import."""
    found: set[tuple[str, ...]] = set()
    for module, targets in deferred.items():
        for target in targets:
            path = _shortest_path(top, target, module)
            if path is not None:
                found.add(tuple(sorted(path)))
    return found


def test_no_import_cycle_at_module_level() -> None:
    top, _ = _graph()
    cycles = _cycles(top)
    assert not cycles, f"module-level import cycles (move code to break them): {cycles}"


def test_no_new_cycle_papered_over_by_a_deferred_import() -> None:
    new = _papered_over(*_graph()) - KNOWN_CYCLES
    assert not new, f"a deferred import hides an import cycle: {new}"


def test_known_cycles_still_exist_or_are_removed_from_the_list() -> None:
    gone = KNOWN_CYCLES - _papered_over(*_graph())
    assert not gone, f"these cycles are gone: delete them from KNOWN_CYCLES: {gone}"


def test_the_walker_sees_imports_as_python_does() -> None:
    top, deferred = _graph()
    # the package imports its public names lazily (PEP 562): only the version up front
    assert top["concadvisor"] == {"concadvisor._version"}
    assert "concadvisor.rules" in top["concadvisor.lint.codes"]  # the parent of rules.base
    assert "concadvisor.lint" not in top["concadvisor.lint.runner"]  # its own parent
    # costs/model.py imports Environment under TYPE_CHECKING, and environment in a function
    assert "concadvisor.environment" not in top["concadvisor.costs.model"]
    assert "concadvisor.environment" in deferred["concadvisor.costs.model"]
    # lint/probing.py loads the probe with importlib.import_module("...")
    assert "concadvisor.probing" in deferred["concadvisor.lint.probing"]


def test_cycle_finder_on_a_small_graph() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert _cycles(graph) == {("a", "b", "c")}
    acyclic = {"a": {"b"}, "b": set(), "c": {"b"}}
    assert _cycles(acyclic) == set()
    assert _papered_over(acyclic, {"b": {"c"}, "a": set(), "c": set()}) == {("b", "c")}
    assert _papered_over(acyclic, {"b": set(), "a": {"c"}, "c": set()}) == set()
