"""The probe's batch runners, one per executor, each running one batch of calls and timing
it (runner side).  The executor registry (:mod:`concadvisor.executors`) names each runner by
``"module:Class"``; the runner builds one with :meth:`BatchRunner.from_setup`.

Every executor is started (pools created, every worker up and the target imported in it)
before any timed trial, so start-up is measured apart.  Each worker is a
:class:`~.worker.Worker`: the per-worker setup (``--setup``) runs in it once, after
start-up and before any trial (its seconds in ``setup_seconds``, apart again), and an
``async def`` target runs on its one event loop, kept across calls.  A trial measures wall time with
``time.perf_counter`` and CPU time with ``time.process_time`` (all threads of the runner),
plus, for processes, the CPU time each worker reports for its own calls.

Faults are raised as :class:`TrialError`: the function raising, a worker process dying.
A hang cannot be interrupted from inside (a Python thread cannot be killed), so the parent
watches the clock and kills the whole runner process group instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..profile import Executor
from .targets import first_line, load_callable
from .usage import CpuTimes, peak_rss_bytes, process_cpu, thread_cpu
from .worker import Call, SetupSpec, Worker, WorkerSetupError, load_setup

if TYPE_CHECKING:
    from .planning import Plan

__all__ = [
    "Asyncio",
    "BatchRunner",
    "Call",
    "Interpreters",
    "Processes",
    "RunnerSetup",
    "Serial",
    "TargetLocation",
    "Threads",
    "Trial",
    "TrialError",
    "describe_exit",
    "interpreter_pool_class",
    "runqueue_seconds",
    "target_location",
]

#: Seconds the pool start-up may wait for every worker to come up.
START_TIMEOUT = 30.0
#: Seconds a pool's workers get to close their event loops at the end.
CLOSE_TIMEOUT = 1.0


@dataclass(frozen=True)
class Trial:
    """One timed batch: wall seconds, CPU seconds, and seconds spent waiting for a CPU.

    ``cpu`` is user plus system time; ``queued`` is only known for serial (one thread, on
    Linux): the time the thread was runnable but other processes had the CPU.  Without it,
    a busy machine makes CPU work look like waiting.
    """

    wall: float
    cpu: float
    queued: float = 0.0
    #: User and system CPU seconds (:mod:`.usage`): the runner's threads, plus each worker
    #: process's own calls; None where the executor cannot tell them apart.
    user: float | None = None
    system: float | None = None
    #: Highest peak resident set of one worker process (bytes); None: not a process pool.
    peak_rss: int | None = None


_SCHEDSTAT = "/proc/thread-self/schedstat"


def runqueue_seconds() -> float | None:
    """Seconds this thread has spent runnable but not running (Linux schedstat), or None."""
    try:
        with open(_SCHEDSTAT, encoding="ascii") as stream:
            fields = stream.read().split()
        return int(fields[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return None


@dataclass(frozen=True)
class RunnerSetup:
    """Everything a batch runner may need to start: the target, the plan, the pool settings."""

    func: Callable[..., Any]
    is_async: bool
    plan: Plan
    #: How worker processes import the target: its spec, the directory and sys.path.
    spec: str
    cwd: str
    sys_path: list[str]
    start_method: str
    #: The per-worker setup (``--setup``), or None.
    setup: SetupSpec | None = None
    #: The runner's main-thread worker, shared by the warm-up and serial (one setup call).
    main: Worker | None = None
    #: A Dask scheduler address (the dask executor's; None: it starts a LocalCluster).
    scheduler: str | None = None


class BatchRunner(Protocol):
    """One executor as the probe drives it: start (timed apart), run batches, close.

    ``setup_seconds``: what the per-worker setup took in each worker, filled by
    :meth:`start` (empty without a setup); never part of the start-up or of a trial.
    """

    name: Executor
    setup_seconds: list[float]

    @classmethod
    def from_setup(cls, setup: RunnerSetup) -> BatchRunner: ...
    def start(self) -> float: ...
    def run(self, calls: Sequence[Call]) -> Trial: ...
    def close(self) -> None: ...


class TrialError(Exception):
    """The batch did not complete: the function raised, or a worker died."""

    def __init__(self, kind: str, message: str, exitcode: int | None = None) -> None:
        super().__init__(f"{kind}: {message}" if message else kind)
        self.kind = kind
        self.message = message
        self.exitcode = exitcode

    @classmethod
    def from_exception(cls, exc: BaseException) -> TrialError:
        if isinstance(exc, WorkerSetupError):
            return cls("SetupError", str(exc)[:300])
        return cls(type(exc).__name__, first_line(exc)[:300])


def describe_exit(code: int) -> str:
    """'exit code 3' or 'killed by signal SIGSEGV' for a process return code."""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return f"killed by signal {name}"
    return f"exit code {code}"


def _prepared(worker: Worker) -> list[float]:
    """Run ``worker``'s setup (a :class:`TrialError` if it raises); its seconds, as a list."""
    try:
        seconds = worker.prepare()
    except WorkerSetupError as exc:
        raise TrialError.from_exception(exc) from None
    return [] if seconds is None else [seconds]


