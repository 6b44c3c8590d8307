"""The probe's batch runners, one per executor, each running one batch of calls and timing
it (runner side).  The executor registry (:mod:`concadvisor.executors`) names each runner by
``"module:Class"``; the runner builds one with :meth:`BatchRunner.from_setup`.

Every executor is started (pools created, every worker up and the target imported in it)
before any timed trial, so start-up is measured apart.  A trial measures wall time with
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
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from ..profile import Executor
from .targets import first_line, load_callable

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
    "invoke",
    "runqueue_seconds",
    "target_location",
]

#: One task's arguments: positional and keyword.
Call = tuple[tuple[Any, ...], dict[str, Any]]

#: Seconds the pool start-up may wait for every worker to come up.
START_TIMEOUT = 30.0


@dataclass(frozen=True)
class Trial:
    """One timed batch: wall seconds, CPU seconds, and seconds spent waiting for a CPU.

    ``queued`` is only known for serial (one thread, on Linux): the time the thread was
    runnable but other processes had the CPU.  Without it, a busy machine makes CPU work
    look like waiting.
    """

    wall: float
    cpu: float
    queued: float = 0.0


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
    #: A Dask scheduler address (the dask executor's; None: it starts a LocalCluster).
    scheduler: str | None = None


class BatchRunner(Protocol):
    """One executor as the probe drives it: start (timed apart), run batches, close."""

    name: Executor

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


def invoke(func: Callable[..., Any], is_async: bool, call: Call) -> Any:
    """Call ``func`` once; an ``async def`` target gets its own event loop per call."""
    args, kwargs = call
    if is_async:
        return asyncio.run(func(*args, **kwargs))
    return func(*args, **kwargs)


class Serial:
    """One call after another on the runner's main thread."""

    name = Executor.SERIAL

    def __init__(self, func: Callable[..., Any], is_async: bool) -> None:
        self._func = func
        self._is_async = is_async

    @classmethod
    def from_setup(cls, setup: RunnerSetup) -> Serial:
        return cls(setup.func, setup.is_async)

    def start(self) -> float:
        return 0.0

    def run(self, calls: Sequence[Call]) -> Trial:
        queued0 = runqueue_seconds()
        # Results are kept until the batch ends, as the pools keep theirs (and as real code
        # collecting results does): otherwise serial alone would reuse one result's memory
        # and look faster on large payloads for a reason that has nothing to do with it.
        results: list[Any] = []
        wall0, cpu0 = time.perf_counter(), time.process_time()
        try:
            for call in calls:
                results.append(invoke(self._func, self._is_async, call))
        except BaseException as exc:  # SystemExit, KeyboardInterrupt: the function's too
            raise TrialError.from_exception(exc) from None
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        del results
        queued1 = runqueue_seconds()
        queued = queued1 - queued0 if queued0 is not None and queued1 is not None else 0.0
        return Trial(wall, cpu, min(max(queued, 0.0), wall))

    def close(self) -> None:
        pass


class Threads:
    """A ``ThreadPoolExecutor`` of ``width`` threads, all started before timing."""

    name = Executor.THREADS

    def __init__(self, func: Callable[..., Any], is_async: bool, width: int) -> None:
        self._call = partial(invoke, func, is_async)
        self._width = width
        self._pool: ThreadPoolExecutor | None = None

    @classmethod
    def from_setup(cls, setup: RunnerSetup) -> Threads:
        return cls(setup.func, setup.is_async, setup.plan.threads)

    def start(self) -> float:
        t0 = time.perf_counter()
        self._pool = ThreadPoolExecutor(self._width, thread_name_prefix="concadvisor-probe")
        # Threads start lazily, one per submit while none is idle: make every one exist.
        barrier = threading.Barrier(self._width)
        futures = [self._pool.submit(barrier.wait, START_TIMEOUT) for _ in range(self._width)]
        for future in futures:
            future.result()
        return time.perf_counter() - t0

    def run(self, calls: Sequence[Call]) -> Trial:
        assert self._pool is not None
        wall0, cpu0 = time.perf_counter(), time.process_time()
        try:
            for _ in self._pool.map(self._call, calls):
                pass
        except BaseException as exc:
            raise TrialError.from_exception(exc) from None
        return Trial(time.perf_counter() - wall0, time.process_time() - cpu0)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


