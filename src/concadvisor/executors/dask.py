"""dask: ``dask.distributed`` -- a cluster of worker processes, local or remote.

The optional extra ``concadvisor[dask]`` installs it; nothing here imports it.  A
``LocalCluster`` on this machine only adds Dask's costs to a process pool's (seconds to
start, milliseconds per task against a pool's tenths of one), so Dask pays off when the
batch outgrows the machine and a cluster of ``cluster_workers`` workers exists (the
profile field).  Measurements: docs/dask.md.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from ..costs.inputs import ExecutorPrediction, Inputs
from ..costs.machine import MachineCosts
from ..profile import Executor
from ._code import main_guard, sync_body
from .base import ExecutorSpec, SnippetRequest

if TYPE_CHECKING:
    from ..environment import Environment

#: Why the executor is missing where dask is not installed.
NOT_INSTALLED = "not installed: pip install 'concadvisor[dask]'"


def dask_seconds(x: Inputs, costs: MachineCosts) -> ExecutorPrediction:
    """Dask: ``s_dask + max(parent, span, cpu)``, the process formula's shape.

    ``k`` workers of one thread each: the profile's ``cluster_workers`` (remote machines,
    one CPU each), else a LocalCluster as wide as the process pool.  Every task passes
    through the client and the scheduler (``parent = n (d_dask + ipc / 2)``); each worker
    runs its share (``span = waves(n, k) (t + ipc / 2)``); on a LocalCluster every CPU
    second, the scheduler's included, shares the local CPUs
    (``cpu = n (c t + d_dask + ipc) / P``).  ``s_dask`` is one cluster's life (its workers
    start in parallel).
    """
    n, t, c = x.tasks, x.task_seconds, x.cpu_share
    remote = x.cluster_workers > 0
    width = x.cluster_workers if remote else x.processes
    k = width if width < n else n
    ipc = x.payload_bytes / costs.ipc_bytes_per_second
    dispatch = costs.dask_dispatch_seconds
    rounds = -(-n // k)
    parent = n * (dispatch + ipc / 2)
    span = rounds * (t + ipc / 2)
    cpu = 0.0 if remote else n * (c * t + dispatch + ipc) / x.cpus
    busiest = parent if parent > span else span
    if cpu > busiest:
        busiest = cpu
    startup = costs.dask_start_seconds if x.include_startup else 0.0
    seconds = startup + busiest
    ideal_span, ideal_cpu = rounds * t, (0.0 if remote else n * c * t / x.cpus)
    ideal = ideal_span if ideal_span > ideal_cpu else ideal_cpu
    return ExecutorPrediction(Executor.DASK, k, seconds, n * t / seconds, startup, ideal, ipc)


def dask_snippet(r: SnippetRequest) -> str:
    return (
        "import os\n"
        "import time\n\n"
        "from dask.distributed import Client, LocalCluster  # pip install 'dask[distributed]'\n\n\n"
        "# Pickled to the workers with the tasks (cloudpickle): keep it module level.\n"
        f"def task(item: int) -> int:\n{sync_body(r.workload)}\n\n\n"
        "def main() -> None:\n"
        '    address = os.environ.get("DASK_SCHEDULER_ADDRESS")  # tcp://scheduler:8786\n'
        "    cluster = None\n"
        "    if address is None:\n"
        "        # No cluster given: one on this machine, a process per worker, one thread each.\n"
        "        cluster = LocalCluster(\n"
        f"            n_workers=min({r.workers}, os.cpu_count() or 1),\n"
        "            threads_per_worker=1,\n"
        "            processes=True,\n"
        "            dashboard_address=None,\n"
        "        )\n"
        "    with Client(address or cluster) as client:\n"
        f"        futures = client.map(task, range({r.tasks}), pure=False)\n"
        "        results = client.gather(futures)\n"
        "    if cluster is not None:\n"
        "        cluster.close()\n"
        '    print(f"{len(results)} results")' + main_guard()
    )


def quiet_dask() -> None:
    """Keep Dask's logs and warnings off the user's terminal (probe and calibrate)."""
    import logging  # here: advise's start-up never needs it

    warnings.filterwarnings("ignore", module=r"(distributed|dask|tornado)(\..*)?")
    for name in ("distributed", "dask", "tornado", "bokeh"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def local_cluster(distributed: Any, workers: int) -> Any:
    """A LocalCluster as the probe, calibrate and the benchmark start it: ``workers``
    one-thread worker processes on 127.0.0.1, no dashboard, Dask's logs silenced.
    ``distributed`` is the imported module (the extra is optional, so the caller imports)."""
    import logging  # here: advise's start-up never needs it

    return distributed.LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=logging.CRITICAL,
    )


def has_dask(environment: Environment) -> bool:
    """Only where ``dask.distributed`` is installed (``concadvisor[dask]``)."""
    return environment.dask_installed


SPEC = ExecutorSpec(
    executor=Executor.DASK,
    doc=(
        "Dask distributed (the optional extra concadvisor[dask]): a scheduler hands tasks "
        "to worker processes on this machine (LocalCluster) or on many (a cluster at a "
        "scheduler address). A cluster takes seconds to start and every task costs "
        "milliseconds of scheduling and two network hops, so it pays off for hours of CPU "
        "work spread over more workers than one machine has, not for short tasks."
    ),
    cost=dask_seconds,
    snippet=dask_snippet,
    runner="concadvisor.probing.dask_runner:Dask",
    available=has_dask,
    unavailable_reason=NOT_INSTALLED,
    opt_in=True,
)
