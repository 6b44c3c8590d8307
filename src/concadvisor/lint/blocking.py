"""What each function of a module calls: blocking calls and calls into the project.

One pass over a parsed module (user code is never imported) yields a :class:`ModuleFacts`:
for every ``def`` and ``async def``, the blocking calls it makes on its own thread (looked
up in :mod:`concadvisor.lint.knowledge` after resolving imports and aliases) and the calls
it makes to other functions, by qualified name, for :mod:`concadvisor.lint.callgraph`.

Types are tracked only where the code makes them evident, in source order and without
following branches: a parameter or variable annotated with a table type (``X``,
``X | None``, ``Optional[X]``), a name assigned from a factory (``s = requests.Session()``,
``c = conn.cursor()``, ``p = Path(x)``) or bound by ``with open(p) as f``, a copy of such
a name, and module-level names seen before the function.  Any other assignment forgets
the name's type.  Not on the calling thread, so not reported: awaited calls, arguments of
wrappers such as ``trio.wrap_file``, and bodies of nested sync ``def``s and lambdas
(``asyncio.to_thread(f)`` passes ``f`` without calling it).
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .knowledge import FACTORIES, FUNCTIONS, OFFLOADERS, TYPES, BlockingFunction, Kind

__all__ = [
    "GET_EVENT_LOOP",
    "BlockingHit",
    "CallSite",
    "FunctionFacts",
    "Knowledge",
    "LoopCall",
    "ModuleFacts",
    "module_facts",
    "module_name",
]

_BUILTINS = frozenset(dir(builtins))
#: ``asyncio.get_event_loop`` by its qualified names: without a running loop it warns from
#: 3.12 and raises from 3.14 (:data:`ModuleFacts.loop_calls`).
GET_EVENT_LOOP = frozenset({"asyncio.get_event_loop", "asyncio.events.get_event_loop"})


@dataclass(frozen=True, slots=True)
class Knowledge:
    """The knowledge base plus a configuration's ``blocking``/``not-blocking`` names."""

    blocking: frozenset[str] = frozenset()
    not_blocking: frozenset[str] = frozenset()

    def function(self, name: str) -> BlockingFunction | None:
        if name in self.not_blocking:
            return None
        if name in self.blocking:
            return BlockingFunction(name, "configured", "an async equivalent or asyncio.to_thread")
        return FUNCTIONS.get(name)


@dataclass(frozen=True, slots=True)
class BlockingHit:
    """A blocking call: where, as written (``requests.get``, ``s.get``), and its entry."""

    line: int
    column: int  # 0-based UTF-8 offset, as ast gives it
    shown: str
    kind: Kind
    instead: str
    #: Where the called expression ends (exclusive, ``ast``'s end offsets).
    end_line: int = 0
    end_column: int = 0


@dataclass(frozen=True, slots=True)
class CallSite:
    """A call to something that may be a function of the project (``pkg.mod.helper``)."""

    line: int
    column: int
    shown: str
    callee: str
    end_line: int = 0
    end_column: int = 0


@dataclass(slots=True)
class FunctionFacts:
    """One ``def``/``async def``: its qualified name and what it calls on its own thread."""

    qualname: str
    name: str
    is_async: bool
    line: int
    column: int
    path: Path
    blocking: list[BlockingHit] = field(default_factory=list)
    calls: list[CallSite] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class LoopCall:
    """``asyncio.get_event_loop()`` outside any ``async def`` (where a loop surely runs):
    where, and the sync function it is in (None: module or class level)."""

    line: int
    column: int
    function: FunctionFacts | None
    end_line: int = 0
    end_column: int = 0


@dataclass(slots=True)
class ModuleFacts:
    path: Path
    module: str
    functions: list[FunctionFacts] = field(default_factory=list)
    loop_calls: list[LoopCall] = field(default_factory=list)


def module_name(path: Path) -> str:
    """``a/src/pkg/sub/mod.py`` -> ``pkg.sub.mod`` (up through the ``__init__.py`` dirs)."""
    parts = [] if path.stem == "__init__" else [path.stem]
    directory = path.parent
    while (directory / "__init__.py").is_file() and directory.parent != directory:
        parts.append(directory.name)
        directory = directory.parent
    return ".".join(reversed(parts)) or path.stem


