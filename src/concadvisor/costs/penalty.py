"""The free-threaded single-thread penalty: how much slower one thread runs pure-Python
code on a free-threaded build than on a GIL build of the same version.

Only a free-threaded interpreter has one, and only a GIL build of its own version can
measure it: :func:`gil_twin` looks for one on ``PATH`` (``python3.13`` for 3.13t ...).
:func:`measure_penalty` then times the same fixed loop (:data:`LOOP`) in a fresh process
of each and returns the ratio of their best times -- or why it could not.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig

__all__ = ["LOOP", "free_threaded_build", "gil_twin", "loop_seconds", "measure_penalty"]

#: A fixed pure-Python workload (calls, attribute and integer arithmetic, a dict), timed
#: best of five in a fresh interpreter; prints the seconds of its fastest round.
LOOP = """
import time
def f(n):
    d = {}
    total = 0
    for i in range(n):
        total += (i * 7) % 13
        d[i & 255] = total
    return total
best = float("inf")
for _ in range(5):
    t0 = time.perf_counter()
    f(300_000)
    best = min(best, time.perf_counter() - t0)
print(best)
"""

_PROBE = (
    "import sys, sysconfig; "
    "print(sys.version_info[:2], sysconfig.get_config_var('Py_GIL_DISABLED'))"
)


def free_threaded_build() -> bool:
    """This interpreter is a free-threaded (``Py_GIL_DISABLED``) build."""
    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def _describe(python: str, timeout: float) -> str | None:
    try:
        done = subprocess.run(
            [python, "-c", _PROBE], capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def gil_twin(timeout: float = 10.0) -> str | None:
    """A GIL build of this interpreter's version on ``PATH``, or None."""
    major, minor = sys.version_info[:2]
    wanted = f"({major}, {minor}) "
    seen: set[str] = {os.path.realpath(sys.executable)}
    for name in (f"python{major}.{minor}", f"python{major}", "python"):
        found = shutil.which(name)
        if found is None or os.path.realpath(found) in seen:
            continue
        seen.add(os.path.realpath(found))
        about = _describe(found, timeout)
        if about is not None and about.startswith(wanted) and about.split()[-1] in ("0", "None"):
            return found
    return None


def loop_seconds(python: str, timeout: float) -> float:
    """Best-of-five seconds of :data:`LOOP` in a fresh ``python``; raises OSError,
    subprocess.SubprocessError or ValueError when it cannot tell."""
    env = {**os.environ, "PYTHON_GIL": "0"} if python == sys.executable else None
    done = subprocess.run(
        [python, "-c", LOOP], capture_output=True, text=True, timeout=timeout, check=True, env=env
    )
    value = float(done.stdout.strip())
    if not value > 0:
        raise ValueError(f"the loop reported {value!r} seconds")
    return value


def measure_penalty(timeout: float = 30.0) -> tuple[float | None, str]:
    """(free-threaded time / GIL time of :data:`LOOP`, how it was found) -- or (None, why
    not): a GIL build has no penalty; a free-threaded one needs its GIL twin."""
    if not free_threaded_build():
        return None, "not applicable: a GIL build has no free-threaded penalty"
    twin = gil_twin()
    if twin is None:
        major, minor = sys.version_info[:2]
        return None, f"no GIL build of {major}.{minor} on PATH (python{major}.{minor})"
    try:
        free = loop_seconds(sys.executable, timeout)
        gil = loop_seconds(twin, timeout)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        return None, f"the loop did not run: {type(exc).__name__}: {exc}"[:300]
    return free / gil, f"{free * 1e3:.1f} ms here against {gil * 1e3:.1f} ms on {twin}"
