"""The isolated calibration process: ``python -m concadvisor.costs._runner CONFIG``.

The parent (:mod:`concadvisor.costs.isolation`) starts it in a new session, so that it and
everything it starts -- pool workers, the forkserver, multiprocessing's resource tracker --
form one process group, out of reach of the terminal's Ctrl-C and taken down at once by
one :func:`os.killpg`.  Its stdin is a pipe whose other end only the parent holds: EOF on
it means the parent is gone (even by SIGKILL), and the watchdog then kills the group.

The watchdog is a forked process, not a thread, started before anything else: a thread
would make every later ``fork`` (the fork start-up being measured) fork a multi-threaded
process.  Events (:mod:`concadvisor.costs.events`) go to the parent on stdout, one JSON
line each; then the runner waits for the parent to kill the group.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
import traceback


def _watch_parent(control: int) -> None:
    """Fork the watchdog: it blocks on ``control`` and kills the group at EOF."""
    if not hasattr(os, "fork"):  # pragma: no cover - Windows: a thread will do
        import threading

        threading.Thread(target=_wait_and_kill, args=(control,), daemon=True).start()
        return
    if os.fork() == 0:
        _wait_and_kill(control)


def _wait_and_kill(control: int) -> None:
    with contextlib.suppress(OSError):
        while os.read(control, 4096):
            pass
    if hasattr(os, "killpg"):
        os.killpg(os.getpgrp(), signal.SIGKILL)
    os._exit(1)  # pragma: no cover - killed above on POSIX


def main() -> None:
    control = os.dup(0)
    _watch_parent(control)
    events = os.fdopen(os.dup(1), "wb", buffering=0)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):  # nothing else may write on the events pipe or read the control one
        os.dup2(devnull, fd)
    os.close(devnull)

    from .calibration import measure
    from .events import Failed, RunnerConfig, encode

    try:
        config = RunnerConfig.model_validate_json(sys.argv[1])
        started = time.time()
        # Past the deadline already (a slow start): measure nothing, report as much.
        for event in measure(
            max(config.deadline_wall - started, 1e-3),
            methods=config.methods,
            interpreter_start_seconds=max(0.01, started - config.spawned_wall),
        ):
            events.write(encode(event))
    except BaseException as exc:
        with contextlib.suppress(Exception):
            last = traceback.format_exception_only(type(exc), exc)[-1].strip()
            events.write(encode(Failed(error=last)))
    # The parent kills the group; if it is gone, the watchdog does.
    while True:
        time.sleep(60)


if __name__ == "__main__":
    main()