class Serial:
    """One call after another on the runner's main thread (its worker: the warm-up's)."""

    name = Executor.SERIAL

    def __init__(self, func: Callable[..., Any], is_async: bool, worker: Worker) -> None:
        self._func = func
        self._is_async = is_async
        self._worker = worker
        self.setup_seconds: list[float] = []

    @classmethod
    def from_setup(cls, setup: RunnerSetup) -> Serial:
        return cls(setup.func, setup.is_async, setup.main or Worker(setup.setup))

    def start(self) -> float:
        self.setup_seconds = _prepared(self._worker)
        return 0.0

    def run(self, calls: Sequence[Call]) -> Trial:
        queued0 = runqueue_seconds()
        # Results are kept until the batch ends, as the pools keep theirs (and as real code
        # collecting results does): otherwise serial alone would reuse one result's memory
        # and look faster on large payloads for a reason that has nothing to do with it.
        results: list[Any] = []
        wall0, cpu0, split0 = time.perf_counter(), time.process_time(), thread_cpu()
        try:
            for call in calls:
                results.append(self._worker.call(self._func, self._is_async, call))
        except BaseException as exc:  # SystemExit, KeyboardInterrupt: the function's too
            raise TrialError.from_exception(exc) from None
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        split = thread_cpu() - split0
        del results
        queued1 = runqueue_seconds()
        queued = queued1 - queued0 if queued0 is not None and queued1 is not None else 0.0
        return Trial(wall, cpu, min(max(queued, 0.0), wall), split.user, split.system)

    def close(self) -> None:
        # The main worker is the runner's (shared with the warm-up): the runner closes it.
        pass


def _prepare_in_turn(worker: Worker | None, barrier: Any) -> float | None:
    """One worker's setup, then wait until every worker has run its own (each worker runs
    exactly one of these); a failure breaks the barrier, so the others stop waiting."""
    assert worker is not None
    try:
        seconds = worker.prepare()
    except BaseException:
        barrier.abort()
        raise
    barrier.wait(START_TIMEOUT)
    return seconds


