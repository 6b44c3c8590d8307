"""The table of every code: the engine's rule families and lint's code families, in order.

Nothing registers itself on import (ruff's ``codes.rs`` is the model): this module names,
family by family, the module whose tuple defines the family's codes.  It sits above both
:mod:`concadvisor.rules` and :mod:`concadvisor.lint`, which never import it;
``concadvisor rules``, docs/rules.md and lint's SARIF rule descriptors all read it.  Adding
a family means adding a row here; a code outside its row's prefix, or an id used twice,
fails at import.
"""

from __future__ import annotations

from dataclasses import dataclass

from .lint import codes as lint_codes
from .lint.codes import LintCode
from .rules import cluster, costs, io, kind, mixed, scale, state
from .rules.base import CodeDoc

__all__ = ["CODES", "FAMILIES", "LINT_CODES", "Family", "all_codes", "get_code"]


@dataclass(frozen=True, slots=True)
class Family:
    """One hundred of codes: ``CA1xx`` and its title, description and members."""

    prefix: str
    title: str
    description: str
    codes: tuple[CodeDoc, ...]


FAMILIES: tuple[Family, ...] = (
    Family(
        "CA1xx",
        "Kind of work, the GIL and CPUs",
        "which executors can speed the work up at all",
        kind.RULES,
    ),
    Family("CA2xx", "I/O: coroutines or threads", "async libraries, refactoring, scale", io.RULES),
    Family(
        "CA3xx",
        "Lint: profile declarations",
        "findings about declared task profiles",
        lint_codes.PROFILE_CODES,
    ),
    Family(
        "CA4xx",
        "Lint: target code",
        "findings about the code a profile points at",
        lint_codes.TARGET_CODES,
    ),
    Family(
        "CA5xx",
        "Process costs",
        "start-up, dispatch, pickling and picklability",
        costs.RULES,
    ),
    Family("CA6xx", "Shared state", "races with threads, copies with processes", state.RULES),
    Family(
        "CA7xx",
        "Scale",
        "one task, short batches, more than one machine, a Dask cluster",
        (*scale.RULES, *cluster.RULES),
    ),
    Family(
        "CA8xx",
        "Mixed work and the event loop",
        "offloading, blocking calls, modern asyncio",
        mixed.RULES,
    ),
)


def _table(families: tuple[Family, ...]) -> dict[str, CodeDoc]:
    table: dict[str, CodeDoc] = {}
    for family in families:
        for code in family.codes:
            if code.family != family.prefix:
                raise ValueError(f"{code.id} is listed in family {family.prefix}")
            if code.id in table:
                raise ValueError(f"code {code.id} is defined twice")
            table[code.id] = code
    return dict(sorted(table.items()))


_BY_ID = _table(FAMILIES)
#: Every documented code, rules and lint codes, sorted by id.
CODES: tuple[CodeDoc, ...] = tuple(_BY_ID.values())
#: The lint codes, in id order (SARIF's ``rules`` array).
LINT_CODES: tuple[LintCode, ...] = tuple(c for c in CODES if isinstance(c, LintCode))


def all_codes() -> tuple[CodeDoc, ...]:
    """Every documented code (engine rules and lint codes), sorted by id."""
    return CODES


def get_code(code_id: str) -> CodeDoc | None:
    """The code ``code_id`` (case and surrounding spaces ignored), or None."""
    return _BY_ID.get(code_id.strip().upper())
