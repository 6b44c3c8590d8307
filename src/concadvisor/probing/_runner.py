"""The isolated measurement process: ``python -m concadvisor.probing._runner``.

The parent (:mod:`concadvisor.probing.session`) starts this module in a new session (its own
process group), sends one :class:`~.protocol.RunnerConfig` on stdin, and reads the typed
events of :mod:`.protocol` from its stdout.  Before any user code runs, stdout and stderr
are pointed at ``/dev/null`` so that whatever the function prints never reaches the
parent's output; the events go through a private duplicate of the original stdout.

First of all -- before the target is imported -- the runner makes itself the subreaper of
its descendants (Linux) and arms its dead man's switch: a thread that waits for the
parent's end of stdin to close and then kills the runner's whole tree
(:mod:`concadvisor.isolation`).

The runner imports the target, calls it once or a few times (warm-up), plans the rounds,
starts every pool, runs the interleaved rounds and reports each trial as it ends, so that
the parent keeps every result even if a later trial hangs or kills this process.  After
``done`` it waits to be killed: the parent kills the whole tree, pool workers included.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
import re
import statistics
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from ..environment import detect_environment
from ..errors import TargetError
from ..executors.registry import spec as executor_spec
from ..isolation import become_subreaper, kill_tree
from ._sweep import SweepSettings, run_sweep
from .executors import BatchRunner, Call, RunnerSetup, Trial, TrialError, runqueue_seconds
from .interpreter import PythonInfo
from .planning import (
    EXECUTORS,
    MAIN_ROUNDS_SHARE,
    MAX_TASKS,
    MIN_ROUNDS,
    Plan,
    make_plan,
    setup_estimate,
    startup_estimate,
)
from .protocol import (
    Done,
    EventWriter,
    FreeCpus,
    Hello,
    InputsTaken,
    InternalError,
    OutOfTime,
    Phase,
    PlanData,
    Planned,
    Ready,
    RunnerConfig,
    Settled,
    SetupDone,
    Skipped,
    Started,
    Starting,
    TargetFailed,
    TrialDone,
    TrialFailed,
    TrialStarted,
    Warming,
    Warmup,
    WarmupDone,
    WarmupFailed,
    clip,
    executor_name,
)
from .stats import summarize, within_noise
from .targets import describe_exception, is_async_callable, load_callable
from .usage import FREE_CPU_SECONDS, CpuTimes, free_cpus, thread_cpu
from .verdict import NOISY_RELATIVE_SPREAD
from .worker import SetupSpec, Worker, WorkerSetupError, load_setup

#: Warm-up: stop calling once this much time went into it (after at least two calls) ...
WARMUP_SECONDS = 0.05
#: ... or after this many calls, or once this share of the time left is spent.
WARMUP_MAX_CALLS = 25
WARMUP_SHARE = 0.1
#: Taking ``--inputs`` items stops once this share of the time left is spent.
INPUTS_SHARE = 0.25

_Executor = BatchRunner


def _isolate() -> tuple[int, int]:
    """Move the real stdin/stdout aside and point fds 0, 1, 2 at /dev/null.

    Returns (events fd, control fd).
    """
    control = os.dup(0)
    events = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    if not os.environ.get("CONCADVISOR_PROBE_DEBUG"):
        os.dup2(devnull, 2)
    os.close(devnull)
    return events, control


def _watch_parent(control: int) -> None:
    """Dead man's switch: when the parent's end of stdin closes, take the tree down."""

    def wait() -> None:
        with contextlib.suppress(OSError):
            while os.read(control, 4096):
                pass
        kill_tree(os.getpid(), os.getpgrp() if hasattr(os, "getpgrp") else None)
        os._exit(1)

    threading.Thread(target=wait, name="concadvisor-parent-watch", daemon=True).start()


def _pickled_size(obj: object) -> tuple[int | None, str | None]:
    try:
        return len(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)), None
    except Exception as exc:
        return None, describe_exception(exc)


def _take_inputs(
    writer: EventWriter, spec: str, produced: Iterable[Any], deadline: float
) -> list[Any]:
    """At most a round's worth of items (:data:`MAX_TASKS`), within a share of the time left.

    An endless or slow factory is cut, never drained: the rounds use what was taken.
    """
    stop = time.monotonic() + INPUTS_SHARE * max(0.0, deadline - time.monotonic())
    items: list[Any] = []
    iterator = iter(produced)
    complete = False
    while len(items) < MAX_TASKS:
        try:
            items.append(next(iterator))
        except StopIteration:
            complete = True
            break
        if time.monotonic() > stop:
            break
    if items:
        writer.emit(InputsTaken(count=len(items), complete=complete))
    return items


def _load_calls(config: RunnerConfig, writer: EventWriter, deadline: float) -> list[Call]:
    if config.calls is not None:
        if not config.calls:
            raise TargetError("inputs: no argument tuples given")
        return [(tuple(item), {}) for item in config.calls]
    if config.inputs is None:
        return [(tuple(config.args), dict(config.kwargs))]
    spec = config.inputs
    factory = load_callable(spec, config.cwd)
    writer.emit(Phase(name="inputs"))
    try:
        produced = factory()
        if not isinstance(produced, Iterable):
            raise TargetError(f"--inputs {spec}: expected an iterable of argument tuples")
        items = _take_inputs(writer, spec, produced, deadline)
    except TargetError:
        raise
    except BaseException as exc:  # user code: SystemExit and KeyboardInterrupt included
        raise TargetError(
            f"--inputs {spec}: the factory raised {describe_exception(exc)}"
        ) from None
    if not items:
        raise TargetError(f"--inputs {spec}: the factory returned no inputs")
    calls: list[Call] = []
    for index, item in enumerate(items):
        if not isinstance(item, (tuple, list)):
            raise TargetError(
                f"--inputs {spec}: item {index} is a {type(item).__name__}, expected a tuple "
                "of arguments"
            )
        calls.append((tuple(item), {}))
    return calls


def _share(cpu: float, running: float) -> float:
    return max(cpu, 0.0) / running if running > 0 else 0.0


async def _nothing() -> None:
    await asyncio.sleep(0)


def _event_loop_overhead(worker: Worker, calls: int = 7) -> tuple[float, float]:
    """Median wall and CPU seconds of one call of a coroutine that does nothing on the
    worker's long-lived loop: what serial, threads and processes pay per call around it."""
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(calls):
        wall0, cpu0 = time.perf_counter(), time.process_time()
        worker.call(_nothing, True, ((), {}))
        walls.append(time.perf_counter() - wall0)
        cpus.append(time.process_time() - cpu0)
    return statistics.median(walls), statistics.median(cpus)


