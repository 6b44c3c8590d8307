"""Parent side of the isolation: start the runner, watch the clock, kill, restart, collect.

The runner (:mod:`concadvisor.probing._runner`) runs in a new session, so it and every
process it starts (pool workers, the forkserver, the resource tracker) share one process
group; on Linux it is also the subreaper of anything that leaves that group, and
:func:`~concadvisor.isolation.kill_tree` takes the whole tree down at once.  Events arrive on a pipe
that the main thread reads itself, non-blocking, with ``select`` and the clock: no thread
and no lock can be held hostage by a stranger that keeps the pipe open.

- each trial has its own deadline (:func:`~concadvisor.probing.planning.trial_timeout`); a
  trial past it is a hang: the tree is killed, that executor is marked ``timeout`` and,
  if the budget allows, a fresh runner continues with the other executors (the warm-up
  and the plan are reused, the results so far are kept);
- the runner dying (``os._exit``, a segfault) is attributed to what it was doing;
- a step that measures the function (the warm-up call, a timed round, a sweep trial)
  may run :data:`GRACE_SECONDS` past the budget, so that a round the runner began in time
  still counts; any other step (starting the runner, importing the target, starting or
  warming a pool) yields no measurement, so it is killed at the budget itself
  (:data:`GRACED_PHASES`); either way a step cut by the budget is "not measured", not a
  hang;
- an event that fails the protocol's checks (:class:`~.protocol.ProtocolError`) ends the
  run: the runner is no longer trusted, nothing it says after that is used;
- Ctrl-C (``KeyboardInterrupt``) kills the tree before it propagates.

Whatever the path, the tree is killed and the runner reaped before this module returns:
no child process is left behind.
"""

from __future__ import annotations

import contextlib
import os
import select
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import BudgetError, TargetError
from ..isolation import kill_tree, start_isolated
from .executors import describe_exit
from .interpreter import PythonInfo
from .planning import EXECUTORS, trial_timeout
from .protocol import (
    Done,
    Event,
    EventReader,
    FreeCpus,
    Hello,
    InputsTaken,
    InternalError,
    OutOfTime,
    Phase,
    PlanData,
    Planned,
    ProtocolError,
    Ready,
    RunnerConfig,
    Settled,
    SetupDone,
    Skipped,
    Started,
    Starting,
    SweepNote,
    SweepTrialDone,
    SweepTrialStarted,
    TargetFailed,
    TrialDone,
    TrialFailed,
    TrialStarted,
    Warming,
    Warmup,
    WarmupDone,
    WarmupFailed,
    new_token,
)
from .selection import select_executors

__all__ = [
    "GRACED_PHASES",
    "GRACE_SECONDS",
    "ExecutorRecord",
    "Measurements",
    "RunConfig",
    "measure",
]

#: The hard deadline is budget + this: time for the runner to notice its own deadline and
#: for a step that measures the function to end (see :data:`GRACED_PHASES`).  Killing the
#: tree and building the report come after it, and the probe returns within budget + 1 s:
#: a hung warm-up call took budget + 0.98 s (start-up aside) with 0.75 s here, loaded.
GRACE_SECONDS = 0.5
#: The phases that may use the grace: each ends in a measurement (the warm-up result, a
#: round, a sweep trial) or is the runner wrapping up between them.  The others -- spawn,
#: import, inputs, starting, warming -- produce nothing the report could use past the
#: budget (a pool that finishes starting has measured nothing yet), and starting 1024
#: processes can take longer than any grace: they are cut at the budget.
GRACED_PHASES = frozenset({"warmup", "idle", "trial", "sweep"})
#: Kept free at the end of the budget for building the report.
RESERVE_SECONDS = 0.1
#: A restart after a hang or crash is only worth it with this much budget left.
MIN_RESTART_SECONDS = 0.5
#: A pool that takes longer than this to start (every worker up, target imported) hangs.
START_TIMEOUT_SECONDS = 10.0
#: How often the watcher wakes up to check the clock and the runner.
TICK_SECONDS = 0.05
#: After the runner's pipe closes, how long it may take to exit before it counts as alive.
EXIT_WAIT_SECONDS = 0.5
#: How long reaping a SIGKILLed runner may take.
REAP_SECONDS = 2.0

Progress = Callable[[str, float], None]


