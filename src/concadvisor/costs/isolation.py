"""Parent side of ``concadvisor calibrate``: run the measuring in a killable process group.

:func:`calibrate_isolated` starts :mod:`concadvisor.costs._runner` in a new session and
follows its events until it finishes, fails, dies or overruns the budget; then, whatever
happened -- including Ctrl-C (``KeyboardInterrupt``) here -- it kills the runner's whole
process group and reaps the runner before returning.  If this process is killed outright
(SIGTERM, SIGKILL), the runner's watchdog sees its pipe close and kills the group itself.
No child process outlives a calibration, and no child ever prints: the runner's session
has no terminal, so Ctrl-C reaches only this process.

The samples arrive as they are measured, so a runner stopped at the hard deadline still
yields a calibration of what it measured (the rest keeps its defaults, and says so).
"""

from __future__ import annotations

import contextlib
import os
import queue
import sys
import threading
import time
from collections.abc import Sequence
from typing import IO

from ..errors import ConcadvisorError
from ..isolation import kill_tree, start_isolated
from ..profile import StartMethod
from .calibration import Calibration, Collector, ProgressCallback
from .events import Event, Failed, Finished, RunnerConfig, decode

__all__ = ["GRACE_SECONDS", "RESERVE_SECONDS", "CalibrationError", "calibrate_isolated"]

#: Kept free at the end of the budget for building, saving and printing the result.
RESERVE_SECONDS = 0.25
#: The runner is killed this long after the end of the budget, whatever it is doing.
GRACE_SECONDS = 0.75
#: How often the parent wakes up to check the clock and the runner.
TICK_SECONDS = 0.05


STOPPED_AT_DEADLINE = "stopped at the end of the budget"


class CalibrationError(ConcadvisorError):
    """The calibration could not run (the runner failed before measuring anything)."""


class _Runner:
    """The runner process, its event reader, and the kill that ends both."""

    def __init__(self, config: RunnerConfig) -> None:
        debug = bool(os.environ.get("CONCADVISOR_CALIBRATE_DEBUG"))
        self.proc = start_isolated(
            [sys.executable, "-m", "concadvisor.costs._runner", config.model_dump_json()],
            debug=debug,
        )
        self.events: queue.Queue[Event | None] = queue.Queue()
        assert self.proc.stdout is not None
        self._reader = threading.Thread(
            target=self._read, args=(self.proc.stdout,), name="calibrate-events", daemon=True
        )
        self._reader.start()

    def _read(self, stream: IO[bytes]) -> None:
        with contextlib.suppress(ValueError, OSError):
            for line in stream:
                event = decode(line)
                if event is not None:
                    self.events.put(event)
        self.events.put(None)

    def kill(self) -> None:
        """Kill the whole process group, reap the runner, close the pipes."""
        kill_tree(self.proc.pid, self.proc.pid if os.name == "posix" else None)
        self.proc.wait()
        self._reader.join(timeout=2.0)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


def _follow(runner: _Runner, collector: Collector, hard_deadline: float) -> str | None:
    """Feed the runner's events to ``collector`` until it is done; None when it finished,
    else why it stopped early."""
    while True:
        try:
            event = runner.events.get(timeout=TICK_SECONDS)
        except queue.Empty:
            if runner.proc.poll() is not None:  # exited, a forked worker still holds stdout
                return f"the measuring process exited (code {runner.proc.returncode}) early"
        else:
            if event is None:
                return f"the measuring process exited (code {runner.proc.poll()}) early"
            collector.feed(event)
            if isinstance(event, Finished):
                return None
            if isinstance(event, Failed):
                return f"the measuring failed: {event.error}"
        if time.monotonic() > hard_deadline:
            return STOPPED_AT_DEADLINE


def calibrate_isolated(
    budget: float,
    *,
    methods: Sequence[StartMethod] | None = None,
    progress: ProgressCallback | None = None,
    started: float | None = None,
) -> Calibration:
    """Measure this machine in an isolated runner; all of it within ``budget`` seconds of
    ``started`` (a :func:`time.monotonic` reading, default now) plus a fraction of one.

    Raises :class:`CalibrationError` when the runner measured nothing at all.
    """
    t0 = time.monotonic() if started is None else started
    end = t0 + budget - RESERVE_SECONDS
    config = RunnerConfig(
        deadline_wall=time.time() + (end - time.monotonic()),
        spawned_wall=time.time(),
        methods=tuple(methods) if methods is not None else None,
    )
    collector = Collector(progress)
    runner = _Runner(config)
    try:
        stopped = _follow(runner, collector, end + GRACE_SECONDS)
    finally:
        runner.kill()
    if collector.started is None:
        why = collector.failure or stopped or "nothing was measured"
        if stopped == STOPPED_AT_DEADLINE:
            why = (
                f"the {budget:g} s budget ran out before the measuring process started "
                "(give a larger --budget)"
            )
        raise CalibrationError(f"calibration failed: {why}")
    result = collector.calibration(budget, time.monotonic() - t0, unfinished=stopped)
    if not result.measurements:  # all defaults: not a calibration, whatever it would say
        raise CalibrationError(
            f"calibration failed: the {budget:g} s budget was too small to measure anything "
            "(give a larger --budget)"
        )
    return result
