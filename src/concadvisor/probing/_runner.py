"""The isolated measurement process: ``python -m concadvisor.probing._runner``.

The parent (:mod:`concadvisor.probing.session`) starts this module in a new session (its own
process group), sends one length-prefixed pickled config on stdin, and reads JSON lines
(events) from its stdout.  Before any user code runs, stdout and stderr are pointed at
``/dev/null`` so that whatever the function prints never reaches the parent's output; the
events go through a private duplicate of the original stdout.

The runner imports the target, calls it once or a few times (warm-up), plans the rounds,
starts every pool, runs the interleaved rounds and reports each trial as it ends, so that
the parent keeps every result even if a later trial hangs or kills this process.  After
``done`` it waits to be killed: the parent kills the whole process group, pool workers
included.  If the parent goes away first, stdin closes and the runner kills its own group.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pickle
import signal
import statistics
import struct
import sys
import threading
import time
import traceback
from collections.abc import Callable, Coroutine, Iterable
from typing import IO, Any

from ..errors import TargetError
from ..executors.registry import spec
from .executors import BatchRunner, Call, RunnerSetup, Trial, TrialError, runqueue_seconds
from .planning import EXECUTORS, MIN_ROUNDS, Plan, make_plan
from .stats import summarize, within_noise
from .targets import describe_exception, is_async_callable, load_callable
from .verdict import NOISY_RELATIVE_SPREAD

#: Warm-up: stop calling once this much time went into it (after at least two calls) ...
WARMUP_SECONDS = 0.05
#: ... or after this many calls, or once this share of the time left is spent.
WARMUP_MAX_CALLS = 25
WARMUP_SHARE = 0.1

_Executor = BatchRunner


class Channel:
    """JSON-lines events to the parent."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def emit(self, event: str, **data: Any) -> None:
        line = json.dumps({"event": event, **data}, default=str)
        with self._lock:
            self._stream.write(line + "\n")
            self._stream.flush()


def _read_exact(fd: int, size: int) -> bytes:
    chunks: list[bytes] = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise EOFError("the parent closed the config pipe early")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _isolate() -> tuple[Channel, int]:
    """Move the real stdin/stdout aside and point fds 0, 1, 2 at /dev/null."""
    control = os.dup(0)
    events = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    if not os.environ.get("CONCADVISOR_PROBE_DEBUG"):
        os.dup2(devnull, 2)
    os.close(devnull)
    return Channel(os.fdopen(events, "w", encoding="utf-8")), control


def _watch_parent(control: int) -> None:
    """Dead man's switch: when the parent's end of stdin closes, take the group down."""

    def wait() -> None:
        with contextlib.suppress(OSError):
            while os.read(control, 4096):
                pass
        if hasattr(os, "killpg"):
            os.killpg(os.getpgrp(), signal.SIGKILL)
        os._exit(1)

    threading.Thread(target=wait, name="concadvisor-parent-watch", daemon=True).start()


def _pickled_size(obj: object) -> tuple[int | None, str | None]:
    try:
        return len(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)), None
    except Exception as exc:
        return None, describe_exception(exc)


def _load_calls(config: dict[str, Any]) -> list[Call]:
    if config.get("calls") is not None:
        if not config["calls"]:
            raise TargetError("inputs: no argument tuples given")
        return [(tuple(item), {}) for item in config["calls"]]
    if config.get("inputs") is None:
        return [(tuple(config["args"]), dict(config["kwargs"]))]
    spec = config["inputs"]
    factory = load_callable(spec, config["cwd"])
    try:
        produced = factory()
        items = list(produced) if isinstance(produced, Iterable) else None
    except BaseException as exc:  # user code: SystemExit and KeyboardInterrupt included
        raise TargetError(
            f"--inputs {spec}: the factory raised {describe_exception(exc)}"
        ) from None
    if items is None:
        raise TargetError(f"--inputs {spec}: expected an iterable of argument tuples")
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


def _event_loop_overhead(calls: int = 7) -> tuple[float, float]:
    """Median wall and CPU seconds of ``asyncio.run()`` on a coroutine that does nothing."""
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(calls):
        wall0, cpu0 = time.perf_counter(), time.process_time()
        asyncio.run(_nothing())
        walls.append(time.perf_counter() - wall0)
        cpus.append(time.process_time() - cpu0)
    return statistics.median(walls), statistics.median(cpus)