def imports_of(body: Iterable[ast.stmt], package: str) -> dict[str, str]:
    """Local name -> qualified name for the import statements among ``body``
    (relative imports resolved against ``package``)."""
    names: dict[str, str] = {}
    for node in body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".") if package else []
                anchor = anchor[: len(anchor) - (node.level - 1)] if node.level > 1 else anchor
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                if alias.name != "*":
                    names[alias.asname or alias.name] = (
                        f"{base}.{alias.name}" if base else alias.name
                    )
    return names


#: Nodes :meth:`_Scanner.visit` handles itself; every other node is walked through.
_SPECIAL: frozenset[type[ast.AST]] = frozenset(
    {
        ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.Assign,
        ast.AnnAssign, ast.With, ast.AsyncWith, ast.For, ast.AsyncFor, ast.Await, ast.Call,
        ast.Import, ast.ImportFrom,
    }
)  # fmt: skip
#: Nodes with nothing to look at inside.
_LEAVES: frozenset[type[ast.AST]] = frozenset(
    {ast.Name, ast.Constant, ast.Load, ast.Store, ast.Del, ast.Pass, ast.Break, ast.Continue}
    | set(ast.operator.__subclasses__())
    | set(ast.cmpop.__subclasses__())
    | set(ast.unaryop.__subclasses__())
    | set(ast.boolop.__subclasses__())
)


@dataclass(slots=True)
class _Scope:
    names: dict[str, str]
    types: dict[str, str]
    facts: FunctionFacts | None  # None: module or class body (not a function's thread)
    cls: str | None  # qualified class name, for self.method()
    prefix: str
    #: Inside an ``async def`` (nested defs and classes included): a loop is running there.
    in_coroutine: bool = False


