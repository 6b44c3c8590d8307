"""The one grammar of a target, shared by the probe and lint (no import happens here).

::

    TARGET  := MODULE ":" ATTRIBUTE
    MODULE  := dotted.module.name          importable name (``pkg.mod``)
             | path/to/file.py             a Python source file, relative or absolute
    ATTRIBUTE := name ("." name)*          ``func``, ``Class.method``, ``outer.inner``

Names are Python identifiers.  The colon that splits is the *last* one, so
``C:\\src\\job.py:run`` works.  A module part that contains a path separator but does not
end in ``.py`` (``pkg/mod:func``) is rejected: Python imports source files by their
``.py`` name, and guessing between "the file ``pkg/mod``", "``pkg/mod.py``" and "the module
``pkg.mod``" would hide typos -- the message names both spellings that work.  A module part
ending in ``.py`` is always a file (a module literally called ``py`` inside a package must
be written as a path).  Surrounding whitespace is ignored.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .errors import TargetError

__all__ = ["TargetSpec", "parse_target"]

_SEPARATORS = frozenset({"/", "\\", os.sep})


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """A parsed target: where the module comes from and the attribute path inside it."""

    module: str  # dotted module name, or a path to a .py file
    attr: tuple[str, ...]
    is_path: bool

    @property
    def qualname(self) -> str:
        """The attribute path as written: ``Class.method``."""
        return ".".join(self.attr)

    def __str__(self) -> str:
        return f"{self.module}:{self.qualname}"


def _dotted(text: str) -> bool:
    return all(part.isidentifier() for part in text.split("."))


def parse_target(text: str) -> TargetSpec:
    """Parse ``text``; a :class:`TargetError` with a one-line message if it is malformed."""
    if not isinstance(text, str):
        raise TargetError(f"invalid target {text!r}: expected a string like 'pkg.mod:func'")
    shown = repr(text[:80] + ("…" if len(text) > 80 else ""))
    stripped = text.strip()
    if ":" not in stripped:
        raise TargetError(
            f"invalid target {shown}: expected MODULE:FUNCTION or path/to/file.py:FUNCTION"
        )
    module, _, attribute = stripped.rpartition(":")
    if not module:
        raise TargetError(f"invalid target {shown}: the module part before ':' is empty")
    if not _dotted(attribute):
        raise TargetError(
            f"invalid target {shown}: {attribute[:80]!r} after ':' is not a name like func "
            "or Class.method"
        )
    attr = tuple(attribute.split("."))
    if module.endswith(".py") and len(module) > 3 and module[-4] not in _SEPARATORS:
        return TargetSpec(module, attr, True)
    if any(sep in module for sep in _SEPARATORS):
        dotted = module.replace("\\", "/").strip("/").replace("/", ".")
        raise TargetError(
            f"invalid target {shown}: {module[:80]!r} is a path without '.py': write "
            f"'{module[:80]}.py:{attribute}' for the file or '{dotted[:80]}:{attribute}' "
            "for the module"
        )
    if not _dotted(module):
        raise TargetError(
            f"invalid target {shown}: {module[:80]!r} is neither a dotted module name nor a "
            ".py path"
        )
    return TargetSpec(module, attr, False)
