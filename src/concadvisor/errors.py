"""Exceptions raised by concadvisor.

::

    ConcadvisorError            base of everything concadvisor raises on purpose
    ├── RuleError               a rule is malformed, duplicated, or its check raised
    ├── ProfileFileError        a profile file cannot be read or parsed
    ├── TargetError             a probe target cannot be resolved (bad spec, import error)
    └── BudgetError             the probe's budget ended before anything could run

Invalid profile *values* raise :class:`pydantic.ValidationError`, as DESIGN.md promises.
"""

from __future__ import annotations

__all__ = ["BudgetError", "ConcadvisorError", "ProfileFileError", "RuleError", "TargetError"]


class ConcadvisorError(Exception):
    """Base class of the errors concadvisor raises on purpose."""


class RuleError(ConcadvisorError):
    """A rule is malformed or duplicated, or its check raised."""


class ProfileFileError(ConcadvisorError):
    """A profile file cannot be read or parsed."""


class TargetError(ConcadvisorError):
    """A probe target (``pkg.mod:func``) cannot be resolved."""


class BudgetError(ConcadvisorError):
    """The probe's budget ended before its runner could start: nothing was measured."""