class Threads:
    """A ``ThreadPoolExecutor`` of ``width`` threads, all started (and set up) before
    timing; each thread is a :class:`~.worker.Worker` with its own loop and state."""

    name = Executor.THREADS

    def __init__(
        self,
        func: Callable[..., Any],
        is_async: bool,
        width: int,
        setup: SetupSpec | None = None,
    ) -> None:
        self._func = func
        self._is_async = is_async
        self._width = width
        self._setup = setup
        self._pool: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._workers: list[Worker] = []
        self._lock = threading.Lock()
        self.setup_seconds: list[float] = []

    @classmethod
    def from_setup(cls, setup: RunnerSetup) -> Threads:
        return cls(setup.func, setup.is_async, setup.plan.threads, setup.setup)

    def _become_worker(self, barrier: threading.Barrier) -> None:
        worker = Worker(self._setup)
        self._local.worker = worker
        with self._lock:
            self._workers.append(worker)
        barrier.wait(START_TIMEOUT)

    def _call(self, call: Call) -> Any:
        worker: Worker = self._local.worker
        return worker.call(self._func, self._is_async, call)

    def start(self) -> float:
        t0 = time.perf_counter()
        self._pool = ThreadPoolExecutor(self._width, thread_name_prefix="concadvisor-probe")
        # Threads start lazily, one per submit while none is idle: make every one exist.
        barrier = threading.Barrier(self._width)
        futures = [self._pool.submit(self._become_worker, barrier) for _ in range(self._width)]
        for future in futures:
            future.result()
        seconds = time.perf_counter() - t0
        if self._setup is not None:
            self.setup_seconds = self._prepare_all()
        return seconds

    def _prepare_one(self, barrier: threading.Barrier) -> float | None:
        return _prepare_in_turn(getattr(self._local, "worker", None), barrier)

    def _prepare_all(self) -> list[float]:
        assert self._pool is not None
        barrier = threading.Barrier(self._width)
        futures = [self._pool.submit(self._prepare_one, barrier) for _ in range(self._width)]
        wait(futures, timeout=2 * START_TIMEOUT)
        errors = [future.exception(0) for future in futures if future.done()]
        failure: BaseException | None = next(
            (e for e in errors if isinstance(e, WorkerSetupError)), None
        )
        failure = failure or next((e for e in errors if e is not None), None)
        if failure is not None:
            raise TrialError.from_exception(failure)
        if len(errors) < len(futures):
            raise TrialError("SetupError", f"the setup did not finish within {START_TIMEOUT:g} s")
        return [w.setup_seconds for w in self._workers if w.setup_seconds is not None]

    def run(self, calls: Sequence[Call]) -> Trial:
        assert self._pool is not None
        wall0, cpu0, split0 = time.perf_counter(), time.process_time(), process_cpu()
        try:
            for _ in self._pool.map(self._call, calls):
                pass
        except BaseException as exc:
            raise TrialError.from_exception(exc) from None
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        split = process_cpu() - split0  # every thread's: summed over the pool
        return Trial(wall, cpu, 0.0, split.user, split.system)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            worker.close()


# --- process pool workers: module-level state and functions, so that they pickle --------

_WORKER_FUNC: Callable[..., Any] | None = None
_WORKER_ASYNC = False
_WORKER_BARRIERS: tuple[Any, Any] | None = None
_WORKER: Worker | None = None


def _init_worker(
    spec: str,
    cwd: str,
    sys_path: list[str],
    is_async: bool,
    barriers: tuple[Any, Any],
    setup: str | None = None,
) -> None:
    global _WORKER_FUNC, _WORKER_ASYNC, _WORKER_BARRIERS, _WORKER
    import sys

    for entry in sys_path:
        if entry not in sys.path:
            sys.path.append(entry)
    _WORKER_FUNC = load_callable(spec, cwd)
    _WORKER_ASYNC = is_async
    _WORKER_BARRIERS = barriers
    _WORKER = Worker(load_setup(setup, cwd))


def _worker_ready() -> int:
    """Wait until every worker of the pool runs one of these, so all of them exist."""
    assert _WORKER_BARRIERS is not None
    _WORKER_BARRIERS[0].wait(START_TIMEOUT)
    return os.getpid()


def _worker_prepare() -> tuple[float | None, str | None]:
    """This process's setup, once: (seconds, None), or (None, the error as one line).

    The error travels as text: a :class:`TrialError` does not survive pickling.
    """
    assert _WORKER_BARRIERS is not None
    try:
        seconds = _prepare_in_turn(_WORKER, _WORKER_BARRIERS[1])
    except WorkerSetupError as exc:
        return None, str(exc)
    except Exception as exc:
        return None, f"{type(exc).__name__}: {first_line(exc)}"
    return seconds, None


def _worker_call(call: Call) -> tuple[Any, float, float, float, int | None]:
    """The result, the call's CPU seconds (all, user, system) and the worker's peak RSS."""
    assert _WORKER_FUNC is not None
    assert _WORKER is not None
    cpu0, split0 = time.process_time(), thread_cpu()
    result = _WORKER.call(_WORKER_FUNC, _WORKER_ASYNC, call)
    split = thread_cpu() - split0
    return result, time.process_time() - cpu0, split.user, split.system, peak_rss_bytes()


def _worker_close() -> None:
    """Close this process's event loop (called once per worker as the pool ends)."""
    if _WORKER is not None:
        _WORKER.close()