def _warm_up(
    writer: EventWriter,
    worker: Worker,
    func: Callable[..., Any],
    calls: list[Call],
    is_async: bool,
    time_left: float,
) -> Warmup | None:
    """Call the target a few times under serial; None if it raised (reported)."""
    walls: list[float] = []
    cpus: list[float] = []
    splits: list[CpuTimes] = []
    queued: list[float] = []
    first_result: Any = None
    spent = 0.0
    index = 0
    while True:
        call = calls[index % len(calls)]
        queued0 = runqueue_seconds()
        wall0, cpu0, split0 = time.perf_counter(), time.process_time(), thread_cpu()
        try:
            result = worker.call(func, is_async, call)
            # Not asyncio.iscoroutine(): before 3.12 it also accepts plain generators.
            if not is_async and isinstance(result, Coroutine):
                # A sync wrapper that returns a coroutine: really an async target.
                result.close()
                is_async = True
                continue
        except BaseException as exc:  # user code: SystemExit and KeyboardInterrupt included
            error = TrialError.from_exception(exc)
            writer.emit(WarmupFailed(kind=clip(error.kind), message=clip(error.message)))
            return None
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        splits.append(thread_cpu() - split0)
        queued1 = runqueue_seconds()
        if queued0 is not None and queued1 is not None:
            queued.append(min(max(queued1 - queued0, 0.0), wall))
        if index == 0:
            first_result = result
        walls.append(wall)
        cpus.append(cpu)
        spent += wall
        index += 1
        if index >= WARMUP_MAX_CALLS or spent > WARMUP_SHARE * time_left:
            break
        if index >= 2 and spent >= WARMUP_SECONDS:
            break
    # The first call is cold (imports, caches): use the later ones when there are any.
    warm_walls = walls[1:] or walls
    warm_cpus = cpus[1:] or cpus
    warm_splits = splits[1:] or splits
    task_seconds = statistics.median(warm_walls)
    cpu_seconds = statistics.median(warm_cpus)
    warm_queued = (queued[1:] or queued) if len(queued) == len(walls) else []
    queued_seconds = statistics.median(warm_queued) if warm_queued else 0.0
    running = task_seconds - queued_seconds
    args_bytes, args_error = _pickled_size(calls[0])
    result_bytes, result_error = _pickled_size(first_result)
    _, func_error = _pickled_size(func)
    loop_wall, loop_cpu = _event_loop_overhead(worker) if is_async else (0.0, 0.0)
    return Warmup(
        calls=len(walls),
        first_seconds=walls[0],
        task_seconds=task_seconds,
        cpu_seconds=cpu_seconds,
        queued_seconds=queued_seconds,
        # Time spent waiting for a CPU (a busy machine) is neither computing nor I/O.
        cpu_share=_share(cpu_seconds - loop_cpu, running - loop_wall),
        is_async=is_async,
        # What running one call on the worker's loop costs: paid by serial, threads and
        # processes, not by coroutines sharing one loop, so no part of the task's CPU share.
        loop_wall_seconds=loop_wall,
        loop_cpu_seconds=loop_cpu,
        args_bytes=args_bytes,
        result_bytes=result_bytes,
        args_pickle_error=_clip_or_none(args_error),
        result_pickle_error=_clip_or_none(result_error),
        func_pickle_error=_clip_or_none(func_error),
        user_seconds=max(0.0, statistics.median(s.user for s in warm_splits)),
        system_seconds=max(0.0, statistics.median(s.system for s in warm_splits)),
    )


