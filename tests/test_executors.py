"""The executor registry: one complete entry per executor, and the layering it relies on."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from concadvisor import Environment, Executor, advise
from concadvisor.costs import DEFAULT_COSTS
from concadvisor.costs.inputs import Inputs
from concadvisor.executors import EXECUTORS, REGISTRY, SnippetRequest, available, spec
from concadvisor.probing.planning import EXECUTORS as PROBE_ORDER

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "concadvisor"

X = Inputs(
    tasks=100,
    task_seconds=0.01,
    cpu_share=0.5,
    gil_bound=True,
    payload_bytes=1000,
    cpus=4.0,
    start_method="fork",
    awaits_io=True,
    threads=8,
    processes=4,
    concurrency=50,
    chunksize=6,
)


def test_every_executor_has_exactly_one_entry_in_enum_order() -> None:
    assert tuple(Executor) == EXECUTORS
    assert [entry.executor for entry in REGISTRY] == list(Executor)
    assert PROBE_ORDER == EXECUTORS


@pytest.mark.parametrize("entry", REGISTRY, ids=lambda e: e.executor.value)
def test_entry_is_complete(entry: object) -> None:
    from concadvisor.executors.base import ExecutorSpec

    assert isinstance(entry, ExecutorSpec)
    assert spec(entry.executor) is entry
    assert spec(entry.executor.value) is entry
    # One paragraph of prose, ending as a sentence.
    assert len(entry.doc) > 80 and "\n" not in entry.doc and entry.doc.endswith(".")
    prediction = entry.cost(X, DEFAULT_COSTS)
    assert prediction.executor is entry.executor
    assert prediction.seconds > 0 and prediction.speedup > 0
    script = entry.snippet(SnippetRequest(None, 4, None, 100, "io", True, None))
    compile(script, f"<{entry.executor.value} snippet>", "exec")
    runner = entry.load_runner()
    assert runner.name is entry.executor
    assert inspect.ismethod(runner.from_setup)
    assert entry.available(Environment.example(python_version=(3, 14, 0), dask_installed=True))


def test_unknown_executor_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="ray"):
        spec("ray")


@pytest.mark.parametrize("version", [(3, 11, 4), (3, 12, 0), (3, 14, 0), (3, 15, 1)])
def test_rankings_list_the_available_executors(version: tuple[int, int, int]) -> None:
    env = Environment.example(python_version=version)
    rec = advise({"workload": "cpu", "tasks": 10, "task_seconds": 0.1}, environment=env)
    assert {r.executor for r in rec.ranking} == {e.executor for e in available(env)}
    assert rec.predicted_speedup is not None
    assert list(rec.predicted_speedup) == [e.executor.value for e in available(env)]
    assert (Executor.INTERPRETERS in {r.executor for r in rec.ranking}) == (version >= (3, 14))


def test_only_interpreters_and_dask_depend_on_the_environment() -> None:
    old, new = Environment.example(), Environment.example(python_version=(3, 14, 0))
    assert [e.executor for e in available(new)] == [e for e in EXECUTORS if e is not Executor.DASK]
    assert [e.executor for e in available(old)] == [
        e for e in EXECUTORS if e not in (Executor.INTERPRETERS, Executor.DASK)
    ]
    everything = Environment.example(python_version=(3, 14, 0), dask_installed=True)
    assert [e.executor for e in available(everything)] == list(EXECUTORS)
    assert spec(Executor.INTERPRETERS).unavailable_reason.startswith("needs Python 3.14+")
    assert spec(Executor.DASK).unavailable_reason == (
        "not installed: pip install 'concadvisor[dask]'"
    )


# --- layering -------------------------------------------------------------------------


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _eager_imports(path: Path, deferred: frozenset[int] = frozenset()) -> set[str]:
    """Modules ``path`` imports when it is imported: not under TYPE_CHECKING, not deferred."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for item in ast.walk(node):
            if id(item) in deferred:
                continue
            if isinstance(item, ast.Import):
                found.update(alias.name for alias in item.names)
            elif isinstance(item, ast.ImportFrom):
                base = item.module or ""
                if item.level:
                    anchor = package.split(".")[: len(package.split(".")) - item.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in item.names)
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        deferred = frozenset(
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            for inner in ast.walk(node)
            if isinstance(inner, ast.Import | ast.ImportFrom)
        )
        edges = set()
        for target in _eager_imports(path, deferred):
            if target in modules and not name.startswith(target + ".") and target != name:
                edges.add(target)
                # Importing a.b.c first runs a/__init__ and a/b/__init__ (unless the
                # importer is inside them: then they are already being imported).
                parts = target.split(".")
                for i in range(2, len(parts)):
                    parent = ".".join(parts[:i])
                    if not name.startswith(parent + ".") and name != parent:
                        edges.add(parent)
        graph[name] = edges - {name}
    return graph


def _cycles_among(graph: dict[str, set[str]], members: set[str]) -> list[list[str]]:
    """Every strongly connected component of more than one module within ``members``."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    result: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in members:
                continue
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for node in sorted(members):
        if node not in index:
            visit(node)
    return result


def test_no_import_cycle_among_costs_rules_workers_and_executors() -> None:
    graph = _graph()
    layers = ("concadvisor.costs", "concadvisor.rules", "concadvisor.executors")
    members = {m for m in graph if m == "concadvisor.workers" or m.startswith(layers)}
    assert _cycles_among(graph, members) == []


def test_cost_model_does_not_reach_up_into_rules() -> None:
    graph = _graph()
    low = [m for m in graph if m.startswith(("concadvisor.costs", "concadvisor.executors"))]
    low.append("concadvisor.workers")
    for module in low:
        assert not any(t.startswith("concadvisor.rules") for t in graph[module]), module


def test_registry_imports_no_probe_or_pool_machinery() -> None:
    """Ranking executors must not import multiprocessing/asyncio: runners load lazily."""
    for path in (PACKAGE / "executors").glob("*.py"):
        imported = _eager_imports(path)
        heavy = {"asyncio", "multiprocessing", "concurrent.futures", "concadvisor.probing"}
        assert not {i for i in imported for h in heavy if i == h or i.startswith(h + ".")}, path
