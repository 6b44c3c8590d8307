"""Rules: the catalogue, the vocabulary to write new ones, and the engine.

The documentation of every code (rules and lint codes) is :mod:`concadvisor.registry`.
"""

from __future__ import annotations

from .base import CodeDoc, Facts, Fired, Note, Offload, Rule, Score, Veto, Warn, fire
from .catalogue import RULES
from .engine import Decision, evaluate

__all__ = [
    "RULES",
    "CodeDoc",
    "Decision",
    "Facts",
    "Fired",
    "Note",
    "Offload",
    "Rule",
    "Score",
    "Veto",
    "Warn",
    "evaluate",
    "fire",
]