class Processes:
    """A ``ProcessPoolExecutor`` whose workers import the target by its spec.

    The target is imported in each worker (by the initializer), not pickled, so the same
    spec works for file targets; arguments and results still cross by pickle, which is the
    cost being measured.
    """

    name = Executor.PROCESSES

    def __init__(
        self,
        spec: str,
        cwd: str,
        sys_path: list[str],
        is_async: bool,
        width: int,
        start_method: str,
        chunksize: int,
        setup: str | None = None,
    ) -> None:
        self._spec, self._cwd, self._sys_path = spec, cwd, sys_path
        self._setup = setup
        self.setup_seconds: list[float] = []
        self._is_async = is_async
        self._width = width
        self._context = multiprocessing.get_context(start_method)
        self._chunksize = chunksize
        self._pool: ProcessPoolExecutor | None = None
        self._processes: list[Any] = []

    @classmethod
    def from_setup(cls, setup: RunnerSetup) -> Processes:
        plan = setup.plan
        return cls(
            setup.spec,
            setup.cwd,
            setup.sys_path,
            setup.is_async,
            plan.processes,
            setup.start_method,
            plan.chunksize,
            setup.setup.spec if setup.setup is not None else None,
        )

    def start(self) -> float:
        t0 = time.perf_counter()
        barriers = (self._context.Barrier(self._width), self._context.Barrier(self._width))
        self._pool = ProcessPoolExecutor(
            self._width,
            mp_context=self._context,
            initializer=_init_worker,
            initargs=(
                self._spec,
                self._cwd,
                self._sys_path,
                self._is_async,
                barriers,
                self._setup,
            ),
        )
        try:
            futures = [self._pool.submit(_worker_ready) for _ in range(self._width)]
            for future in futures:
                future.result(timeout=START_TIMEOUT)
            seconds = time.perf_counter() - t0
            if self._setup is not None:
                self.setup_seconds = self._prepare_all()
        except TrialError:
            raise
        except BrokenProcessPool:
            raise TrialError(
                "WorkerDied", "a worker process failed to start", self._exitcode()
            ) from None
        except Exception as exc:
            raise TrialError.from_exception(exc) from None
        # Private, but the only way to learn a dead worker's exit code afterwards.
        self._processes = list(getattr(self._pool, "_processes", {}).values())
        return seconds

    def _prepare_all(self) -> list[float]:
        assert self._pool is not None
        futures = [self._pool.submit(_worker_prepare) for _ in range(self._width)]
        results = [future.result(timeout=2 * START_TIMEOUT) for future in futures]
        # A broken barrier is the others' echo of the one that failed: report that one.
        errors = sorted((e for _, e in results if e), key=lambda e: "BrokenBarrier" in e)
        if errors:
            raise TrialError("SetupError", errors[0][:300])
        return [seconds for seconds, _ in results if seconds is not None]

    def _exitcode(self) -> int | None:
        """Exit code of the worker that died (not of those the pool then terminated)."""
        deadline = time.monotonic() + 1.0
        for process in self._processes:
            with contextlib.suppress(Exception):
                process.join(max(0.0, deadline - time.monotonic()))
            code = process.exitcode
            if code not in (None, 0, -signal.SIGTERM):
                return int(code)
        return None

    def run(self, calls: Sequence[Call]) -> Trial:
        assert self._pool is not None
        wall0, cpu0, split0 = time.perf_counter(), time.process_time(), process_cpu()
        worker_cpu = 0.0
        worker_split = CpuTimes(0.0, 0.0)
        peak: int | None = None
        try:
            for _, cpu, user, system, rss in self._pool.map(
                _worker_call, calls, chunksize=self._chunksize
            ):
                worker_cpu += cpu
                worker_split = CpuTimes(worker_split.user + user, worker_split.system + system)
                if rss is not None:
                    peak = max(peak or 0, rss)
        except BrokenProcessPool:
            code = self._exitcode()
            detail = f" ({describe_exit(code)})" if code is not None else ""
            raise TrialError("WorkerDied", f"a worker process died{detail}", code) from None
        except BaseException as exc:
            raise TrialError.from_exception(exc) from None
        wall = time.perf_counter() - wall0
        here = process_cpu() - split0  # pickling and dispatch in the runner
        return Trial(
            wall,
            time.process_time() - cpu0 + worker_cpu,
            0.0,
            here.user + worker_split.user,
            here.system + worker_split.system,
            peak,
        )

    def close(self) -> None:
        # The parent kills the whole process group at the end; a clean shutdown here would
        # only spend the budget on joining workers.  Event loops are closed, though: one
        # call per worker, best effort (an idle worker takes one, maybe two), within a short wait.
        if self._pool is None or not (self._is_async or self._setup):
            return
        with contextlib.suppress(Exception):
            futures = [self._pool.submit(_worker_close) for _ in range(self._width)]
            wait(futures, timeout=CLOSE_TIMEOUT)


