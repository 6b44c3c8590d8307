"""The probe's measured pool start-up, fed to the cost model behind its recommendation.

The probe starts every pool before timing it, with the user's module imported -- under
forkserver and spawn each worker re-imports it, so this is the start-up the program will
really pay (calibrate measures the bare figure, with nothing but concadvisor imported).
"""

from __future__ import annotations

from ..costs.machine import MachineCosts
from ..profile import Executor, StartMethod
from .session import Measurements

__all__ = ["with_measured_startup"]


def _per_worker(m: Measurements, executor: Executor) -> float | None:
    record = m.records.get(executor.value)
    # The interpreter pool is as wide as the process pool (planning.Plan has no own width).
    width = int((m.plan or {}).get(Executor.PROCESSES.value) or 0)
    if record is None or record.startup is None or record.startup <= 0 or width < 1:
        return None
    return record.startup / width


def with_measured_startup(
    m: Measurements, costs: MachineCosts, start_method: StartMethod
) -> MachineCosts:
    """``costs`` with the per-worker start-up of the process (for ``start_method``) and
    interpreter pools the probe measured: each pool's start-up (first task on every worker
    included) over its width, as :class:`MachineCosts` defines it.  Figures the probe did
    not measure stay as they were."""
    update: dict[str, object] = {}
    processes = _per_worker(m, Executor.PROCESSES)
    if processes is not None:
        update["process_start_seconds"] = {
            **costs.process_start_seconds,
            start_method: processes,
        }
    interpreters = _per_worker(m, Executor.INTERPRETERS)
    if interpreters is not None:
        update["interpreter_start_seconds"] = interpreters
    return costs.model_copy(update=update) if update else costs