@dataclass
class ExecutorRecord:
    """What was measured for one executor (raw; statistics come later)."""

    name: str
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    queued: list[float] = field(default_factory=list)
    #: User and system CPU seconds of each round (None: not told apart).
    users: list[float | None] = field(default_factory=list)
    systems: list[float | None] = field(default_factory=list)
    #: The highest peak RSS of one worker process over the rounds (bytes; processes only).
    peak_rss: int | None = None
    startup: float | None = None
    status: str | None = None  # None until a fault or a skip decides it
    reason: str | None = None
    exitcode: int | None = None
    #: The width sweep's trials: (width, chunksize, tasks, wall seconds); width 0: unbounded.
    sweep: list[tuple[int, int | None, int, float]] = field(default_factory=list)
    #: Seconds spent starting the sweep's pools (apart from every timed trial).
    sweep_startup: float = 0.0
    #: The per-worker setup in the main pool: workers set up, total and slowest seconds.
    setup_workers: int = 0
    setup_total: float = 0.0
    setup_slowest: float = 0.0
    #: Seconds the setup took in the sweep's pools (apart from every timed trial).
    sweep_setup: float = 0.0


@dataclass
class Measurements:
    """Everything the runner(s) reported."""

    target: str
    is_async: bool = False
    setup: str | None = None  # the per-worker setup's spec
    warmup: dict[str, Any] | None = None
    plan: dict[str, Any] | None = None
    records: dict[str, ExecutorRecord] = field(
        default_factory=lambda: {name: ExecutorRecord(name) for name in EXECUTORS}
    )
    notes: list[str] = field(default_factory=list)
    runners: int = 0
    elapsed: float = 0.0
    runner_startup: float | None = None
    python: PythonInfo | None = None  # the runner's interpreter, GIL after the import
    #: CPUs the runner got when it asked for all of them: "before" / "after" the main rounds.
    free_cpus: dict[str, float] = field(default_factory=dict)


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
    python: str | None = None  # the runner's interpreter (None: this one)
    setup: str | None = None  # the per-worker setup, MODULE:FUNC
    #: The executors to measure (selection.select_executors); None: the default set.
    executors: tuple[str, ...] | None = None
    #: A Dask scheduler address for the dask executor (None: a LocalCluster).
    scheduler: str | None = None


class _Outcome:
    DONE = "done"
    KILLED = "killed"  # a fault was attributed; maybe restart
    DEADLINE = "deadline"
    UNTRUSTED = "untrusted"  # the event stream failed the protocol's checks


class _Runner:
    """One runner process and both ends of its pipes, read and written without blocking."""

    def __init__(self, config: RunnerConfig, python: str | None = None) -> None:
        try:
            self._pending = config.encode()
        except Exception as exc:
            raise TargetError(
                f"the arguments cannot be sent to the probe's runner process: "
                f"{type(exc).__name__}: {exc}"
            ) from None
        self.started = time.monotonic()
        try:
            self.proc = start_isolated(
                [python or sys.executable, "-m", "concadvisor.probing._runner"],
                cwd=config.cwd,
                debug=bool(os.environ.get("CONCADVISOR_PROBE_DEBUG")),
            )
        except OSError as exc:
            raise TargetError(
                f"cannot start the probe's runner in {config.cwd}: {exc.strerror or exc}"
            ) from None
        assert self.proc.stdout is not None
        assert self.proc.stdin is not None
        self._out = self.proc.stdout.fileno()
        self._in = self.proc.stdin.fileno()
        os.set_blocking(self._out, False)
        os.set_blocking(self._in, False)
        self.reader = EventReader(config.token)
        self.eof = False
        # stdin stays open after the config: it is the runner's dead man's switch.

    def poll(self, timeout: float) -> list[Event]:
        """Events that arrive within ``timeout`` seconds (raises :class:`ProtocolError`)."""
        if self.eof and not self._pending:
            time.sleep(max(0.0, timeout))
            return []
        readable = [] if self.eof else [self._out]
        writable = [self._in] if self._pending else []
        ready_r, ready_w, _ = select.select(readable, writable, [], max(0.0, timeout))
        if ready_w:
            try:
                sent = os.write(self._in, self._pending[: 1 << 16])
                self._pending = self._pending[sent:]
            except BlockingIOError:
                pass
            except OSError:  # the runner died at once; its exit is seen by the caller
                self._pending = b""
        if not ready_r:
            return []
        try:
            data = os.read(self._out, 1 << 16)
        except BlockingIOError:
            return []
        except OSError:
            data = b""
        if not data:
            self.eof = True
            return []
        return self.reader.feed(data)

    def wait_exit(self, timeout: float) -> int | None:
        """The runner's exit code if it exits within ``timeout`` seconds, else None."""
        try:
            return self.proc.wait(timeout=max(0.0, timeout))
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> int | None:
        """Kill the runner's whole tree, reap the runner, close the pipes; never blocks long."""
        kill_tree(self.proc.pid, self.proc.pid if os.name == "posix" else None)
        code = self.wait_exit(REAP_SECONDS)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        return code


