"""The shape of one registry entry: everything concadvisor knows about one executor."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from ..profile import Executor, StartMethod, Workload

if TYPE_CHECKING:
    from ..costs.inputs import ExecutorPrediction, Inputs
    from ..costs.machine import MachineCosts
    from ..environment import Environment
    from ..probing.executors import BatchRunner

__all__ = ["CostFormula", "ExecutorSpec", "SnippetRequest", "always_available"]


class SnippetRequest(NamedTuple):
    """What a snippet depends on (hashable: rendered snippets are cached on it)."""

    offload: Executor | None
    workers: int
    offload_workers: int | None
    tasks: int
    workload: Workload
    task_group: bool
    #: Set only when the profile asked for one; the snippet then passes it as mp_context.
    start_method: StartMethod | None
    #: A measured chunksize (process pools); None: planned from tasks and workers.
    chunksize: int | None = None


CostFormula = Callable[["Inputs", "MachineCosts"], "ExecutorPrediction"]


def always_available(environment: Environment) -> bool:
    """Standard-library executors exist on every interpreter concadvisor supports."""
    return True


@dataclass(frozen=True, slots=True)
class ExecutorSpec:
    """One executor: its id, docs, cost formula, snippet, probe runner and availability.

    ``runner`` names the probe's batch-runner class as ``"module:Class"`` and is imported
    only by :meth:`load_runner`, so ranking executors never imports multiprocessing or
    asyncio machinery.
    """

    executor: Executor
    #: One paragraph: what the executor is and when it fits.
    doc: str
    #: Predicted batch time for the cost model's inputs (see concadvisor.costs.model).
    cost: CostFormula
    #: The script body (after its header) for a recommendation of this executor.
    snippet: Callable[[SnippetRequest], str]
    #: ``"module:Class"`` of the probe's batch runner (a BatchRunner).
    runner: str
    #: Whether the executor exists on the interpreter ``environment`` describes.
    available: Callable[[Environment], bool] = always_available
    #: Why it does not where ``available`` is False (the probe's ``skipped`` reason).
    unavailable_reason: str = ""
    #: Recommended only when the rules score it above zero (dask: a cluster is never the
    #: default); with a score of zero or less it ranks after every viable executor.
    opt_in: bool = False

    def load_runner(self) -> type[BatchRunner]:
        """Import and return the probe's batch-runner class (runner side only)."""
        module, _, name = self.runner.partition(":")
        runner: type[BatchRunner] = getattr(importlib.import_module(module), name)
        return runner