class _Scanner:
    def __init__(self, facts: ModuleFacts, package: str, knowledge: Knowledge) -> None:
        self.out = facts
        self.package = package
        self.knowledge = knowledge
        self.classes: set[str] = set()

    # -- names and types ---------------------------------------------------------------

    def qualified(self, node: ast.expr, scope: _Scope) -> str | None:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        root = scope.names.get(node.id)
        if root is None:
            if node.id in scope.types or node.id not in _BUILTINS:
                return None
            root = f"builtins.{node.id}"
        return ".".join([root, *reversed(parts)])

    def type_of(self, node: ast.expr | None, scope: _Scope) -> str | None:
        if isinstance(node, ast.Name):
            return scope.types.get(node.id)
        if isinstance(node, ast.Call):
            func = node.func
            name = self.qualified(func, scope)
            if name is not None:
                if name in FACTORIES:
                    return FACTORIES[name]
                if self.is_class(name):
                    return name
            if isinstance(func, ast.Attribute):
                owner = self.type_of(func.value, scope)
                if owner is not None and owner in TYPES:
                    return TYPES[owner].returns.get(func.attr)
            return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            left = self.type_of(node.left, scope)
            return left if left == "pathlib.Path" else None
        return None

    def annotation_type(self, node: ast.expr | None, scope: _Scope) -> str | None:
        if node is None:
            return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            sides = [node.left, node.right]
            others = [s for s in sides if not (isinstance(s, ast.Constant) and s.value is None)]
            return self.annotation_type(others[0], scope) if len(others) == 1 else None
        if isinstance(node, ast.Subscript):
            if self.qualified(node.value, scope) == "typing.Optional":
                return self.annotation_type(node.slice, scope)
            return None
        name = self.qualified(node, scope)
        if name is not None and (name in TYPES or self.is_class(name)):
            return name
        return None

    def is_class(self, name: str) -> bool:
        """A class of this module, or a capitalised imported name (maybe a project class:
        the call graph keeps only the methods it finds in the project)."""
        if name in self.classes:
            return True
        last = name.rpartition(".")[2]
        return "." in name and last[:1].isupper() and not name.startswith("builtins.")

    def bind(self, target: ast.expr, kind: str | None, scope: _Scope) -> None:
        if isinstance(target, ast.Name):
            if kind is None:
                scope.types.pop(target.id, None)
            else:
                scope.types[target.id] = kind
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.bind(element, None, scope)

    # -- the walk ----------------------------------------------------------------------

    def body(self, statements: Iterable[ast.stmt], scope: _Scope) -> None:
        for statement in statements:
            self.visit(statement, scope)

    def visit(self, node: ast.AST, scope: _Scope) -> None:
        node_type = type(node)
        if node_type in _LEAVES:
            return
        if node_type not in _SPECIAL:  # the common case, checked first: lint must stay fast
            # ast.iter_child_nodes inlined, leaves skipped before the call: a third of the
            # scan's time on a large tree
            for field_name in node._fields:
                value = getattr(node, field_name, None)
                if type(value) is list:
                    for item in value:
                        if type(item) not in _LEAVES and isinstance(item, ast.AST):
                            self.visit(item, scope)
                elif type(value) not in _LEAVES and isinstance(value, ast.AST):
                    self.visit(value, scope)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.function(node, scope)
        elif isinstance(node, ast.ClassDef):
            for expr in [*node.decorator_list, *node.bases]:
                self.visit(expr, scope)
            qual = f"{scope.prefix}{node.name}"
            inner = _Scope(
                scope.names, dict(scope.types), None, qual, f"{qual}.", scope.in_coroutine
            )
            self.body(node.body, inner)
        elif isinstance(node, ast.Lambda):
            return  # runs when called, maybe in a thread
        elif isinstance(node, ast.Assign):
            self.visit(node.value, scope)
            kind = self.type_of(node.value, scope)
            for target in node.targets:
                self.visit_target(target, scope)
                self.bind(target, kind, scope)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.visit(node.value, scope)
            kind = self.annotation_type(node.annotation, scope) or self.type_of(node.value, scope)
            self.bind(node.target, kind, scope)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                self.visit(item.context_expr, scope)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, self.type_of(item.context_expr, scope), scope)
            self.body(node.body, scope)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self.visit(node.iter, scope)
            self.bind(node.target, None, scope)
            self.body(node.body, scope)
            self.body(node.orelse, scope)
        elif isinstance(node, ast.Await):
            if isinstance(node.value, ast.Call):
                self.call_parts(node.value, self.qualified(node.value.func, scope), scope)
            else:
                self.visit(node.value, scope)
        elif isinstance(node, ast.Call):
            name = self.qualified(node.func, scope)
            self.call(node, name, scope)
            self.call_parts(node, name, scope)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            # a new dict, never an update: scopes share their enclosing scope's names
            scope.names = {**scope.names, **imports_of([node], self.package)}
            for alias in node.names:
                scope.types.pop(alias.asname or alias.name.split(".")[0], None)
        else:
            for child in ast.iter_child_nodes(node):
                self.visit(child, scope)

    def visit_target(self, target: ast.expr, scope: _Scope) -> None:
        if not isinstance(target, ast.Name):
            self.visit(target, scope)

    def call_parts(self, call: ast.Call, name: str | None, scope: _Scope) -> None:
        self.visit(call.func, scope)
        if name in OFFLOADERS:
            return
        for arg in [*call.args, *(k.value for k in call.keywords)]:
            self.visit(arg, scope)

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: _Scope) -> None:
        for expr in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
            if expr is not None:
                self.visit(expr, scope)
        qual = f"{scope.prefix}{node.name}"
        facts = FunctionFacts(
            f"{self.out.module}.{qual}",
            qual,
            isinstance(node, ast.AsyncFunctionDef),
            node.lineno,
            node.col_offset,
            self.out.path,
        )
        self.out.functions.append(facts)
        types = dict(scope.types)
        arguments = node.args
        parameters = [
            *arguments.posonlyargs,
            *arguments.args,
            *arguments.kwonlyargs,
            *(a for a in (arguments.vararg, arguments.kwarg) if a is not None),
        ]
        names = scope.names  # shared (imports rebind, never update): copied only to shadow
        if any(arg.arg in names for arg in parameters):
            shadowed = {arg.arg for arg in parameters}
            names = {key: value for key, value in names.items() if key not in shadowed}
        for arg in parameters:
            kind = self.annotation_type(arg.annotation, scope)
            if kind is None:
                types.pop(arg.arg, None)
            else:
                types[arg.arg] = kind
        # names the function binds locally (other than by import) are not the module's
        cls = scope.cls if scope.facts is None else None
        in_coroutine = scope.in_coroutine or facts.is_async
        inner = _Scope(names, types, facts, cls, f"{qual}.<locals>.", in_coroutine)
        self.body(node.body, inner)

    def call(self, call: ast.Call, name: str | None, scope: _Scope) -> None:
        """Record ``call`` (its function resolved to ``name``) if it runs in a function."""
        facts = scope.facts
        line, column = call.lineno, call.col_offset
        # The span is the called expression (``requests.get``), as ruff reports it.
        end = (call.func.end_lineno or line, call.func.end_col_offset or column)
        if name in GET_EVENT_LOOP and not scope.in_coroutine:
            self.out.loop_calls.append(LoopCall(line, column, facts, *end))
        if facts is None:
            return
        if name is not None:
            entry = self.knowledge.function(name)
            if entry is not None:
                shown = name.removeprefix("builtins.")
                facts.blocking.append(
                    BlockingHit(line, column, shown, entry.kind, entry.instead, *end)
                )
                return
            if name in self.knowledge.not_blocking:
                return
        func = call.func
        if isinstance(func, ast.Attribute):
            owner = self.type_of(func.value, scope)
            receiver = _dotted(func.value)
            if receiver is None:  # Path(p).read_text(): the type, not the whole expression
                receiver = (owner or "").rpartition(".")[2] or "..."
            shown = f"{receiver}.{func.attr}"
            if owner is not None and owner in TYPES:
                kind = TYPES[owner]
                if (
                    kind.blocks(func.attr)
                    and f"{owner}.{func.attr}" not in self.knowledge.not_blocking
                ):
                    facts.blocking.append(
                        BlockingHit(line, column, shown, kind.kind, kind.instead, *end)
                    )
                return
            if owner is not None:
                method = f"{owner}.{func.attr}"
                entry = self.knowledge.function(method)
                if entry is not None:
                    hit = BlockingHit(line, column, shown, entry.kind, entry.instead, *end)
                    facts.blocking.append(hit)
                else:
                    facts.calls.append(CallSite(line, column, shown, method, *end))
                return
            if (
                isinstance(func.value, ast.Name)
                and func.value.id in ("self", "cls")
                and scope.cls is not None
            ):
                callee = f"{self.out.module}.{scope.cls}.{func.attr}"
                facts.calls.append(CallSite(line, column, shown, callee, *end))
                return
        if name is not None:
            facts.calls.append(CallSite(line, column, _dotted(func) or name, name, *end))


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` as written, or None for anything but names and attributes."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def module_facts(
    tree: ast.Module, path: Path, knowledge: Knowledge, module: str | None = None
) -> ModuleFacts:
    """The facts of every function of ``tree`` (the module at ``path``)."""
    module = module if module is not None else module_name(path)
    package = module if path.stem == "__init__" else module.rpartition(".")[0]
    facts = ModuleFacts(path, module)
    scanner = _Scanner(facts, package, knowledge)
    local: dict[str, str] = {}
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            local[statement.name] = f"{module}.{statement.name}"
            if isinstance(statement, ast.ClassDef):
                scanner.classes.add(f"{module}.{statement.name}")
    names = {**local, **imports_of(_top_level_imports(tree.body), package)}
    scanner.body(tree.body, _Scope(names, {}, None, None, ""))
    return facts


def _top_level_imports(body: list[ast.stmt]) -> list[ast.stmt]:
    return [s for s in body if isinstance(s, (ast.Import, ast.ImportFrom))]
