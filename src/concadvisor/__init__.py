"""concadvisor: which Python concurrency model fits a task, why, and proof by measurement.

>>> import concadvisor
>>> concadvisor.advise({"workload": "io", "async_libraries": True, "tasks": 5000}).executor
<Executor.ASYNCIO: 'asyncio'>
"""

from __future__ import annotations

from ._version import __version__
from .advice import Advisory, RankedExecutor, Reason, Recommendation, advise
from .environment import Environment, detect_environment
from .errors import ConcadvisorError, ProfileFileError, RuleError, TargetError
from .probing import ProbeReport, probe, probe_target
from .profile import Executor, TaskProfile
from .rules import RULES, Facts, Fired, Note, Offload, Rule, Score, Veto, Warn, fire

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
]