def _clip_or_none(text: str | None) -> str | None:
    return None if text is None else clip(text)


def _build(name: str, setup: RunnerSetup) -> _Executor:
    return executor_spec(name).load_runner().from_setup(setup)


def _batch_cap(config: RunnerConfig, calls: list[Call]) -> int | None:
    """The most tasks a round may hold: the user's task count, or the inputs given."""
    caps = []
    if config.tasks:
        caps.append(config.tasks)
    if config.inputs or config.calls:
        caps.append(len(calls))
    return min(caps) if caps else None


#: Why sub-interpreters are not measured under ``--setup``.
_NO_SETUP_IN_INTERPRETERS = (
    "not measured with --setup: a sub-interpreter cannot import concadvisor (pydantic-core "
    "refuses to load in one), so worker_state() is not available there"
)

#: Why a Dask cluster is not measured under ``--setup``.
_NO_SETUP_IN_DASK = (
    "not measured with --setup: the per-worker setup is not run on Dask workers yet, so "
    "worker_state() is not available there"
)

#: Executors that pickle arguments and results, and how a reason names their pool.
_PICKLING_POOLS = {"processes": "a process pool", "interpreters": "an InterpreterPoolExecutor"}


def _warm_size(name: str, plan: Plan, n: int) -> int:
    """Untimed calls that touch every worker once: a thread each, two per process or
    sub-interpreter."""
    width = {
        "threads": plan.threads,
        "processes": 2 * plan.processes,
        "interpreters": 2 * plan.processes,
    }.get(name, 1)
    return max(1, min(n, width))


def _settled(walls: dict[str, list[float]]) -> bool:
    """After enough rounds, the fastest is clearly ahead of the runner-up: stop early.

    Once the leader is beyond the noise of every other executor, more rounds cannot change
    which one is fastest, nor whether the recommendation is (or is measurably behind) it.
    """
    if any(len(values) < MIN_ROUNDS for values in walls.values()) or len(walls) < 2:
        return False
    summaries = sorted((summarize(values) for values in walls.values()), key=lambda s: s.median)
    first, second = summaries[0], summaries[1]
    quiet = max(first.relative_spread, second.relative_spread) <= NOISY_RELATIVE_SPREAD
    return quiet and not within_noise(first, second)