def _warm_up(
    channel: Channel,
    func: Callable[..., Any],
    calls: list[Call],
    is_async: bool,
    time_left: float,
) -> dict[str, Any] | None:
    """Call the target a few times under serial; None if it raised (reported)."""
    walls: list[float] = []
    cpus: list[float] = []
    queued: list[float] = []
    first_result: Any = None
    spent = 0.0
    index = 0
    while True:
        call = calls[index % len(calls)]
        queued0 = runqueue_seconds()
        wall0, cpu0 = time.perf_counter(), time.process_time()
        try:
            if is_async:
                result = asyncio.run(func(*call[0], **call[1]))
            else:
                result = func(*call[0], **call[1])
                # Not asyncio.iscoroutine(): before 3.12 it also accepts plain generators.
                if isinstance(result, Coroutine):
                    # A sync wrapper that returns a coroutine: really an async target.
                    result.close()
                    is_async = True
                    continue
        except BaseException as exc:  # user code: SystemExit and KeyboardInterrupt included
            error = TrialError.from_exception(exc)
            channel.emit("warmup_error", kind=error.kind, message=error.message)
            return None
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
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
    task_seconds = statistics.median(warm_walls)
    cpu_seconds = statistics.median(warm_cpus)
    warm_queued = (queued[1:] or queued) if len(queued) == len(walls) else []
    queued_seconds = statistics.median(warm_queued) if warm_queued else 0.0
    running = task_seconds - queued_seconds
    args_bytes, args_error = _pickled_size(calls[0])
    result_bytes, result_error = _pickled_size(first_result)
    _, func_error = _pickled_size(func)
    loop_wall, loop_cpu = _event_loop_overhead() if is_async else (0.0, 0.0)
    return {
        "calls": len(walls),
        "first_seconds": walls[0],
        "task_seconds": task_seconds,
        "cpu_seconds": cpu_seconds,
        "queued_seconds": queued_seconds,
        # Time spent waiting for a CPU (a busy machine) is neither computing nor I/O.
        "cpu_share": _share(cpu_seconds - loop_cpu, running - loop_wall),
        "is_async": is_async,
        # What asyncio.run() itself costs per call: paid by serial, threads and processes,
        # not by coroutines sharing one loop, so it is no part of the task's own CPU share.
        "loop_wall_seconds": loop_wall,
        "loop_cpu_seconds": loop_cpu,
        "args_bytes": args_bytes,
        "result_bytes": result_bytes,
        "args_pickle_error": args_error,
        "result_pickle_error": result_error,
        "func_pickle_error": func_error,
    }


def _startup_estimate(start_method: str, processes: int, executors: list[str]) -> float:
    if "processes" not in executors:
        return 0.02
    per_worker = 0.02 if start_method == "fork" else 0.15
    return 0.1 + per_worker * processes


def _build(
    name: str, func: Callable[..., Any], config: dict[str, Any], plan: Plan, is_async: bool
) -> _Executor:
    setup = RunnerSetup(
        func, is_async, plan, config["spec"], config["cwd"], list(sys.path), config["start_method"]
    )
    return spec(name).load_runner().from_setup(setup)


def _batch_cap(config: dict[str, Any], calls: list[Call]) -> int | None:
    """The most tasks a round may hold: the user's task count, or the inputs given."""
    caps = []
    if config.get("tasks"):
        caps.append(int(config["tasks"]))
    if config.get("inputs") or config.get("calls"):
        caps.append(len(calls))
    return min(caps) if caps else None


def _warm_size(name: str, plan: Plan, n: int) -> int:
    """Untimed calls that touch every worker once: a thread each, two per process."""
    width = {"threads": plan.threads, "processes": 2 * plan.processes}.get(name, 1)
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