@dataclass
class _Phase:
    kind: str  # spawn | import | inputs | setup | warmup | idle | starting | warming | trial
    executor: str | None
    since: float
    timeout: float | None  # seconds; None: only the hard deadline
    round: int = 0


#: What a step cut by the budget is called, per phase that runs an executor.
_CUT_BY_BUDGET = {
    "starting": "the budget ran out while its pool was starting",
    "warming": "the budget ran out during its untimed warm-up batch",
    "trial": "the budget ran out during its first round",
}
#: What a step past its own timeout is called.
_HUNG = {
    "starting": "the pool did not start within {waited:.1f} s",
    "warming": "did not finish its untimed warm-up batch within {waited:.1f} s: the function "
    "hangs or stalls",
    "trial": "did not finish a round within {waited:.1f} s: the function hangs or stalls",
}


class _Watch:
    """Turns runner events into :class:`Measurements` and decides when to kill."""

    def __init__(
        self, measurements: Measurements, progress: Progress | None, t0: float, budget: float
    ) -> None:
        self.m = measurements
        self.progress = progress
        self.t0 = t0
        self.budget = budget
        self.phase = _Phase("spawn", None, time.monotonic(), None)
        self.target_error: str | None = None
        self.budget_error: str | None = None
        self.warmup: Warmup | None = None
        self.plan: PlanData | None = None
        self.done = False
        self.stopped = False  # the runner reported an internal error: nothing more to wait for

    def _say(self, text: str) -> None:
        if self.progress is not None:
            self.progress(text, min(1.0, (time.monotonic() - self.t0) / self.budget))

    def _enter(self, kind: str, executor: str | None = None, timeout: float | None = None) -> None:
        self.phase = _Phase(kind, executor, time.monotonic(), timeout)

    @property
    def finished(self) -> bool:
        return self.done or self.stopped or self.target_error is not None

    def handle(self, event: Event) -> None:
        """Apply one event; :class:`ProtocolError` if it makes no sense now."""
        records = self.m.records
        if isinstance(event, Hello):
            self._enter("import")
        elif isinstance(event, Phase):
            # The main thread's setup runs for serial: its result is serial's.
            self._enter(event.name, "serial" if event.name == "setup" else None)
            if event.name == "warmup":
                self._say("warm-up call")
        elif isinstance(event, InputsTaken):
            if not event.complete:
                self.m.notes.append(
                    f"--inputs: took the first {event.count} items (a round needs no more)"
                )
        elif isinstance(event, TargetFailed):
            self.target_error = event.message
        elif isinstance(event, Ready):
            self.m.is_async = event.is_async
            self.m.python = event.python
            if self.m.runner_startup is None:
                self.m.runner_startup = time.monotonic() - self.t0
            self._enter("idle")
        elif isinstance(event, WarmupDone):
            self.warmup = event.result
            self.m.warmup = event.result.model_dump()
            self.m.is_async = event.result.is_async
            self._enter("idle")
        elif isinstance(event, WarmupFailed):
            record = records["serial"]
            record.status = "failed"
            record.reason = f"{event.kind}: {event.message}".rstrip(": ")
            for name in list(records)[1:]:
                _skip(records[name], "not measured: the function raised in the warm-up call")
        elif isinstance(event, Planned):
            self.plan = event.plan
            self.m.plan = event.plan.model_dump()
        elif isinstance(event, Skipped):
            _skip(records[event.executor], event.reason)
        elif isinstance(event, Starting):
            self._enter("starting", event.executor, START_TIMEOUT_SECONDS)
            self._say(f"starting {event.executor}")
        elif isinstance(event, Warming):
            self._expect_phase(event, "starting", event.executor)
            self._enter("warming", event.executor, trial_timeout(event.expected))
        elif isinstance(event, SetupDone):
            record = records[event.executor]
            if event.sweep:
                record.sweep_setup += event.total
            else:
                self._expect_phase(event, ("setup", "starting"), event.executor)
                record.setup_workers = event.workers
                record.setup_total, record.setup_slowest = event.total, event.slowest
        elif isinstance(event, Started):
            self._expect_phase(event, ("starting", "warming"), event.executor)
            records[event.executor].startup = event.seconds
            self._enter("idle")
        elif isinstance(event, TrialStarted):
            record = records[event.executor]
            previous = record.walls[-1] if record.walls else None
            self._enter("trial", event.executor, trial_timeout(event.expected, previous))
            self.phase.round = event.round
            rounds = self.plan.rounds if self.plan is not None else "?"
            self._say(f"round {event.round}/{rounds}: {event.executor}")
        elif isinstance(event, TrialDone):
            self._expect_phase(event, "trial", event.executor, event.round)
            record = records[event.executor]
            record.walls.append(event.wall)
            record.cpus.append(event.cpu)
            record.queued.append(event.queued)
            record.users.append(event.user)
            record.systems.append(event.system)
            if event.peak_rss is not None:
                record.peak_rss = max(record.peak_rss or 0, event.peak_rss)
            self._enter("idle")
        elif isinstance(event, FreeCpus):
            self.m.free_cpus[event.when] = event.cpus
        elif isinstance(event, TrialFailed):
            record = records[event.executor]
            record.status = "failed"
            record.reason = f"{event.kind}: {event.message}" if event.message else event.kind
            if event.exitcode is not None:
                record.exitcode = event.exitcode
            self._enter("idle")
        elif isinstance(event, OutOfTime):
            self.m.notes.append(
                f"the budget allowed {event.round - 1} round(s), fewer than planned"
            )
        elif isinstance(event, Settled):
            self.m.notes.append(
                f"stopped after {event.round} rounds: the fastest was clearly ahead"
            )
        elif isinstance(event, SweepTrialStarted):
            self._enter("sweep", event.executor, trial_timeout(event.expected))
            self._say(f"width sweep: {event.executor} x {event.width or 'unbounded'}")
        elif isinstance(event, SweepTrialDone):
            self._expect_phase(event, "sweep", event.executor)
            record = records[event.executor]
            record.sweep.append((event.width, event.chunksize, event.tasks, event.wall))
            record.sweep_startup += event.startup
            self._enter("idle")
        elif isinstance(event, SweepNote):
            self.m.notes.append(event.text)
        elif isinstance(event, InternalError):
            last = event.traceback.strip().splitlines()[-1:] or ["?"]
            self.m.notes.append(f"the probe's runner failed: {last[0]}")
            self.stopped = True
        elif isinstance(event, Done):
            self.done = True

    def _expect_phase(
        self,
        event: Event,
        kinds: str | tuple[str, ...],
        executor: str,
        round_index: int | None = None,
    ) -> None:
        """A result counts only for the step the parent saw start: no forged results."""
        phase = self.phase
        allowed = (kinds,) if isinstance(kinds, str) else kinds
        if (
            phase.kind not in allowed
            or phase.executor != executor
            or (round_index is not None and phase.round != round_index)
        ):
            raise ProtocolError(
                f"a {type(event).__name__} event for {executor} while the runner was "
                f"{phase.kind}{' ' + phase.executor if phase.executor else ''}"
            )

    def attribute_untrusted(self, problem: ProtocolError) -> None:
        """The event stream broke its protocol: what was running is not measured."""
        reason = f"the probe's event pipe carried {problem}"
        phase = self.phase
        records = self.m.records
        self.m.notes.append(f"stopped trusting the probe's runner: {problem}")
        if phase.kind in ("spawn", "import", "inputs", "setup"):
            self.target_error = f"cannot probe {self.m.target!r}: {reason}"
            return
        if phase.kind == "warmup":
            records["serial"].status = "failed"
            records["serial"].reason = reason
        elif phase.executor is not None and records[phase.executor].status is None:
            records[phase.executor].status = "failed"
            records[phase.executor].reason = reason
        for record in records.values():
            if not record.walls:
                _skip(record, "not measured: the probe's runner was no longer trusted")

    def attribute_death(self, code: int | None) -> None:
        """The runner died on its own (or closed its pipe): blame the call it was making."""
        phase = self.phase
        records = self.m.records
        if code is None:
            how = "it closed the probe's pipe and did not exit: does it close descriptors?"
            died = f"the function stopped the probe's runner from reporting ({how})"
        else:
            how = describe_exit(code)
            died = f"the process running the function died ({how})"
        if phase.kind == "spawn":
            self.target_error = f"the probe's runner could not start ({how})"
        elif phase.kind == "import":
            self.target_error = f"importing {self.m.target!r} killed the process ({how})"
        elif phase.kind == "inputs":
            self.target_error = f"the --inputs factory killed the process ({how})"
        elif phase.kind == "setup":
            self.target_error = f"setup {self.m.setup} killed the process ({how})"
        elif phase.kind == "warmup":
            record = records["serial"]
            record.status, record.exitcode = "failed", code
            record.reason = died
            verb = "killed" if code is not None else "silenced"
            for name in list(records)[1:]:
                _skip(
                    records[name],
                    f"not measured: the function {verb} the process in the warm-up call",
                )
        elif phase.kind == "sweep":
            self.m.notes.append(
                f"sweep: the process running the function died during a {phase.executor} "
                f"sweep trial ({how}); the points before it stand"
            )
        elif phase.executor is not None:
            record = records[phase.executor]
            record.status, record.exitcode = "failed", code
            record.reason = died
        else:
            self.m.notes.append(f"the probe's runner died between trials ({how})")

    def attribute_timeout(self, waited: float, hard: bool) -> None:
        phase = self.phase
        records = self.m.records
        if phase.kind == "spawn":
            self.budget_error = (
                f"the budget of {self.budget:g} s ran out before the probe's runner had "
                f"started ({waited:.1f} s): give a larger --budget"
            )
        elif phase.kind == "import":
            self.target_error = (
                f"importing {self.m.target!r} did not finish within the budget ({waited:.1f} s)"
            )
        elif phase.kind == "inputs":
            self.target_error = (
                f"the --inputs factory of {self.m.target!r} gave no inputs within the budget "
                f"({waited:.1f} s)"
            )
        elif phase.kind == "setup":
            self.target_error = (
                f"setup {self.m.setup} did not return within the budget ({waited:.1f} s)"
            )
        elif phase.kind == "warmup":
            record = records["serial"]
            record.status = "timeout"
            record.reason = f"the warm-up call did not return within the budget ({waited:.1f} s)"
            for name in list(records)[1:]:
                _skip(records[name], "not measured: the warm-up call under serial hung")
        elif phase.kind == "sweep":
            what = "the budget ran out during" if hard else "the function hung in"
            self.m.notes.append(
                f"sweep: {what} a {phase.executor} sweep trial ({waited:.1f} s); the points "
                "before it stand"
            )
        elif phase.executor is not None:
            record = records[phase.executor]
            if hard and (phase.timeout is None or waited < phase.timeout):
                if record.walls:
                    self.m.notes.append(
                        f"the budget ran out during a {phase.executor} round; it was dropped"
                    )
                else:
                    _skip(record, f"not measured: {_CUT_BY_BUDGET[phase.kind]} ({waited:.1f} s)")
                return
            record.status = "timeout"
            record.reason = _HUNG[phase.kind].format(waited=waited)


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

    Raises :class:`TargetError` when the target (or ``--inputs``) cannot be imported, and
    :class:`BudgetError` when the budget ends before the runner could even start.
    """
    t0 = time.monotonic()
    deadlines = _Deadlines(t0 + config.budget, t0 + config.budget + GRACE_SECONDS)
    soft_deadline = t0 + config.budget - RESERVE_SECONDS
    executors = list(config.executors or select_executors(scheduler=config.scheduler))
    m = Measurements(
        target=config.spec,
        setup=config.setup,
        records={name: ExecutorRecord(name) for name in executors},
    )
    warmup: Warmup | None = None
    plan: PlanData | None = None
    while True:
        runner_config = RunnerConfig(
            spec=config.spec,
            cwd=config.cwd,
            token=new_token(),
            deadline_wall=time.time() + (soft_deadline - time.monotonic()),
            cpus=config.cpus,
            start_method=config.start_method,
            executors=tuple(executors),
            sys_path=tuple(config.sys_path),
            args=tuple(config.args),
            kwargs=dict(config.kwargs),
            inputs=config.inputs,
            calls=config.calls,
            tasks=config.tasks,
            workers=config.workers,
            setup=config.setup,
            warmup=warmup,
            plan=_remaining_plan(m, plan, executors),
            scheduler=config.scheduler,
        )
        m.runners += 1
        watch = _Watch(m, progress, t0, config.budget)
        watch.warmup, watch.plan = warmup, plan
        watch._say("starting the runner")
        runner = _Runner(runner_config, config.python)
        outcome = _Outcome.DONE
        try:
            outcome = _follow(runner, watch, deadlines)
        finally:
            runner.kill()
        warmup, plan = watch.warmup, watch.plan
        if watch.target_error is not None or watch.budget_error is not None:
            m.elapsed = time.monotonic() - t0
            if watch.target_error is not None:
                raise TargetError(watch.target_error)
            raise BudgetError(str(watch.budget_error))
        if outcome != _Outcome.KILLED or warmup is None or plan is None:
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


def _remaining_plan(
    m: Measurements, plan: PlanData | None, executors: list[str]
) -> PlanData | None:
    if plan is None:
        return None
    done = min((len(m.records[name].walls) for name in executors), default=0)
    return plan.model_copy(update={"rounds": max(1, plan.rounds - done)})


def _untrusted(watch: _Watch, problem: ProtocolError) -> str:
    watch.attribute_untrusted(problem)
    return _Outcome.UNTRUSTED


def _apply(watch: _Watch, events: Sequence[Event]) -> str | None:
    """Hand ``events`` to ``watch`` in order; the outcome if they end the run, else None."""
    try:
        for event in events:
            watch.handle(event)
            if watch.finished:
                return _Outcome.DONE
    except ProtocolError as problem:
        return _untrusted(watch, problem)
    return None


@dataclass(frozen=True)
class _Deadlines:
    """The end of the budget, and the hard deadline a measuring step may run to."""

    budget: float
    hard: float

    def of(self, phase: _Phase) -> float:
        return self.hard if phase.kind in GRACED_PHASES else self.budget


def _follow(runner: _Runner, watch: _Watch, deadlines: _Deadlines) -> str:
    """Read events and watch the clock until the run ends; every wait has the deadline
    of the step the runner is in."""
    while True:
        now = time.monotonic()
        hard_deadline = deadlines.of(watch.phase)
        try:
            events = runner.poll(min(TICK_SECONDS, max(0.0, hard_deadline - now)))
        except ProtocolError as problem:
            return _apply(watch, problem.before) or _untrusted(watch, problem)
        outcome = _apply(watch, events)
        if outcome is not None:
            return outcome
        if events:
            continue
        now = time.monotonic()
        phase = watch.phase
        hard_deadline = deadlines.of(phase)
        if phase.timeout is not None and now - phase.since > phase.timeout:
            watch.attribute_timeout(now - phase.since, hard=False)
            return _Outcome.KILLED
        if now > hard_deadline:
            watch.attribute_timeout(now - phase.since, hard=True)
            return _Outcome.DEADLINE
        exited = runner.proc.poll()
        if runner.eof and exited is None:
            # The pipe closed: give the runner a moment to exit, within the deadline.
            exited = runner.wait_exit(min(EXIT_WAIT_SECONDS, hard_deadline - now))
            watch.attribute_death(exited)
            return _Outcome.KILLED
        if exited is not None:
            # Exited, maybe without closing the pipe (a forked worker still holds it):
            # what it wrote before dying is already in the pipe.
            try:
                last = runner.poll(0.0) if not runner.eof else []
            except ProtocolError as problem:
                return _apply(watch, problem.before) or _untrusted(watch, problem)
            outcome = _apply(watch, last)
            if outcome is not None:
                return outcome
            watch.attribute_death(exited)
            return _Outcome.KILLED
