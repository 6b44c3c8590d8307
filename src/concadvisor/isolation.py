"""Isolated child processes: how the probe's and calibrate's runners are started and killed.

Both commands run their measuring in a child started in a new session (its own process
group, no terminal, so Ctrl-C reaches only the parent) with a pipe on its stdin that only
the parent holds: EOF on it means the parent is gone.  :func:`start_isolated` starts such
a child with :func:`runner_env`; :func:`kill_tree` ends it and everything it started.

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
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["become_subreaper", "descendants", "kill_tree", "runner_env", "start_isolated"]

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


def runner_env() -> dict[str, str]:
    """This process's environment, made to import this very concadvisor in a child.

    The child must import the concadvisor the parent runs, even when the parent found it
    through ``sys.path`` rather than an installation.
    """
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[1])
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if package_root not in paths:
        paths.append(package_root)
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.pop("PYTHONSTARTUP", None)
    return env


def start_isolated(
    argv: Sequence[str], *, cwd: str | None = None, debug: bool = False
) -> subprocess.Popen[bytes]:
    """Start ``argv`` in a new session with piped stdin (the dead man's switch) and stdout.

    stderr goes to /dev/null unless ``debug``: user code and pool workers must not print
    over our output.  Raises OSError when the child cannot be started.
    """
    kwargs: dict[str, object] = {}
    if os.name == "posix":
        kwargs["start_new_session"] = True
    else:  # pragma: no cover - Windows
        kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        list(argv),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=None if debug else subprocess.DEVNULL,
        cwd=cwd,
        env=runner_env(),
        **kwargs,
    )
