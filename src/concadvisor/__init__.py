"""concadvisor: which Python concurrency model fits a task, why, and proof by measurement.

>>> import concadvisor
>>> concadvisor.advise({"workload": "io", "async_libraries": True, "tasks": 5000}).executor
<Executor.ASYNCIO: 'asyncio'>

The public names are imported on first use (PEP 562): ``import concadvisor`` alone costs
next to nothing, so that ``concadvisor --version`` and the other light commands do not pay
for pydantic models, the rules, the probe or rich.
"""

from __future__ import annotations

from importlib import import_module as _import_module

from ._version import __version__

#: ``typing.TYPE_CHECKING`` without importing typing (mypy honours any constant of that name).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .advice import Advisory, RankedExecutor, Reason, Recommendation, advise
    from .environment import Environment, detect_environment
    from .errors import ConcadvisorError, ProfileFileError, RuleError, TargetError
    from .probing import ProbeReport, probe, probe_target
    from .profile import Executor, TaskProfile
    from .rules import RULES, Facts, Fired, Note, Offload, Rule, Score, Veto, Warn, fire
    from .worker_context import worker_state
del TYPE_CHECKING

__all__ = [
    "RULES",
    "Advisory",
    "ConcadvisorError",
    "Environment",
    "Executor",
    "Facts",
    "Fired",
    "Note",
    "Offload",
    "ProbeReport",
    "ProfileFileError",
    "RankedExecutor",
    "Reason",
    "Recommendation",
    "Rule",
    "RuleError",
    "Score",
    "TargetError",
    "TaskProfile",
    "Veto",
    "Warn",
    "__version__",
    "advise",
    "detect_environment",
    "fire",
    "probe",
    "probe_target",
    "worker_state",
]

#: The submodule that defines each public name (the ``TYPE_CHECKING`` imports above, for
#: mypy and editors, say the same; a test keeps the two and ``__all__`` in agreement).
_HOMES: dict[str, str] = {
    "Advisory": "advice",
    "RankedExecutor": "advice",
    "Reason": "advice",
    "Recommendation": "advice",
    "advise": "advice",
    "Environment": "environment",
    "detect_environment": "environment",
    "ConcadvisorError": "errors",
    "ProfileFileError": "errors",
    "RuleError": "errors",
    "TargetError": "errors",
    "ProbeReport": "probing",
    "probe": "probing",
    "probe_target": "probing",
    "Executor": "profile",
    "TaskProfile": "profile",
    "RULES": "rules",
    "Facts": "rules",
    "Fired": "rules",
    "Note": "rules",
    "Offload": "rules",
    "Rule": "rules",
    "Score": "rules",
    "Veto": "rules",
    "Warn": "rules",
    "fire": "rules",
    "worker_state": "worker_context",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_import_module(f".{home}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
