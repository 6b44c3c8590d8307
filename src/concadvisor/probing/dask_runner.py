"""The probe's dask batch runner (runner side): a ``distributed.LocalCluster`` it starts and
stops itself, or an existing cluster at a scheduler address.

Imported only when the dask executor is measured, and it imports ``distributed`` only in
:meth:`Dask.start`, so the probe works without the extra.  The LocalCluster listens on
127.0.0.1 only, has no dashboard, one thread per worker process (the width the plan gives
processes), and its logs and warnings are silenced: the user's terminal shows the probe's
table, not Dask's chatter.  Its processes (nannies, workers) are children of the runner,
which the parent kills as a group at the end, so none outlives the probe.

Workers import the target by its spec (as process-pool workers do); arguments and results
cross by pickle through the scheduler, which is the cost being measured.  CPU time is the
runner's (client and, for a LocalCluster, the scheduler) plus what each worker reports for
its own calls.
"""

from __future__ import annotations

import contextlib
import importlib
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from ..executors.dask import NOT_INSTALLED, local_cluster, quiet_dask
from ..profile import Executor
from .executors import START_TIMEOUT, Call, RunnerSetup, Trial, TrialError
from .targets import load_callable
from .worker import Worker

__all__ = ["Dask", "dask_call", "dask_load"]

#: Seconds a clean shutdown of the client and cluster may take before it is abandoned
#: (the parent kills the runner's process group in any case).
CLOSE_TIMEOUT = 3.0
#: Seconds to connect to an existing scheduler (the CLI checked it was reachable).
CONNECT_SECONDS = 10.0

_LOADED: dict[str, tuple[Callable[..., Any], bool]] = {}
#: This Dask worker process's worker: its event loop lives across calls (no --setup here).
_WORKER = Worker(None)


def dask_load(spec: str, cwd: str, sys_path: list[str], is_async: bool) -> int:
    """On a worker: import the target once (by spec); returns the worker's pid."""
    import os
    import sys

    if spec not in _LOADED:
        for entry in sys_path:
            if entry not in sys.path:
                sys.path.append(entry)
        _LOADED[spec] = (load_callable(spec, cwd), is_async)
    return os.getpid()


def dask_call(where: tuple[str, str, list[str], bool], call: Call) -> tuple[Any, float]:
    """On a worker: one call of the target, and the CPU seconds it took there."""
    spec = where[0]
    if spec not in _LOADED:
        dask_load(*where)
    func, is_async = _LOADED[spec]
    cpu0 = time.process_time()
    result = _WORKER.call(func, is_async, call)
    return result, time.process_time() - cpu0


class Dask:
    """A Dask client on a LocalCluster of ``width`` single-threaded workers, or on the
    cluster at ``scheduler``; every worker up and the target imported before timing."""

    name = Executor.DASK

    def __init__(
        self,
        where: tuple[str, str, list[str], bool],
        width: int,
        scheduler: str | None = None,
    ) -> None:
        self._where = where
        self._width = width
        self._scheduler = scheduler
        self._cluster: Any = None
        self._client: Any = None
        self.workers = 0
        #: No per-worker setup runs on Dask workers (``--setup`` skips this executor).
        self.setup_seconds: list[float] = []

    @classmethod
    def from_setup(cls, setup: RunnerSetup) -> Dask:
        where = (setup.spec, setup.cwd, setup.sys_path, setup.is_async)
        return cls(where, setup.plan.processes, setup.scheduler)

    def start(self) -> float:
        quiet_dask()
        try:
            # Typed as Any: the extra is optional (and untyped where it is installed).
            distributed: Any = importlib.import_module("distributed")
        except ImportError:
            raise TrialError("Unavailable", NOT_INSTALLED) from None
        t0 = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if self._scheduler is None:
                    self._cluster = local_cluster(distributed, self._width)
                    self._client = distributed.Client(self._cluster, timeout=START_TIMEOUT)
                    self._client.wait_for_workers(self._width, timeout=START_TIMEOUT)
                else:
                    self._client = distributed.Client(self._scheduler, timeout=CONNECT_SECONDS)
                # Every worker imports the target before the clock starts.
                pids = self._client.run(dask_load, *self._where)
        except TrialError:
            raise
        except Exception as exc:
            raise TrialError.from_exception(exc) from None
        self.workers = len(pids)
        if self.workers == 0:
            raise TrialError("NoWorkers", f"the scheduler at {self._scheduler} has no workers")
        return time.perf_counter() - t0

    def run(self, calls: Sequence[Call]) -> Trial:
        assert self._client is not None
        wall0, cpu0 = time.perf_counter(), time.process_time()
        worker_cpu = 0.0
        try:
            futures = self._client.map(
                dask_call, [self._where] * len(calls), list(calls), pure=False
            )
            for _, cpu in self._client.gather(futures):
                worker_cpu += cpu
        except BaseException as exc:
            raise TrialError.from_exception(exc) from None
        return Trial(time.perf_counter() - wall0, time.process_time() - cpu0 + worker_cpu)

    def close(self) -> None:
        # A clean shutdown when it is quick; the parent kills the process group anyway.
        with contextlib.suppress(Exception), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if self._client is not None:
                self._client.close(timeout=CLOSE_TIMEOUT)
            if self._cluster is not None:
                self._cluster.close(timeout=CLOSE_TIMEOUT)
        self._client = self._cluster = None