def _batch(calls: list[Call], n: int) -> list[Call]:
    return [calls[i % len(calls)] for i in range(n)]


#: CPython's words when an extension without ``Py_mod_gil`` turns the GIL back on (3.13t).
_GIL_ENABLED = re.compile(
    r"The global interpreter lock \(GIL\) has been enabled to load module '([^']+)'"
)


def gil_enabled() -> bool:
    """The GIL is enabled right now (always, on a build that has one)."""
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    return True if is_enabled is None else bool(is_enabled())


def python_info(gil_enabled_by: str | None) -> PythonInfo:
    """This interpreter, with the GIL as it is now (after the target's import)."""
    import platform
    import sysconfig

    return PythonInfo(
        version=platform.python_version(),
        implementation=platform.python_implementation().lower(),
        free_threaded=bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        gil_enabled=gil_enabled(),
        gil_enabled_by=clip(gil_enabled_by, 300) if gil_enabled_by else None,
    )


def gil_enabler(caught: Iterable[warnings.WarningMessage]) -> str | None:
    """The module that re-enabled the GIL, from the warnings recorded around an import."""
    for item in caught:
        found = _GIL_ENABLED.search(str(item.message))
        if found is not None and issubclass(item.category, RuntimeWarning):
            return found.group(1)
    return None


def _load_target(config: RunnerConfig, writer: EventWriter, deadline: float) -> Any:
    """(callable, calls, GIL enabler, setup), or None when loading failed (a target error)."""
    writer.emit(Phase(name="import"))
    try:
        with warnings.catch_warnings(record=True) as caught:
            # "always": a warning already shown once (a module-level registry) is still seen.
            warnings.simplefilter("always", RuntimeWarning)
            func = load_callable(config.spec, config.cwd)
            setup = _load_setup(config)
        calls = _load_calls(config, writer, deadline)
    except TargetError as exc:
        writer.emit(TargetFailed(message=clip(str(exc))))
        return None
    except BaseException as exc:  # KeyboardInterrupt raised by the module itself
        message = f"cannot import {config.spec!r}: {describe_exception(exc)}"
        writer.emit(TargetFailed(message=clip(message)))
        return None
    return func, calls, gil_enabler(caught), setup


def _load_setup(config: RunnerConfig) -> SetupSpec | None:
    """The ``--setup`` callable; a :class:`TargetError` naming the setup if it cannot load."""
    try:
        return load_setup(config.setup, config.cwd)
    except TargetError as exc:
        raise TargetError(f"--setup: {exc}") from None
    except BaseException as exc:
        raise TargetError(
            f"--setup: cannot import {config.setup!r}: {describe_exception(exc)}"
        ) from None


def _setup_done(name: str, seconds: list[float], writer: EventWriter) -> None:
    if seconds:
        writer.emit(
            SetupDone(
                executor=executor_name(name),
                workers=len(seconds),
                total=sum(seconds),
                slowest=max(seconds),
            )
        )


def _prepare_main(worker: Worker, writer: EventWriter) -> bool:
    """The main thread's setup (the warm-up's and serial's); False if it raised (reported)."""
    writer.emit(Phase(name="setup"))
    try:
        seconds = worker.prepare()
    except WorkerSetupError as exc:
        writer.emit(TargetFailed(message=clip(str(exc))))
        return False
    _setup_done("serial", [] if seconds is None else [seconds], writer)
    return True


def run(config: RunnerConfig, writer: EventWriter) -> None:
    started = time.monotonic()
    deadline = started + max(0.0, config.deadline_wall - time.time())
    for entry in config.sys_path:
        if entry not in sys.path:
            sys.path.append(entry)
    loaded = _load_target(config, writer, deadline)
    if loaded is None:
        return
    func, calls, enabler, setup = loaded
    is_async = is_async_callable(func)
    writer.emit(
        Ready(
            pid=os.getpid(),
            is_async=is_async,
            seconds=time.monotonic() - started,
            python=python_info(enabler),
        )
    )

    main = Worker(setup)
    try:
        if setup is None or _prepare_main(main, writer):
            _measure(config, writer, func, calls, is_async, setup, main, deadline)
    finally:
        main.close()


