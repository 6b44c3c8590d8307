"""serial: one call after another on one thread."""

from __future__ import annotations

from ..costs.inputs import ExecutorPrediction, Inputs
from ..costs.machine import MachineCosts
from ..profile import Executor
from ._code import main_guard, sync_body
from .base import ExecutorSpec, SnippetRequest

#: Looked up once: the formula runs on every advise() call (``Executor.X`` is a slow lookup).
_EXECUTOR = Executor.SERIAL


def serial_seconds(x: Inputs, costs: MachineCosts) -> ExecutorPrediction:
    """serial: ``T = n t``, the yardstick every speedup divides."""
    serial = x.tasks * x.task_seconds
    return ExecutorPrediction(_EXECUTOR, 1, serial, 1.0, 0.0, serial)


def serial_snippet(r: SnippetRequest) -> str:
    return (
        "import time\n\n\n"
        f"def task(item: int) -> int:\n{sync_body(r.workload)}\n\n\n"
        "def main() -> None:\n"
        f"    results = [task(item) for item in range({r.tasks})]\n"
        '    print(f"{len(results)} results")' + main_guard()
    )


SPEC = ExecutorSpec(
    executor=Executor.SERIAL,
    doc=(
        "One thread runs the tasks one after another: the simplest model, with no locks, "
        "no pickling and no event loop, and the yardstick of every speedup. It uses one "
        "core and overlaps no waiting; the others have to earn their complexity against it."
    ),
    cost=serial_seconds,
    snippet=serial_snippet,
    runner="concadvisor.probing.executors:Serial",
)
