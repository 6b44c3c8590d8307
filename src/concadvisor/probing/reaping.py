"""Killing a runner and everything it started, including processes that left its group.

The runner runs in its own session, so :func:`os.killpg` takes down it and every process
that stayed in its group.  A process that calls ``setsid()`` (a daemonising grandchild)
escapes the group; on Linux the runner makes itself a *child subreaper*
(``prctl(PR_SET_CHILD_SUBREAPER)``), so such a process, once orphaned, is reparented to the
runner instead of init and stays findable as its descendant through ``/proc``.
:func:`kill_tree` freezes the tree (SIGSTOP: nothing forks while it is walked), walks it
until no new process appears, then SIGKILLs every process found and the group.

Left: a process that escapes *and* whose ancestors all exit before the walk is reparented
to the runner only if the runner is alive; one that double-forks after the runner is gone
is beyond reach (a cgroup would hold it; not used).  Elsewhere than Linux, the group only.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
from pathlib import Path

__all__ = ["become_subreaper", "descendants", "kill_tree"]

_PR_SET_CHILD_SUBREAPER = 36
#: Rounds of "walk the tree, freeze what is new" before giving up on a fork bomb.
_MAX_WALKS = 20


def become_subreaper() -> bool:
    """Make this process the reaper of its orphaned descendants (Linux); True if it is."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):  # pragma: no cover - no libc prctl
        return False


def _parents() -> dict[int, int]:
    """pid -> parent pid of every live process (Linux /proc)."""
    found: dict[int, int] = {}
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            fields = stat.rpartition(")")[2].split()
            if len(fields) > 1 and fields[0] not in ("Z", "X"):
                found[int(entry.name)] = int(fields[1])
    return found


def descendants(root: int) -> set[int]:
    """Every live descendant of ``root`` (not ``root`` itself); empty off Linux."""
    children: dict[int, list[int]] = {}
    for pid, parent in _parents().items():
        children.setdefault(parent, []).append(pid)
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signum)


def kill_tree(root: int, pgid: int | None) -> None:
    """SIGKILL ``root``'s process group ``pgid`` and every descendant of ``root``.

    When ``root`` is this very process (the runner's dead man's switch), it is not stopped,
    and it dies last, with its group.
    """
    if os.name != "posix":  # pragma: no cover - Windows: no groups, no SIGSTOP
        _signal(root, signal.SIGTERM)
        return
    me = os.getpid()
    killpg = getattr(os, "killpg", None)
    if pgid is not None and killpg is not None and root != me:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            killpg(pgid, signal.SIGSTOP)
    stopped: set[int] = set()
    if sys.platform.startswith("linux"):
        for _ in range(_MAX_WALKS):
            new = descendants(root) - stopped - {me}
            if not new:
                break
            for pid in new:
                _signal(pid, signal.SIGSTOP)
            stopped |= new
    for pid in stopped:
        _signal(pid, signal.SIGKILL)
    if pgid is not None and killpg is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            killpg(pgid, signal.SIGKILL)
    if root != me:
        _signal(root, signal.SIGKILL)
