"""The engine's built-in rules: every rule family module, in one ordered tuple.

The engine applies rules in this order (ascending id).  Documentation of every code, lint
codes included, is listed by :mod:`concadvisor.registry`, above this package.
"""

from __future__ import annotations

from . import cluster, costs, io, kind, mixed, scale, state
from .base import Rule

__all__ = ["RULES"]

RULES: tuple[Rule, ...] = tuple(
    sorted(
        (
            *kind.RULES,
            *io.RULES,
            *costs.RULES,
            *state.RULES,
            *scale.RULES,
            *cluster.RULES,
            *mixed.RULES,
        ),
        key=lambda rule: rule.id,
    )
)
