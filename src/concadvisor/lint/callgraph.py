"""Blocking calls in coroutines, directly or through the project's own sync functions.

The call graph is static (:mod:`concadvisor.lint.blocking`'s facts, never importing user
code): a coroutine calling a sync function or method of the project that, directly or
transitively across modules, makes a blocking call is reported at the call site with the
chain (``fetch() → load_config() → open()``).  Calls are resolved by qualified name:
module functions through imports, ``self.m()`` in a class, ``Cls()`` to ``Cls.__init__``,
and methods of objects whose project class is evident.  Each function is summarised once
(memoised), so the cost is linear in the project's calls; chains are followed at most
:data:`MAX_DEPTH` calls deep, and recursion is cut where a function calls itself back (a
function first reached through such a cut keeps that summary: a rare miss, never a false
finding).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .blocking import BlockingHit, CallSite, FunctionFacts, ModuleFacts

__all__ = [
    "MAX_DEPTH",
    "ChainStep",
    "CoroutineFinding",
    "coroutine_findings",
    "reached_from_coroutines",
]

#: Calls followed from a coroutine before giving up (the chain shown has at most this + 1).
MAX_DEPTH = 8


@dataclass(frozen=True, slots=True)
class ChainStep:
    """One call of a chain: what is called, and where (the call site)."""

    shown: str
    path: Path
    line: int
    column: int
    #: Where the called expression ends (exclusive, ``ast``'s end offsets).
    end_line: int = 0
    end_column: int = 0


@dataclass(frozen=True, slots=True)
class CoroutineFinding:
    """A blocking call on the loop in ``coroutine``: ``chain[0]`` is the call site in it,
    the last step the blocking call itself (one step: a direct call)."""

    coroutine: FunctionFacts
    chain: tuple[ChainStep, ...]
    hit: BlockingHit


_Chain = tuple[tuple[ChainStep, ...], BlockingHit]


class _Graph:
    def __init__(self, modules: Iterable[ModuleFacts]) -> None:
        self.functions: dict[str, FunctionFacts] = {}
        for module in modules:
            for function in module.functions:
                self.functions.setdefault(function.qualname, function)
        self.memo: dict[str, _Chain | None] = {}
        self.active: set[str] = set()

    def resolve(self, callee: str) -> FunctionFacts | None:
        function = self.functions.get(callee) or self.functions.get(f"{callee}.__init__")
        return function if function is not None and not function.is_async else None

    def blocking_chain(self, function: FunctionFacts, depth: int) -> _Chain | None:
        """The first blocking call ``function`` makes, directly or through the project."""
        key = function.qualname
        if key in self.memo:
            return self.memo[key]
        if key in self.active or depth > MAX_DEPTH:
            return None  # recursion, or too deep
        if function.blocking:
            hit = function.blocking[0]
            found: _Chain | None = ((_step(function, hit),), hit)
        else:
            found = None
            self.active.add(key)
            try:
                for site in function.calls:
                    callee = self.resolve(site.callee)
                    if callee is None:
                        continue
                    deeper = self.blocking_chain(callee, depth + 1)
                    if deeper is not None:
                        steps, hit = deeper
                        head = _step(function, site)
                        found = ((head, *steps), hit)
                        break
            finally:
                self.active.discard(key)
        self.memo[key] = found  # always: each function is summarised once (linear time)
        return found


def _step(function: FunctionFacts, call: BlockingHit | CallSite) -> ChainStep:
    return ChainStep(
        call.shown, function.path, call.line, call.column, call.end_line, call.end_column
    )


def coroutine_findings(modules: Iterable[ModuleFacts]) -> Iterator[CoroutineFinding]:
    """Every blocking call on the loop of every coroutine in ``modules``."""
    modules = list(modules)
    graph = _Graph(modules)
    for module in modules:
        for function in module.functions:
            if not function.is_async:
                continue
            for hit in function.blocking:
                step = _step(function, hit)
                yield CoroutineFinding(function, (step,), hit)
            for site in function.calls:
                callee = graph.resolve(site.callee)
                if callee is None:
                    continue
                found = graph.blocking_chain(callee, 1)
                if found is not None:
                    steps, hit = found
                    head = _step(function, site)
                    yield CoroutineFinding(function, (head, *steps), hit)


def reached_from_coroutines(modules: Iterable[ModuleFacts]) -> set[str]:
    """The project's sync functions that its coroutines call, directly or through other
    sync functions (so they run, at least then, with the event loop running); offloaded
    calls are not calls.  Linear: each function is expanded once, at any depth."""
    modules = list(modules)
    graph = _Graph(modules)
    reached: set[str] = set()
    stack = [f for module in modules for f in module.functions if f.is_async]
    while stack:
        function = stack.pop()
        for site in function.calls:
            callee = graph.resolve(site.callee)
            if callee is not None and callee.qualname not in reached:
                reached.add(callee.qualname)
                stack.append(callee)
    return reached
