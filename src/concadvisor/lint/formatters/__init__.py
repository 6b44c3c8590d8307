"""Output formats of ``concadvisor lint``: a registry of emitters with one signature.

Each format is one module exposing ``render(result: LintResult, out: TextIO) -> None``;
``--format NAME`` picks it from :data:`FORMATS`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TextIO

from ..diagnostics import LintResult

__all__ = ["FORMATS", "Renderer", "get_renderer"]

Renderer = Callable[[LintResult, TextIO], None]

#: format name -> module (in this package) that renders it
FORMATS: dict[str, str] = {
    "text": "text",
    "json": "json",
    "sarif": "sarif",
    "github": "github",
}


def get_renderer(name: str) -> Renderer:
    module = importlib.import_module(f"{__name__}.{FORMATS[name]}")
    renderer: Renderer = module.render
    return renderer
