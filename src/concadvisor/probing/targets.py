"""Resolving a probe target -- ``pkg.mod:func``, ``pkg.mod:Class.method`` or
``path/to/file.py:func`` -- to a callable.

The syntax is :mod:`concadvisor.targetspec`'s, shared with lint.  Used in the isolated
runner and its pool workers (to import the target).  Every failure is a
:class:`~concadvisor.errors.TargetError` whose message is one line naming what is wrong.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from ..errors import TargetError
from ..targetspec import parse_target

__all__ = [
    "describe_exception",
    "first_line",
    "is_async_callable",
    "load_callable",
    "spec_for_callable",
]

#: Name prefix of modules loaded from a file path whose stem is taken or not an identifier.
_FILE_MODULE_PREFIX = "_concadvisor_target_"


def first_line(exc: BaseException) -> str:
    """The first line of ``str(exc)``; '' when it is empty or ``__str__`` itself raises."""
    try:
        lines = str(exc).strip().splitlines()
    except Exception:
        return ""
    return lines[0] if lines else ""


def describe_exception(exc: BaseException) -> str:
    """``'ValueError: first line of the message'`` -- one line, whatever the exception."""
    first = first_line(exc)
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def _file_module_name(path: Path) -> str:
    stem = path.stem
    if stem.isidentifier() and stem not in sys.modules:
        return stem
    return _FILE_MODULE_PREFIX + re.sub(r"\W", "_", stem)


def _import_file(path_text: str, cwd: Path) -> ModuleType:
    path = (cwd / path_text).resolve()
    if not path.is_file():
        raise TargetError(f"cannot import {path_text!r}: no such file")
    for name, module in list(sys.modules.items()):
        if getattr(module, "__file__", None) == str(path) and name != "__main__":
            return module
    name = _file_module_name(path)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise TargetError(f"cannot import {path_text!r}: not a Python source file")
    module = importlib.util.module_from_spec(spec)
    # Like `python path/to/file.py`: the file's directory is importable (sibling modules).
    directory = str(path.parent)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    sys.modules[name] = module  # pickle and dataclasses look the module up by name
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:
        sys.modules.pop(name, None)
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise TargetError(f"cannot import {path_text!r}: {describe_exception(exc)}") from None
    return module


def _import_module(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise TargetError(f"cannot import {name!r}: {describe_exception(exc)}") from None


def load_callable(text: str, cwd: str | Path | None = None) -> Callable[..., Any]:
    """Import the target named by ``text`` and return the callable it names.

    Dotted modules are imported from ``cwd`` (default: the current directory) first, like
    ``python -m``; ``.py`` paths are relative to ``cwd``.
    """
    spec = parse_target(text)
    base = Path(cwd) if cwd is not None else Path.cwd()
    if spec.is_path:
        module = _import_file(spec.module, base)
    else:
        root = str(base.resolve())
        if root not in sys.path:
            sys.path.insert(0, root)
        module = _import_module(spec.module)
    obj: Any = module
    walked = spec.module
    for part in spec.attr:
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise TargetError(f"{walked!r} has no attribute {part!r} (target {text!r})") from None
        except Exception as exc:
            raise TargetError(
                f"cannot read {part!r} of {walked!r} (target {text!r}): {describe_exception(exc)}"
            ) from None
        walked = f"{walked}:{part}" if walked == spec.module else f"{walked}.{part}"
    if not callable(obj):
        raise TargetError(f"{text!r} is not callable: it is a {type(obj).__name__}")
    return obj  # type: ignore[no-any-return]


def is_async_callable(func: Callable[..., Any]) -> bool:
    """``func`` is an ``async def`` function (or a callable object whose ``__call__`` is)."""
    if inspect.iscoroutinefunction(func):
        return True
    call = getattr(func, "__call__", None)  # noqa: B004 - we want the bound __call__ itself
    return call is not None and inspect.iscoroutinefunction(call)


def spec_for_callable(func: Callable[..., Any]) -> str:
    """The target spec that loads ``func`` again in another process.

    Raises :class:`TargetError` for lambdas, nested functions, bound methods of instances
    and anything else that cannot be found again by module and name.
    """
    module_name = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", None)
    if not isinstance(module_name, str) or not isinstance(qualname, str):
        raise TargetError(
            f"cannot probe {func!r}: it has no module and name to import it again "
            "(pass a module-level function)"
        )
    if "<" in qualname:
        raise TargetError(
            f"cannot probe {qualname!r}: lambdas and nested functions cannot be imported by "
            "the isolated runner; define the function at module level"
        )
    if inspect.ismethod(func) and not inspect.isclass(func.__self__):
        raise TargetError(
            f"cannot probe the bound method {qualname!r}: pass a module-level function, "
            "a staticmethod or a classmethod"
        )
    module = sys.modules.get(module_name)
    if module_name == "__main__":
        path = getattr(module, "__file__", None)
        if not path:
            raise TargetError(
                f"cannot probe {qualname!r}: it is defined in an interactive session; "
                "put it in a module"
            )
        text = f"{Path(path).resolve()}:{qualname}"
    else:
        text = f"{module_name}:{qualname}"
    obj: Any = module
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    if obj is None:
        raise TargetError(f"cannot probe {qualname!r}: {text!r} does not name it")
    return text
