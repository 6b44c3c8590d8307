"""Parent side of the isolation: start the runner, watch the clock, kill, restart, collect.

The runner (:mod:`concadvisor.probing._runner`) runs in a new session, so it and every
process it starts (pool workers, the forkserver, the resource tracker) share one process
group that :func:`os.killpg` takes down at once.  Events arrive on a pipe, read by a
thread into a queue so that the main thread can wait with a timeout:

- each trial has its own deadline (:func:`~concadvisor.probing.planning.trial_timeout`); a
  trial past it is a hang: the group is killed, that executor is marked ``timeout`` and,
  if the budget allows, a fresh runner continues with the other executors (the warm-up
  and the plan are reused, the results so far are kept);
- the runner dying (``os._exit``, a segfault) is attributed to what it was doing;
- the whole probe is killed at ``budget`` + :data:`GRACE_SECONDS`, whatever happens;
- Ctrl-C (``KeyboardInterrupt``) kills the group before it propagates.

Whatever the path, the group is killed and the runner reaped before this module returns:
no child process is left behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..errors import TargetError
from .executors import describe_exit
from .planning import EXECUTORS, trial_timeout

__all__ = ["GRACE_SECONDS", "ExecutorRecord", "Measurements", "RunConfig", "measure"]

#: The hard deadline is budget + this: time for the runner to notice its own deadline.
GRACE_SECONDS = 0.75
#: Kept free at the end of the budget for building the report.
RESERVE_SECONDS = 0.1
#: A restart after a hang or crash is only worth it with this much budget left.
MIN_RESTART_SECONDS = 0.5
#: A pool that takes longer than this to start (every worker up, target imported) hangs.
START_TIMEOUT_SECONDS = 10.0
#: How often the watcher wakes up to check the clock and the runner.
TICK_SECONDS = 0.05

Progress = Callable[[str, float], None]


@dataclass
class ExecutorRecord:
    """What was measured for one executor (raw; statistics come later)."""

    name: str
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    queued: list[float] = field(default_factory=list)
    startup: float | None = None
    status: str | None = None  # None until a fault or a skip decides it
    reason: str | None = None
    exitcode: int | None = None


@dataclass
class Measurements:
    """Everything the runner(s) reported."""

    target: str
    is_async: bool = False
    warmup: dict[str, Any] | None = None
    plan: dict[str, Any] | None = None
    records: dict[str, ExecutorRecord] = field(
        default_factory=lambda: {name: ExecutorRecord(name) for name in EXECUTORS}
    )
    notes: list[str] = field(default_factory=list)
    runners: int = 0
    elapsed: float = 0.0
    runner_startup: float | None = None


@dataclass(frozen=True)
class RunConfig:
    """What the parent tells the runner (plus the budget, which stays here)."""

    spec: str
    cwd: str
    budget: float
    cpus: int
    start_method: str
    args: Sequence[Any] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    inputs: str | None = None
    calls: tuple[tuple[Any, ...], ...] | None = None
    tasks: int | None = None
    workers: int | None = None
    sys_path: tuple[str, ...] = ()


class _Outcome:
    DONE = "done"
    KILLED = "killed"  # a fault was attributed; maybe restart
    DEADLINE = "deadline"


def _runner_env() -> dict[str, str]:
    env = dict(os.environ)
    # The runner must import this very concadvisor, even when it was found via sys.path.
    package_root = str(Path(__file__).resolve().parents[2])
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if package_root not in paths:
        paths.append(package_root)
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.pop("PYTHONSTARTUP", None)
    return env


class _Runner:
    """One runner process and the thread that reads its events."""

    def __init__(self, config: dict[str, Any], cwd: str) -> None:
        try:
            payload = pickle.dumps(config, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            raise TargetError(
                f"the arguments cannot be sent to the probe's runner process: "
                f"{type(exc).__name__}: {exc}"
            ) from None
        debug = bool(os.environ.get("CONCADVISOR_PROBE_DEBUG"))
        kwargs: dict[str, Any] = {}
        if os.name == "posix":
            kwargs["start_new_session"] = True
        else:  # pragma: no cover - Windows
            kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "concadvisor.probing._runner"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None if debug else subprocess.DEVNULL,
            cwd=cwd,
            env=_runner_env(),
            **kwargs,
        )
        self.events: queue.Queue[dict[str, Any] | None] = queue.Queue()
        assert self.proc.stdout is not None
        assert self.proc.stdin is not None
        self._reader = threading.Thread(
            target=self._read,
            args=(self.proc.stdout,),
            name="concadvisor-probe-events",
            daemon=True,
        )
        self._reader.start()
        try:
            self.proc.stdin.write(struct.pack("!Q", len(payload)) + payload)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # the runner died at once; the watcher sees it exit
        # stdin stays open: it is the runner's dead man's switch.

    def _read(self, stream: IO[bytes]) -> None:
        with contextlib.suppress(ValueError, OSError):
            for line in stream:
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if isinstance(event, dict):
                    self.events.put(event)
        self.events.put(None)

    def kill(self) -> int | None:
        """Kill the runner's whole process group, reap the runner, close the pipes."""
        if os.name == "posix":
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - Windows
            with contextlib.suppress(OSError):
                self.proc.kill()
        code = self.proc.wait()
        self._reader.join(timeout=2.0)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        return code