# --- process pool workers: module-level state and functions, so that they pickle --------

_WORKER_FUNC: Callable[..., Any] | None = None
_WORKER_ASYNC = False
_WORKER_BARRIER: Any = None


def _init_worker(spec: str, cwd: str, sys_path: list[str], is_async: bool, barrier: Any) -> None:
    global _WORKER_FUNC, _WORKER_ASYNC, _WORKER_BARRIER
    import sys

    for entry in sys_path:
        if entry not in sys.path:
            sys.path.append(entry)
    _WORKER_FUNC = load_callable(spec, cwd)
    _WORKER_ASYNC = is_async
    _WORKER_BARRIER = barrier


def _worker_ready() -> int:
    """Wait until every worker of the pool runs one of these, so all of them exist."""
    _WORKER_BARRIER.wait(START_TIMEOUT)
    return os.getpid()


def _worker_call(call: Call) -> tuple[Any, float]:
    assert _WORKER_FUNC is not None
    cpu0 = time.process_time()
    result = invoke(_WORKER_FUNC, _WORKER_ASYNC, call)
    return result, time.process_time() - cpu0


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
    ) -> None:
        self._spec, self._cwd, self._sys_path = spec, cwd, sys_path
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
        )

    def start(self) -> float:
        t0 = time.perf_counter()
        barrier = self._context.Barrier(self._width)
        self._pool = ProcessPoolExecutor(
            self._width,
            mp_context=self._context,
            initializer=_init_worker,
            initargs=(self._spec, self._cwd, self._sys_path, self._is_async, barrier),
        )
        try:
            futures = [self._pool.submit(_worker_ready) for _ in range(self._width)]
            for future in futures:
                future.result(timeout=START_TIMEOUT)
        except BrokenProcessPool:
            raise TrialError(
                "WorkerDied", "a worker process failed to start", self._exitcode()
            ) from None
        except Exception as exc:
            raise TrialError.from_exception(exc) from None
        # Private, but the only way to learn a dead worker's exit code afterwards.
        self._processes = list(getattr(self._pool, "_processes", {}).values())
        return time.perf_counter() - t0

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
        wall0, cpu0 = time.perf_counter(), time.process_time()
        worker_cpu = 0.0
        try:
            for _, cpu in self._pool.map(_worker_call, calls, chunksize=self._chunksize):
                worker_cpu += cpu
        except BrokenProcessPool:
            code = self._exitcode()
            detail = f" ({describe_exit(code)})" if code is not None else ""
            raise TrialError("WorkerDied", f"a worker process died{detail}", code) from None
        except BaseException as exc:
            raise TrialError.from_exception(exc) from None
        return Trial(time.perf_counter() - wall0, time.process_time() - cpu0 + worker_cpu)

    def close(self) -> None:
        # The parent kills the whole process group at the end; a clean shutdown here would
        # only spend the budget on joining workers.
        pass


class Asyncio:
    """One event loop for the whole probe; a batch is ``gather``-ed on it.

    An ``async def`` target runs natively, at most ``width`` at once.  A sync target is
    called from inside a coroutine: it blocks the loop, so its calls run one at a time,
    and that is what gets measured -- it is never handed to threads behind the scenes.
    """

    name = Executor.ASYNCIO

    def __init__(self, func: Callable[..., Any], is_async: bool, width: int) -> None:
        self._func = func
        self._is_async = is_async
        self._width = width
        self._loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def from_setup(cls, setup: RunnerSetup) -> Asyncio:
        return cls(setup.func, setup.is_async, setup.plan.asyncio)

    def start(self) -> float:
        t0 = time.perf_counter()
        self._loop = asyncio.new_event_loop()
        return time.perf_counter() - t0

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
        assert self._loop is not None
        wall0, cpu0 = time.perf_counter(), time.process_time()
        try:
            results = self._loop.run_until_complete(self._batch(calls))
        except BaseException as exc:  # gather() lets SystemExit and KeyboardInterrupt through
            raise TrialError.from_exception(exc) from None
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        for result in results:
            if isinstance(result, BaseException):
                raise TrialError.from_exception(result)
        return Trial(wall, cpu)

    def close(self) -> None:
        if self._loop is not None:
            self._loop.close()


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
        return asyncio.run(state.func(*args, **kwargs))
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