def _measure(
    config: RunnerConfig,
    writer: EventWriter,
    func: Callable[..., Any],
    calls: list[Call],
    is_async: bool,
    setup: SetupSpec | None,
    main: Worker,
    deadline: float,
) -> None:
    """Warm up, plan, start the pools, run the interleaved rounds, then the width sweep."""
    warmup = config.warmup
    if warmup is None:
        writer.emit(Phase(name="warmup"))
        warmup = _warm_up(writer, main, func, calls, is_async, deadline - time.monotonic())
        if warmup is None:
            return
        writer.emit(WarmupDone(result=warmup))
    is_async = warmup.is_async

    executors: list[str] = [e for e in EXECUTORS if e in config.executors]
    here = detect_environment()
    for name in list(executors):
        registered = executor_spec(name)
        if not registered.available(here):
            writer.emit(Skipped(executor=executor_name(name), reason=registered.unavailable_reason))
            executors.remove(name)
    if setup is not None and "interpreters" in executors:
        writer.emit(Skipped(executor="interpreters", reason=_NO_SETUP_IN_INTERPRETERS))
        executors.remove("interpreters")
    if setup is not None and "dask" in executors:
        writer.emit(Skipped(executor="dask", reason=_NO_SETUP_IN_DASK))
        executors.remove("dask")
    pickle_problem = warmup.args_pickle_error or warmup.result_pickle_error
    for name, pool in _PICKLING_POOLS.items():
        if name in executors and pickle_problem:
            what = "arguments" if warmup.args_pickle_error else "result"
            writer.emit(
                Skipped(
                    executor=executor_name(name),
                    reason=clip(
                        f"the {what} cannot be pickled ({pickle_problem}), so {pool} cannot send it"
                    ),
                )
            )
            executors.remove(name)

    _measure_free_cpus(writer, "before", config.cpus, deadline)
    if config.plan is None:
        cpus = config.cpus
        estimate_width = config.workers or cpus
        left = deadline - time.monotonic()
        left -= startup_estimate(config.start_method, estimate_width, executors)
        left -= sum(
            setup_estimate(name, main.setup_seconds or 0.0, estimate_width, cpus)
            for name in executors
            if name != "serial"  # set up already: the main thread's
        )
        left -= FREE_CPU_SECONDS  # the second reading, after the main rounds
        if config.workers is None:
            left *= MAIN_ROUNDS_SHARE  # the rest is the width sweep's
        plan = make_plan(
            warmup.task_seconds,
            warmup.cpu_share,
            is_async=is_async,
            cpus=cpus,
            time_left=max(0.0, left),
            executors=tuple(executors),
            workers=config.workers,
            tasks=None,
            inputs=_batch_cap(config, calls),
            payload_bytes=(warmup.args_bytes or 0) + (warmup.result_bytes or 0),
        )
        writer.emit(Planned(plan=PlanData.from_plan(plan)))
    else:
        plan = config.plan.to_plan()

    batch = _batch(calls, plan.tasks)
    # Processes first: with the fork start method, fork before this process has threads
    # (the parent watch is the one thread there is; it holds no lock a child could need).
    order = sorted(executors, key=lambda e: e != "processes")
    running: dict[str, _Executor] = {}
    runner_setup = RunnerSetup(
        func,
        is_async,
        plan,
        config.spec,
        config.cwd,
        list(sys.path),
        config.start_method,
        setup=setup,
        main=main,
        scheduler=config.scheduler,
    )
    for name in order:
        executor = _build(name, runner_setup)
        writer.emit(Starting(executor=executor_name(name)))
        try:
            seconds = executor.start()
            if name != "serial":  # serial's setup is the warm-up's, reported before it
                _setup_done(name, executor.setup_seconds, writer)
            if name != "serial":
                # Untimed: the first calls in fresh workers are cold (imports, caches).
                warm = batch[: _warm_size(name, plan, len(batch))]
                expected = plan.estimates[name] * len(warm) / max(1, len(batch))
                writer.emit(Warming(executor=executor_name(name), expected=expected))
                executor.run(warm)
        except TrialError as exc:
            writer.emit(_trial_failed(name, 0, exc))
            executor.close()
            continue
        writer.emit(Started(executor=executor_name(name), seconds=seconds))
        running[name] = executor

    # The main rounds leave the sweep its share of the time (what they do not use, too).
    sweep_share = 0.0 if config.workers is not None else 1 - MAIN_ROUNDS_SHARE
    rounds_deadline = deadline - sweep_share * max(0.0, deadline - time.monotonic())
    last: dict[str, float] = {}
    walls: dict[str, list[float]] = {name: [] for name in running}
    for round_index in range(1, plan.rounds + 1):
        active = [name for name in EXECUTORS if name in running]
        if not active:
            break
        expected = sum(last.get(name, plan.estimates[name]) for name in active)
        if round_index > 1 and time.monotonic() + expected > rounds_deadline:
            writer.emit(OutOfTime(round=round_index))
            break
        for name in active:
            writer.emit(
                TrialStarted(
                    executor=executor_name(name),
                    round=round_index,
                    expected=last.get(name, plan.estimates[name]),
                )
            )
            try:
                trial: Trial = running[name].run(batch)
            except TrialError as exc:
                writer.emit(_trial_failed(name, round_index, exc))
                running.pop(name).close()
                continue
            last[name] = trial.wall
            walls[name].append(trial.wall)
            writer.emit(
                TrialDone(
                    executor=executor_name(name),
                    round=round_index,
                    wall=trial.wall,
                    cpu=trial.cpu,
                    queued=trial.queued,
                    user=_seconds(trial.user),
                    system=_seconds(trial.system),
                    peak_rss=trial.peak_rss,
                )
            )
        if round_index < plan.rounds and _settled({k: walls[k] for k in running}):
            writer.emit(Settled(round=round_index))
            break
    for executor in running.values():
        executor.close()
    _measure_free_cpus(writer, "after", config.cpus, deadline)
    # --workers fixes the width: nothing to sweep.  A restarted runner (given the plan,
    # after a fault killed the last one) only finishes the main rounds: a sweep that
    # faulted once would fault again.
    if config.workers is None and config.plan is None:
        settings = SweepSettings(
            runner=runner_setup,
            cpus=config.cpus,
            task_seconds=warmup.task_seconds,
            limit=_batch_cap(config, calls),
            tasks=config.tasks,
            setup_seconds=main.setup_seconds or 0.0,
        )
        run_sweep(
            writer, settings, [name for name in EXECUTORS if name in running], calls, deadline
        )