@dataclass
class _Phase:
    kind: str  # import | warmup | starting | warming | trial | idle
    executor: str | None
    since: float
    timeout: float | None  # seconds; None: only the hard deadline
    round: int = 0


class _Watch:
    """Turns runner events into :class:`Measurements` and decides when to kill."""

    def __init__(
        self, measurements: Measurements, progress: Progress | None, t0: float, budget: float
    ) -> None:
        self.m = measurements
        self.progress = progress
        self.t0 = t0
        self.budget = budget
        self.phase = _Phase("import", None, time.monotonic(), None)
        self.target_error: str | None = None
        self.done = False

    def _say(self, text: str) -> None:
        if self.progress is not None:
            self.progress(text, min(1.0, (time.monotonic() - self.t0) / self.budget))

    def handle(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        now = time.monotonic()
        records = self.m.records
        if kind == "ready":
            self.m.is_async = bool(event.get("is_async"))
            if self.m.runner_startup is None:
                self.m.runner_startup = now - self.t0
            self.phase = _Phase("warmup" if self.m.warmup is None else "idle", None, now, None)
            self._say("warm-up call")
        elif kind == "target_error":
            self.target_error = str(event.get("message"))
        elif kind == "warmup":
            self.m.warmup = {k: v for k, v in event.items() if k != "event"}
            self.m.is_async = bool(event.get("is_async"))
            self.phase = _Phase("idle", None, now, None)
        elif kind == "warmup_error":
            record = records["serial"]
            record.status = "failed"
            record.reason = f"{event.get('kind')}: {event.get('message')}".rstrip(": ")
            for name in EXECUTORS[1:]:
                _skip(records[name], "not measured: the function raised in the warm-up call")
        elif kind == "plan":
            self.m.plan = {k: v for k, v in event.items() if k != "event"}
        elif kind == "skip":
            _skip(records[str(event["executor"])], str(event.get("reason")))
        elif kind == "starting":
            self.phase = _Phase("starting", str(event["executor"]), now, START_TIMEOUT_SECONDS)
            self._say(f"starting {event['executor']}")
        elif kind == "warming":
            timeout = trial_timeout(float(event.get("expected") or 0.0))
            self.phase = _Phase("warming", str(event["executor"]), now, timeout)
        elif kind == "ready_to_time":
            records[str(event["executor"])].startup = float(event["seconds"])
            self.phase = _Phase("idle", None, now, None)
        elif kind == "trial_start":
            name = str(event["executor"])
            previous = records[name].walls[-1] if records[name].walls else None
            timeout = trial_timeout(float(event.get("expected") or 0.0), previous)
            self.phase = _Phase("trial", name, now, timeout, int(event.get("round", 0)))
            rounds = (self.m.plan or {}).get("rounds", "?")
            self._say(f"round {event.get('round')}/{rounds}: {name}")
        elif kind == "trial":
            record = records[str(event["executor"])]
            record.walls.append(float(event["wall"]))
            record.cpus.append(float(event["cpu"]))
            record.queued.append(float(event.get("queued") or 0.0))
            self.phase = _Phase("idle", None, now, None)
        elif kind == "trial_error":
            record = records[str(event["executor"])]
            record.status = "failed"
            message = event.get("message") or ""
            record.reason = f"{event.get('kind')}: {message}" if message else str(event["kind"])
            if event.get("exitcode") is not None:
                record.exitcode = int(event["exitcode"])
            self.phase = _Phase("idle", None, now, None)
        elif kind == "out_of_time":
            self.m.notes.append(
                f"the budget allowed {int(event.get('round', 1)) - 1} round(s), fewer than planned"
            )
        elif kind == "settled":
            self.m.notes.append(
                f"stopped after {event.get('round')} rounds: the fastest was clearly ahead"
            )
        elif kind == "internal_error":
            self.m.notes.append("the probe's runner failed: " + str(event.get("traceback")))
        elif kind == "done":
            self.done = True

    def attribute_death(self, code: int | None) -> None:
        """The runner died on its own: blame the function call it was making."""
        how = describe_exit(code) if code is not None else "closed its output"
        phase = self.phase
        records = self.m.records
        if phase.kind == "import":
            self.target_error = f"importing {self.m.target!r} killed the process ({how})"
        elif phase.kind == "warmup":
            record = records["serial"]
            record.status, record.exitcode = "failed", code
            record.reason = f"the process running the function died ({how})"
            for name in EXECUTORS[1:]:
                _skip(
                    records[name],
                    "not measured: the function killed the process in the warm-up call",
                )
        elif phase.executor is not None:
            record = records[phase.executor]
            record.status, record.exitcode = "failed", code
            record.reason = f"the process running the function died ({how})"
        else:
            self.m.notes.append(f"the probe's runner died between trials ({how})")

    def attribute_timeout(self, waited: float, hard: bool) -> None:
        phase = self.phase
        records = self.m.records
        if phase.kind == "import":
            self.target_error = (
                f"importing {self.m.target!r} did not finish within the budget ({waited:.1f} s)"
            )
        elif phase.kind == "warmup":
            record = records["serial"]
            record.status = "timeout"
            record.reason = f"the warm-up call did not return within {waited:.1f} s"
            for name in EXECUTORS[1:]:
                _skip(records[name], "not measured: the warm-up call under serial hung")
        elif phase.executor is not None:
            record = records[phase.executor]
            if hard and record.walls and phase.timeout is not None and waited < phase.timeout:
                self.m.notes.append(
                    f"the budget ran out during a {phase.executor} round; it was dropped"
                )
                return
            record.status = "timeout"
            what = {"starting": "start", "warming": "finish its untimed warm-up batch"}.get(
                phase.kind, "finish a round"
            )
            record.reason = f"did not {what} within {waited:.1f} s: the function hangs or stalls"


def _skip(record: ExecutorRecord, reason: str) -> None:
    if record.status is None:
        record.status, record.reason = "skipped", reason


def _pending(m: Measurements) -> list[str]:
    rounds = int((m.plan or {}).get("rounds", 0))
    return [
        name
        for name, record in m.records.items()
        if record.status is None and len(record.walls) < rounds
    ]


def measure(config: RunConfig, progress: Progress | None = None) -> Measurements:
    """Run the probe's measurements in isolated runner processes; never leaves one behind.

    Raises :class:`TargetError` when the target (or ``--inputs``) cannot be imported.
    """
    t0 = time.monotonic()
    hard_deadline = t0 + config.budget + GRACE_SECONDS
    soft_deadline = t0 + config.budget - RESERVE_SECONDS
    m = Measurements(target=config.spec)
    executors = list(EXECUTORS)
    while True:
        runner_config = {
            "spec": config.spec,
            "cwd": config.cwd,
            "sys_path": list(config.sys_path),
            "args": list(config.args),
            "kwargs": dict(config.kwargs),
            "inputs": config.inputs,
            "calls": list(config.calls) if config.calls is not None else None,
            "tasks": config.tasks,
            "workers": config.workers,
            "cpus": config.cpus,
            "start_method": config.start_method,
            "executors": executors,
            "warmup": m.warmup,
            "plan": _remaining_plan(m, executors),
            "deadline_wall": time.time() + (soft_deadline - time.monotonic()),
        }
        m.runners += 1
        watch = _Watch(m, progress, t0, config.budget)
        watch._say("starting the runner")
        runner = _Runner(runner_config, config.cwd)
        outcome = _Outcome.DONE
        try:
            outcome = _follow(runner, watch, hard_deadline)
        finally:
            runner.kill()
        if watch.target_error is not None:
            m.elapsed = time.monotonic() - t0
            raise TargetError(watch.target_error)
        if outcome != _Outcome.KILLED or m.warmup is None or m.plan is None:
            break
        executors = _pending(m)
        if not executors or soft_deadline - time.monotonic() < MIN_RESTART_SECONDS:
            break
        m.notes.append(
            f"restarted the runner without the faulty executor ({', '.join(executors)} left)"
        )
    for record in m.records.values():
        if record.status is None and not record.walls:
            record.status = "skipped"
            record.reason = record.reason or "not measured: the budget ran out first"
    m.elapsed = time.monotonic() - t0
    return m


def _remaining_plan(m: Measurements, executors: list[str]) -> dict[str, Any] | None:
    if m.plan is None:
        return None
    plan = dict(m.plan)
    done = min((len(m.records[name].walls) for name in executors), default=0)
    plan["rounds"] = max(1, int(plan["rounds"]) - done)
    return plan


def _follow(runner: _Runner, watch: _Watch, hard_deadline: float) -> str:
    while True:
        try:
            event = runner.events.get(timeout=TICK_SECONDS)
        except queue.Empty:
            event = {}
        if event is None:  # EOF: the runner exited (or closed stdout)
            try:
                code: int | None = runner.proc.wait(timeout=5.0)
            except subprocess.TimeoutExpired:
                code = None  # closed its output but lives on: killed by the caller
            if watch.done:
                return _Outcome.DONE
            watch.attribute_death(code)
            return _Outcome.KILLED
        if event:
            watch.handle(event)
            if watch.done or watch.target_error is not None:
                return _Outcome.DONE
            continue
        now = time.monotonic()
        phase = watch.phase
        if phase.timeout is not None and now - phase.since > phase.timeout:
            watch.attribute_timeout(now - phase.since, hard=False)
            return _Outcome.KILLED
        if now > hard_deadline:
            watch.attribute_timeout(now - phase.since, hard=True)
            return _Outcome.DEADLINE
        exited = runner.proc.poll()
        if exited is not None:
            # Exited without closing stdout (a forked worker still holds it): drain first.
            while True:
                try:
                    late = runner.events.get(timeout=TICK_SECONDS)
                except queue.Empty:
                    break
                if late is None:
                    break
                watch.handle(late)
            if watch.done or watch.target_error is not None:
                return _Outcome.DONE
            watch.attribute_death(exited)
            return _Outcome.KILLED
