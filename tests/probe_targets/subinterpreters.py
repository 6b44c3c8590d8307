"""Probe targets for sub-interpreters: one that loads everywhere, one that cannot."""

from __future__ import annotations

import readline  # noqa: F401 - single-phase init: refuses to load in a sub-interpreter


def square_sum(n: int = 20_000) -> int:
    return sum(i * i for i in range(n))
