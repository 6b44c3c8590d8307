"""Which Python the probe measures under: ``--python PATH``, checked before the budget is spent.

The runner imports concadvisor from this package's own source (``isolation.runner_env``
puts it on ``PYTHONPATH``), so another interpreter needs only concadvisor's runtime
dependencies.  :func:`check_interpreter` runs ``PATH -c`` once, isolated and with a timeout,
and either returns what that interpreter is or raises a one-line :class:`TargetError` that
says what to install.  ``PATH`` may be any executable, a wrapper script included.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..errors import TargetError
from ..isolation import kill_tree, start_isolated

__all__ = [
    "CHECK_TIMEOUT_SECONDS",
    "Interpreter",
    "PythonInfo",
    "check_interpreter",
    "current_interpreter",
    "resolve_executable",
]

#: How long ``PATH -c`` may take to import concadvisor's runner (a chroot wrapper is slow).
CHECK_TIMEOUT_SECONDS = 15.0
#: Shell exit codes worth a word (a wrapper script that cannot find what it runs).
_EXIT_MEANING = {
    126: ": a command it runs is not executable",
    127: ": a command it runs was not found",
}
#: The oldest Python concadvisor runs on (pyproject's ``requires-python``).
MIN_VERSION = (3, 10)

# Old-syntax on purpose: it must report the version of any Python, even one too old to run us.
_CHECK_SCRIPT = r"""
import json, sys, platform
out = {"version": list(sys.version_info[:3])}
out["implementation"] = platform.python_implementation().lower()
try:
    import sysconfig
    out["free_threaded_build"] = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    import multiprocessing
    out["start_method"] = multiprocessing.get_context().get_start_method()
    import concadvisor.probing._runner
except ImportError as exc:
    out["missing"] = getattr(exc, "name", None) or str(exc)
    out["error"] = "%s: %s" % (type(exc).__name__, exc)
except Exception as exc:
    out["error"] = "%s: %s" % (type(exc).__name__, exc)
sys.stdout.write("CONCADVISOR-CHECK " + json.dumps(out) + "\n")
"""


class PythonInfo(BaseModel):
    """The interpreter a probe ran under (JSON key ``python``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(max_length=40, description="e.g. '3.13.1'.")
    implementation: str = Field(max_length=40, description="e.g. 'cpython'.")
    free_threaded: bool = Field(description="A free-threaded build (PEP 703, 'python3.13t').")
    gil_enabled: bool = Field(
        description="The GIL was enabled after importing the target (always on a GIL build)."
    )
    gil_enabled_by: str | None = Field(
        default=None,
        max_length=300,
        description="The extension module whose import re-enabled the GIL on a "
        "free-threaded build (it does not declare Py_mod_gil).",
    )
    executable: str | None = Field(
        default=None,
        max_length=4096,
        description="The --python given (None: the interpreter running concadvisor).",
    )

    @property
    def label(self) -> str:
        """Short name: '3.13t', '3.11', 'pypy 3.10'."""
        major_minor = ".".join(self.version.split(".")[:2])
        name = major_minor + ("t" if self.free_threaded else "")
        return name if self.implementation == "cpython" else f"{self.implementation} {name}"


class Interpreter(BaseModel):
    """What :func:`check_interpreter` learnt about ``--python PATH`` before measuring."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    executable: str
    version: tuple[int, int, int]
    implementation: str
    free_threaded_build: bool
    start_method: Literal["fork", "spawn", "forkserver"]


def resolve_executable(text: str) -> str:
    """``text`` as an executable's path: a path, or a name on ``PATH`` (TargetError if none)."""
    if os.sep in text or (os.altsep and os.altsep in text):
        if not os.path.isfile(text):
            raise TargetError(f"--python {text}: no such file")
        if not os.access(text, os.X_OK):
            raise TargetError(f"--python {text}: not executable (chmod +x it?)")
        return os.path.abspath(text)
    found = shutil.which(text)
    if found is None:
        raise TargetError(f"--python {text}: not found on PATH")
    return found


def _install_hint(executable: str) -> str:
    return (
        f"install concadvisor's dependencies there: {executable} -m pip install "
        "'pydantic>=2.6' rich"
    )


def check_interpreter(executable: str, cwd: str, timeout: float) -> Interpreter:
    """Run ``executable -c`` in ``cwd`` and check it can run the probe's runner.

    Raises :class:`TargetError` (one line) when it cannot start, is no Python, is too old,
    lacks concadvisor's runtime dependencies or does not answer within ``timeout``.
    """
    try:
        proc = start_isolated([executable, "-c", _CHECK_SCRIPT], cwd=cwd)
    except OSError as exc:
        raise TargetError(f"--python {executable}: cannot run it: {exc.strerror or exc}") from None
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise TargetError(
            f"--python {executable}: did not answer within {timeout:.0f} s (is it a Python?)"
        ) from None
    finally:
        kill_tree(proc.pid, proc.pid if os.name == "posix" else None)
        proc.wait()
    data = _parse(out)
    if data is None:
        why = _EXIT_MEANING.get(proc.returncode, "")
        raise TargetError(
            f"--python {executable}: not a Python interpreter (exit code {proc.returncode}"
            f"{why}, no answer to a -c script)"
        )
    raw_version = data.get("version")
    parts = raw_version if isinstance(raw_version, list) else [0, 0, 0]
    version = tuple(int(v) for v in parts[:3])
    if version[:2] < MIN_VERSION:
        shown = ".".join(map(str, version))
        raise TargetError(
            f"--python {executable}: Python {shown} is too old, concadvisor needs 3.10+"
        )
    if data.get("missing") == "concadvisor":
        source = Path(__file__).resolve().parents[2]
        raise TargetError(
            f"--python {executable}: cannot import concadvisor from {source} (on PYTHONPATH; "
            "a chroot or container that does not show it?): install concadvisor there"
        )
    if "missing" in data:
        raise TargetError(
            f"--python {executable}: cannot import {data['missing']!r} ({data.get('error')}); "
            + _install_hint(executable)
        )
    if "error" in data:
        raise TargetError(f"--python {executable}: cannot load the probe's runner: {data['error']}")
    method = str(data.get("start_method"))
    return Interpreter(
        executable=executable,
        version=(version[0], version[1], version[2]),
        implementation=str(data.get("implementation", "?")),
        free_threaded_build=bool(data.get("free_threaded_build")),
        start_method=method if method in ("fork", "spawn", "forkserver") else "spawn",
    )


def _parse(out: bytes) -> dict[str, object] | None:
    for line in out.decode(errors="replace").splitlines():
        if line.startswith("CONCADVISOR-CHECK "):
            try:
                value = json.loads(line.partition(" ")[2])
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def current_interpreter() -> str:
    """The interpreter running concadvisor (what the runner uses without ``--python``)."""
    return sys.executable
