"""Rules: the catalogue, the vocabulary to write new ones, and the engine."""

from __future__ import annotations

from .base import CodeDoc, Facts, Fired, Note, Offload, Rule, Score, Veto, Warn, fire
from .catalogue import FAMILIES, RULES, all_codes, get_code
from .engine import Decision, evaluate

__all__ = [
    "FAMILIES",
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
    "all_codes",
    "evaluate",
    "fire",
    "get_code",
]