def _seconds(value: float | None) -> float | None:
    """CPU seconds for the wire: a clock's rounding can make a tiny delta negative."""
    return None if value is None else max(0.0, value)


#: Free CPUs are only measured with at least this many spins' worth of the budget left.
_FREE_CPU_MARGIN = 5


def _measure_free_cpus(writer: EventWriter, when: str, cpus: int, deadline: float) -> None:
    """Report how many CPUs were free (:func:`~.usage.free_cpus`), if the budget allows."""
    if deadline - time.monotonic() < _FREE_CPU_MARGIN * FREE_CPU_SECONDS:
        return
    writer.emit(FreeCpus(when="before" if when == "before" else "after", cpus=free_cpus(cpus)))


def _trial_failed(name: str, round_index: int, exc: TrialError) -> TrialFailed:
    return TrialFailed(
        executor=executor_name(name),
        round=round_index,
        kind=clip(exc.kind),
        message=clip(exc.message),
        exitcode=exc.exitcode,
    )


def main() -> None:
    become_subreaper()
    events, control = _isolate()
    try:
        config = RunnerConfig.read(control)
    except BaseException:  # the parent died or wrote nonsense: nobody to tell
        os._exit(1)
    writer = EventWriter(events, config.token)
    _watch_parent(control)
    try:
        writer.emit(Hello(pid=os.getpid()))
        run(config, writer)
        writer.emit(Done())
    except BaseException:
        with contextlib.suppress(Exception):
            writer.emit(InternalError(traceback=clip(traceback.format_exc(limit=20), 16_000)))
    # Wait for the parent to kill the tree; if the parent is gone, the watch does it.
    threading.Event().wait()


if __name__ == "__main__":
    main()