def run(config: dict[str, Any], channel: Channel, control: int) -> None:
    started = time.monotonic()
    deadline = started + max(0.0, config["deadline_wall"] - time.time())
    for entry in config["sys_path"]:
        if entry not in sys.path:
            sys.path.append(entry)
    try:
        func = load_callable(config["spec"], config["cwd"])
        calls = _load_calls(config)
    except TargetError as exc:
        channel.emit("target_error", message=str(exc))
        return
    is_async = is_async_callable(func)
    channel.emit("ready", pid=os.getpid(), is_async=is_async, seconds=time.monotonic() - started)

    warmup: dict[str, Any] | None = config.get("warmup")
    if warmup is None:
        channel.emit("phase", name="warmup")
        warmup = _warm_up(channel, func, calls, is_async, deadline - time.monotonic())
        if warmup is None:
            return
        channel.emit("warmup", **warmup)
    is_async = bool(warmup["is_async"])

    executors: list[str] = [e for e in EXECUTORS if e in config["executors"]]
    pickle_problem = warmup["args_pickle_error"] or warmup["result_pickle_error"]
    if "processes" in executors and pickle_problem:
        what = "arguments" if warmup["args_pickle_error"] else "result"
        channel.emit(
            "skip",
            executor="processes",
            reason=f"the {what} cannot be pickled ({pickle_problem}), so a process pool "
            "cannot send it",
        )
        executors.remove("processes")

    plan_data: dict[str, Any] | None = config.get("plan")
    if plan_data is None:
        cpus = int(config["cpus"])
        estimate_width = config["workers"] or cpus
        left = deadline - time.monotonic()
        left -= _startup_estimate(config["start_method"], estimate_width, executors)
        plan = make_plan(
            warmup["task_seconds"],
            warmup["cpu_share"],
            is_async=is_async,
            cpus=cpus,
            time_left=max(0.0, left),
            executors=tuple(executors),
            workers=config["workers"],
            tasks=None,
            inputs=_batch_cap(config, calls),
            payload_bytes=(warmup["args_bytes"] or 0) + (warmup["result_bytes"] or 0),
        )
        channel.emit("plan", **plan.as_dict())
    else:
        plan = Plan(**plan_data)

    batch = _batch(calls, plan.tasks)
    # Processes first: with the fork start method, fork before this process has threads.
    order = sorted(executors, key=lambda e: e != "processes")
    running: dict[str, _Executor] = {}
    for name in order:
        executor = _build(name, func, config, plan, is_async)
        channel.emit("starting", executor=name)
        try:
            seconds = executor.start()
            if name != "serial":
                # Untimed: the first calls in fresh workers are cold (imports, caches).
                warm = batch[: _warm_size(name, plan, len(batch))]
                channel.emit(
                    "warming",
                    executor=name,
                    expected=plan.estimates[name] * len(warm) / max(1, len(batch)),
                )
                executor.run(warm)
        except TrialError as exc:
            channel.emit(
                "trial_error",
                executor=name,
                round=0,
                kind=exc.kind,
                message=exc.message,
                exitcode=exc.exitcode,
            )
            executor.close()
            continue
        channel.emit("ready_to_time", executor=name, seconds=seconds)
        running[name] = executor
    _watch_parent(control)

    last: dict[str, float] = {}
    walls: dict[str, list[float]] = {name: [] for name in running}
    for round_index in range(1, plan.rounds + 1):
        active = [name for name in EXECUTORS if name in running]
        if not active:
            break
        expected = sum(last.get(name, plan.estimates[name]) for name in active)
        if round_index > 1 and time.monotonic() + expected > deadline:
            channel.emit("out_of_time", round=round_index)
            break
        for name in active:
            channel.emit(
                "trial_start",
                executor=name,
                round=round_index,
                expected=last.get(name, plan.estimates[name]),
            )
            try:
                trial: Trial = running[name].run(batch)
            except TrialError as exc:
                channel.emit(
                    "trial_error",
                    executor=name,
                    round=round_index,
                    kind=exc.kind,
                    message=exc.message,
                    exitcode=exc.exitcode,
                )
                running.pop(name).close()
                continue
            last[name] = trial.wall
            walls[name].append(trial.wall)
            channel.emit(
                "trial",
                executor=name,
                round=round_index,
                wall=trial.wall,
                cpu=trial.cpu,
                queued=trial.queued,
            )
        if round_index < plan.rounds and _settled({k: walls[k] for k in running}):
            channel.emit("settled", round=round_index)
            break
    for executor in running.values():
        executor.close()


def main() -> None:
    channel, control = _isolate()
    try:
        (size,) = struct.unpack("!Q", _read_exact(control, 8))
        config = pickle.loads(_read_exact(control, size))
        run(config, channel, control)
        channel.emit("done")
    except BaseException:
        with contextlib.suppress(Exception):
            channel.emit("internal_error", traceback=traceback.format_exc(limit=20))
    # Wait for the parent to kill the group (it reaps everything in one go); if the parent
    # is gone, stdin is at EOF and this returns at once.
    with contextlib.suppress(OSError):
        while os.read(control, 4096):
            pass
    os._exit(0)


if __name__ == "__main__":
    main()
