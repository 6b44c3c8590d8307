"""The built-in rule catalogue: every family in one ordered tuple.

The engine applies rules in this order (ascending id); docs/rules.md, ``concadvisor rules``
and the lint code documentation are all generated from these objects.
"""

from __future__ import annotations

from . import costs, io, kind, mixed, scale, state
from .base import CodeDoc, Rule

__all__ = ["FAMILIES", "RULES", "all_codes", "get_code", "register_codes"]

#: Family prefix -> (title, one-line description).
FAMILIES: dict[str, tuple[str, str]] = {
    "CA1xx": ("Kind of work, the GIL and CPUs", "which executors can speed the work up at all"),
    "CA2xx": ("I/O: coroutines or threads", "async libraries, refactoring, scale"),
    "CA3xx": ("Lint: profile declarations", "findings about declared task profiles"),
    "CA4xx": ("Lint: target code", "findings about the code a profile points at"),
    "CA5xx": ("Process costs", "start-up, dispatch, pickling and picklability"),
    "CA6xx": ("Shared state", "races with threads, copies with processes"),
    "CA7xx": ("Scale", "one task, short batches, more than one machine"),
    "CA8xx": ("Mixed work and the event loop", "offloading, blocking calls, modern asyncio"),
}

RULES: tuple[Rule, ...] = tuple(
    sorted(
        (*kind.RULES, *io.RULES, *costs.RULES, *state.RULES, *scale.RULES, *mixed.RULES),
        key=lambda rule: rule.id,
    )
)

_extra_codes: dict[str, CodeDoc] = {}


def register_codes(codes: tuple[CodeDoc, ...]) -> None:
    """Make non-engine codes (lint findings) documentable next to the rules."""
    for code in codes:
        known = _extra_codes.get(code.id)
        if known is not None and known != code:
            raise ValueError(f"code {code.id} is registered twice")
        if any(rule.id == code.id for rule in RULES):
            raise ValueError(f"code {code.id} clashes with a rule")
        _extra_codes[code.id] = code


def all_codes() -> tuple[CodeDoc, ...]:
    """Every documented code (rules and registered lint codes), sorted by id."""
    _load_plugins()
    return tuple(sorted((*RULES, *_extra_codes.values()), key=lambda code: code.id))


def get_code(code_id: str) -> CodeDoc | None:
    wanted = code_id.strip().upper()
    return next((code for code in all_codes() if code.id == wanted), None)


def _load_plugins() -> None:
    """Import the modules that register lint codes, if they are present."""
    import importlib

    try:
        importlib.import_module("concadvisor.lint.codes")
    except ModuleNotFoundError as exc:
        if exc.name not in ("concadvisor.lint", "concadvisor.lint.codes"):
            raise
