"""The executor registry: one module per executor, each owning everything about it.

An entry (:class:`ExecutorSpec`) holds the executor's id, its one-paragraph docs, its cost
formula, its snippet, the probe's batch runner for it (imported lazily) and whether it
exists on a given interpreter.  :data:`REGISTRY` lists them in order.
"""

from __future__ import annotations

from .base import ExecutorSpec, SnippetRequest
from .registry import EXECUTORS, REGISTRY, available, spec

__all__ = ["EXECUTORS", "REGISTRY", "ExecutorSpec", "SnippetRequest", "available", "spec"]