class Asyncio:
    """One event loop for the whole probe; a batch is ``gather``-ed on it.

    An ``async def`` target runs natively, at most ``width`` at once.  A sync target is
    called from inside a coroutine: it blocks the loop, so its calls run one at a time,
    and that is what gets measured -- it is never handed to threads behind the scenes.
    """

    name = Executor.ASYNCIO

    def __init__(
        self,
        func: Callable[..., Any],
        is_async: bool,
        width: int,
        setup: SetupSpec | None = None,
    ) -> None:
        self._func = func
        self._is_async = is_async
        self._width = width
        # The worker is the loop: its setup runs on it, even a sync one.
        self._worker = Worker(setup, on_loop=True)
        self.setup_seconds: list[float] = []

    @classmethod
    def from_setup(cls, setup: RunnerSetup) -> Asyncio:
        return cls(setup.func, setup.is_async, setup.plan.asyncio, setup.setup)

    def start(self) -> float:
        t0 = time.perf_counter()
        _ = self._worker.loop  # the loop is made here, not in the first trial
        seconds = time.perf_counter() - t0
        self.setup_seconds = _prepared(self._worker)
        return seconds

    async def _batch(self, calls: Sequence[Call]) -> list[Any]:
        limit = asyncio.Semaphore(self._width) if self._width < len(calls) else None

        async def one(call: Call) -> Any:
            args, kwargs = call
            if limit is not None:
                async with limit:
                    return await self._one(args, kwargs)
            return await self._one(args, kwargs)

        return await asyncio.gather(*(one(call) for call in calls), return_exceptions=True)

    def _one(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Awaitable[Any]:
        if self._is_async:
            return self._func(*args, **kwargs)  # type: ignore[no-any-return]
        return self._blocking(args, kwargs)

    async def _blocking(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return self._func(*args, **kwargs)

    def run(self, calls: Sequence[Call]) -> Trial:
        wall0, cpu0, split0 = time.perf_counter(), time.process_time(), process_cpu()
        try:
            results = self._worker.run_until_complete(self._batch(calls))
        except BaseException as exc:  # gather() lets SystemExit and KeyboardInterrupt through
            raise TrialError.from_exception(exc) from None
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        split = process_cpu() - split0
        for result in results:
            if isinstance(result, BaseException):
                raise TrialError.from_exception(result)
        return Trial(wall, cpu, 0.0, split.user, split.system)

    def close(self) -> None:
        self._worker.close()


# --- sub-interpreter workers -------------------------------------------------------------
# A sub-interpreter cannot import concadvisor: pydantic-core (like many extension modules)
# refuses to load in one.  The two functions below are therefore self-contained (imports
# inside, no closure, no module globals): CPython 3.14 shares such a function with another
# interpreter by its code, without importing the module that defines it.

#: ``sys.modules`` key of the per-interpreter state: the loaded target.
_SUBINTERPRETER_STATE = "_concadvisor_subinterpreter"

#: What a sub-interpreter needs to import the target: (module name, file path or None,
#: attribute path, cwd, sys.path, is_async).
TargetLocation = tuple[str, str | None, tuple[str, ...], str, list[str], bool]


def _subinterpreter_load(where: TargetLocation) -> str | None:
    """Import the target in this sub-interpreter (once); None, or the error as one line."""
    import importlib
    import importlib.util
    import os
    import sys
    import types

    if "_concadvisor_subinterpreter" in sys.modules:
        return None
    module_name, file_path, attrs, cwd, sys_path, is_async = where
    try:
        for entry in sys_path:
            if entry not in sys.path:
                sys.path.append(entry)
        if cwd not in sys.path:
            sys.path.insert(0, cwd)
        if file_path is None:
            module = importlib.import_module(module_name)
        else:
            spec = importlib.util.spec_from_file_location(module_name, file_path)
            if spec is None or spec.loader is None:
                return f"cannot import {file_path!r}"
            module = importlib.util.module_from_spec(spec)
            directory = os.path.dirname(file_path)
            if directory not in sys.path:
                sys.path.insert(0, directory)
            sys.modules[module_name] = module
            spec.loader.exec_module(module)
        target = module
        for part in attrs:
            target = getattr(target, part)
    except Exception as exc:
        lines = str(exc).strip().splitlines()
        return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
    state = types.ModuleType("_concadvisor_subinterpreter")
    state.func = target  # type: ignore[attr-defined]
    state.is_async = is_async  # type: ignore[attr-defined]
    sys.modules["_concadvisor_subinterpreter"] = state
    return None


def _subinterpreter_call(call: tuple[tuple[Any, ...], dict[str, Any]]) -> Any:
    """Call the target loaded by :func:`_subinterpreter_load` once, in this interpreter."""
    import asyncio
    import sys

    state = sys.modules["_concadvisor_subinterpreter"]
    args, kwargs = call
    if state.is_async:
        # One loop per sub-interpreter, kept across calls as the other workers keep theirs
        # (it ends with the runner: the pool is never joined).
        loop = getattr(state, "loop", None)
        if loop is None:
            loop = asyncio.new_event_loop()
            setattr(state, "loop", loop)  # noqa: B010 - a plain module: mypy knows no "loop"
        return loop.run_until_complete(state.func(*args, **kwargs))
    return state.func(*args, **kwargs)


def interpreter_pool_class() -> type[Any] | None:
    """``concurrent.futures.InterpreterPoolExecutor`` on 3.14+, else None."""
    import concurrent.futures

    pool: type[Any] | None = getattr(concurrent.futures, "InterpreterPoolExecutor", None)
    return pool


class Interpreters:
    """An ``InterpreterPoolExecutor`` (3.14+) whose sub-interpreters import the target by
    its spec, as process workers do; arguments and results cross by pickle.

    CPU time is the runner's ``process_time``: sub-interpreters are threads of this process.
    """

    name = Executor.INTERPRETERS

    def __init__(self, where: TargetLocation, width: int) -> None:
        self._where = where
        self._width = width
        self._pool: Any = None
        #: No setup runs here: the runner skips interpreters under ``--setup``.
        self.setup_seconds: list[float] = []

    @classmethod
    def from_setup(cls, setup: RunnerSetup) -> Interpreters:
        return cls(target_location(setup), setup.plan.processes)

    def start(self) -> float:
        pool_class = interpreter_pool_class()
        if pool_class is None:
            raise TrialError("Unavailable", "needs Python 3.14+ (InterpreterPoolExecutor)")
        t0 = time.perf_counter()
        self._pool = pool_class(self._width, thread_name_prefix="concadvisor-probe-interp")
        try:
            # Threads (and their interpreters) are created one per submit while none is
            # idle; creating an interpreter takes milliseconds, so every worker starts here.
            futures = [
                self._pool.submit(_subinterpreter_load, self._where) for _ in range(self._width)
            ]
            errors = [future.result(timeout=START_TIMEOUT) for future in futures]
        except Exception as exc:
            raise TrialError.from_exception(exc) from None
        problem = next((error for error in errors if error), None)
        if problem is not None:
            raise TrialError("ImportError", f"in a sub-interpreter: {problem}"[:300])
        return time.perf_counter() - t0

    def run(self, calls: Sequence[Call]) -> Trial:
        assert self._pool is not None
        wall0, cpu0 = time.perf_counter(), time.process_time()
        try:
            for _ in self._pool.map(_subinterpreter_call, calls):
                pass
        except BaseException as exc:
            raise TrialError.from_exception(exc) from None
        return Trial(time.perf_counter() - wall0, time.process_time() - cpu0)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


def target_location(setup: RunnerSetup) -> TargetLocation:
    """Where a sub-interpreter finds the target the runner loaded: by module, or by file
    (under the module name the runner gave the file, so pickled results resolve alike)."""
    import sys
    from pathlib import Path

    from ..targetspec import parse_target

    parsed = parse_target(setup.spec)
    if not parsed.is_path:
        return (parsed.module, None, parsed.attr, setup.cwd, setup.sys_path, setup.is_async)
    path = str((Path(setup.cwd) / parsed.module).resolve())
    name = next(
        (
            key
            for key, module in list(sys.modules.items())
            if getattr(module, "__file__", None) == path and key != "__main__"
        ),
        Path(path).stem,
    )
    return (name, path, parsed.attr, setup.cwd, setup.sys_path, setup.is_async)
