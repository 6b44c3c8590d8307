"""What this interpreter on this machine offers: usable CPUs, the GIL, start methods, costs.

Detection runs once per process (:func:`detect_environment` is cached) and never fails: a
probe that cannot read something falls back to the next source.  Everything that decides
advice takes an :class:`Environment` as a plain value, so tests and users inject their own.
Detection reads the calibration cache (:mod:`concadvisor.costs.cache`) if one exists for
this machine and interpreter; it never measures anything.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import math
import multiprocessing
import os
import platform
import sys
from importlib.machinery import PathFinder
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from .costs.machine import DEFAULT_COSTS, MachineCosts
from .profile import StartMethod, TaskProfile

__all__ = [
    "Environment",
    "available_memory",
    "cgroup_cpu_limit",
    "detect_environment",
    "effective_environment",
    "usable_cpus",
]

_START_METHODS: tuple[StartMethod, ...] = ("fork", "spawn", "forkserver")


class Environment(BaseModel):
    """The facts about the running interpreter and machine that advice depends on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cpus: int = Field(ge=1, description="Usable CPUs (affinity, cgroup quota, CPU count).")
    logical_cpus: int = Field(ge=1, description="CPUs the machine reports (os.cpu_count()).")
    free_threaded: bool = Field(description="The GIL is disabled in this interpreter.")
    start_method: StartMethod = Field(description="multiprocessing's default start method.")
    start_methods: tuple[StartMethod, ...] = Field(
        description="Start methods this platform supports."
    )
    python_version: tuple[int, int, int] = Field(description="Interpreter version.")
    implementation: str = Field(description="Python implementation, e.g. 'cpython'.")
    platform: str = Field(description="sys.platform, e.g. 'linux', 'darwin', 'win32'.")
    interpreter_pool: bool = Field(
        default=False,
        description=(
            "concurrent.futures.InterpreterPoolExecutor exists (CPython 3.14+, PEP 734): "
            "the 'interpreters' executor is available."
        ),
    )
    dask_installed: bool = Field(
        default=False,
        description=(
            "dask.distributed can be imported (the optional extra concadvisor[dask]): the "
            "'dask' executor is available."
        ),
    )
    costs: MachineCosts = Field(
        default=DEFAULT_COSTS,
        description=(
            "This machine's concurrency costs: its calibration (`concadvisor calibrate`) "
            "if one is cached, else the built-in conservative defaults."
        ),
    )

    @property
    def has_task_group(self) -> bool:
        """``asyncio.TaskGroup`` exists (3.11+)."""
        return self.python_version >= (3, 11)

    @property
    def has_interpreter_pool(self) -> bool:
        """``concurrent.futures.InterpreterPoolExecutor`` exists (3.14+, PEP 734)."""
        return self.interpreter_pool

    @classmethod
    def example(cls, **overrides: object) -> Environment:
        """A fixed, ordinary environment (4 CPUs, GIL, fork, 3.12 on Linux) for tests/docs.

        ``interpreter_pool`` follows ``python_version`` (3.14+ has one) unless given.
        """
        values: dict[str, object] = {
            "cpus": 4,
            "logical_cpus": 4,
            "free_threaded": False,
            "start_method": "fork",
            "start_methods": ("fork", "spawn", "forkserver"),
            "python_version": (3, 12, 0),
            "implementation": "cpython",
            "platform": "linux",
        }
        values.update(overrides)
        if "interpreter_pool" not in overrides:
            version = values["python_version"]
            values["interpreter_pool"] = isinstance(version, tuple) and version >= (3, 14)
        return cls.model_validate(values)


def cgroup_cpu_limit(root: Path = Path("/"), proc_self: Path | None = None) -> float | None:
    """CPUs allowed by a cgroup CPU quota (v2 ``cpu.max`` or v1 CFS), or None if unlimited.

    ``root`` is the filesystem root so that tests can point at a fake tree.
    """
    v2_path, v1_path = _cgroup_paths(proc_self or root / "proc/self/cgroup", "cpu")
    base = root / "sys/fs/cgroup"
    candidates: list[float] = []
    if v2_path is not None:
        # The quota of every ancestor applies; the tightest wins.
        rel = Path(v2_path.lstrip("/"))
        for directory in [rel, *rel.parents]:
            limit = _read_cpu_max(base / directory / "cpu.max")
            if limit is not None:
                candidates.append(limit)
    for v1_dir in (base / "cpu,cpuacct", base / "cpu"):
        sub = v1_dir / v1_path.lstrip("/") if v1_path else v1_dir
        for directory in (sub, v1_dir):
            limit = _read_cfs(directory)
            if limit is not None:
                candidates.append(limit)
                break
    return min(candidates) if candidates else None


def _cgroup_paths(proc_cgroup: Path, controller: str) -> tuple[str | None, str | None]:
    """This process's cgroup v2 path and its v1 path for ``controller`` (None: none)."""
    try:
        lines = proc_cgroup.read_text().splitlines()
    except OSError:
        lines = []
    v2_path: str | None = None
    v1_path: str | None = None
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if controllers == "":
            v2_path = path
        elif controller in controllers.split(","):
            v1_path = path
    return v2_path, v1_path


def _read_int(path: Path) -> int | None:
    """A file holding one integer ("max" or anything else: None)."""
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


#: cgroup v1 reports "no limit" as a huge number near 2**63 (page-aligned).
_V1_UNLIMITED = 1 << 62


def available_memory(root: Path = Path("/"), proc_self: Path | None = None) -> int | None:
    """Bytes of memory this process can still take: the least of MemAvailable and, for
    every cgroup v2 ancestor with a ``memory.max``, that limit minus its ``memory.current``
    (cgroup v1: ``memory.limit_in_bytes`` minus ``memory.usage_in_bytes``).
    None when neither can be read (not Linux).  ``root`` as for :func:`cgroup_cpu_limit`.
    """
    candidates: list[int] = []
    v2_path, v1_path = _cgroup_paths(proc_self or root / "proc/self/cgroup", "memory")
    base = root / "sys/fs/cgroup"
    if v2_path is not None:
        rel = Path(v2_path.lstrip("/"))
        for directory in [rel, *rel.parents]:
            here = base / directory
            limit = _read_int(here / "memory.max")
            if limit is not None:
                candidates.append(max(0, limit - (_read_int(here / "memory.current") or 0)))
    v1 = base / "memory"
    for here in (v1 / v1_path.lstrip("/") if v1_path else v1, v1):
        limit = _read_int(here / "memory.limit_in_bytes")
        if limit is not None and limit < _V1_UNLIMITED:
            candidates.append(max(0, limit - (_read_int(here / "memory.usage_in_bytes") or 0)))
            break
    try:
        meminfo = (root / "proc/meminfo").read_text().splitlines()
    except OSError:
        meminfo = []
    for line in meminfo:
        name, _, value = line.partition(":")
        fields = value.split()
        if name == "MemAvailable" and fields and fields[0].isdigit():
            candidates.append(int(fields[0]) * 1024)  # kB
    return min(candidates) if candidates else None


def _read_cpu_max(path: Path) -> float | None:
    try:
        fields = path.read_text().split()
    except OSError:
        return None
    if len(fields) != 2 or fields[0] == "max":
        return None
    try:
        quota, period = int(fields[0]), int(fields[1])
    except ValueError:
        return None
    return quota / period if quota > 0 and period > 0 else None


def _read_cfs(directory: Path) -> float | None:
    try:
        quota = int((directory / "cpu.cfs_quota_us").read_text().strip())
        period = int((directory / "cpu.cfs_period_us").read_text().strip())
    except (OSError, ValueError):
        return None
    return quota / period if quota > 0 and period > 0 else None


def usable_cpus() -> int:
    """CPUs this process may actually use: the least of affinity, cgroup quota and count."""
    counts: list[int] = []
    process_cpu_count = getattr(os, "process_cpu_count", None)  # 3.13+
    if process_cpu_count is not None:
        n = process_cpu_count()
        if n:
            counts.append(int(n))
    sched_getaffinity = getattr(os, "sched_getaffinity", None)
    if sched_getaffinity is not None:
        with contextlib.suppress(OSError):
            counts.append(len(sched_getaffinity(0)))
    counts.append(os.cpu_count() or 1)
    best = min(c for c in counts if c >= 1)
    quota = cgroup_cpu_limit()
    if quota is not None:
        # A quota of 1.5 CPUs still allows two threads to run at once, but only for 75% of
        # the time each; round up so that a fractional quota is not rounded down to 1.
        best = min(best, max(1, math.ceil(quota)))
    return max(1, best)


def _gil_disabled() -> bool:
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    if is_enabled is None:
        return False
    return not bool(is_enabled())


def _has_interpreter_pool() -> bool:
    """InterpreterPoolExecutor can be imported here (looked up, not imported: no cost).

    ``find_spec("concurrent.futures.interpreter")`` would import ``concurrent.futures``
    (and logging) to search it: the submodule is looked for in its package's directory.
    """
    try:
        if importlib.util.find_spec("_interpreters") is None:
            return False
        package = importlib.util.find_spec("concurrent.futures")
        where = None if package is None else package.submodule_search_locations
        return where is not None and PathFinder.find_spec("interpreter", list(where)) is not None
    except (ImportError, ValueError):
        return False


def dask_installed() -> bool:
    """dask.distributed can be imported here (looked up, not imported: no cost)."""
    try:
        return (
            importlib.util.find_spec("distributed") is not None
            and importlib.util.find_spec("dask") is not None
        )
    except (ImportError, ValueError):
        return False


def _default_start_method() -> StartMethod:
    method = multiprocessing.get_start_method(allow_none=True)
    if method is None:
        # Asking the default context does not fix the global start method.
        method = multiprocessing.get_context().get_start_method()
    for known in _START_METHODS:
        if method == known:
            return known
    return "spawn"


@functools.cache
def detect_environment() -> Environment:
    """Detect this process's environment once; later calls return the same object.

    Machine costs come from this machine's calibration cache when there is a usable one
    (an unusable one is ignored with a :class:`~concadvisor.costs.cache.CalibrationCacheWarning`),
    else from the built-in defaults.
    """
    available = tuple(m for m in multiprocessing.get_all_start_methods() if m in _START_METHODS)
    return Environment(
        cpus=usable_cpus(),
        logical_cpus=os.cpu_count() or 1,
        free_threaded=_gil_disabled(),
        start_method=_default_start_method(),
        start_methods=available or ("spawn",),
        python_version=(sys.version_info[0], sys.version_info[1], sys.version_info[2]),
        implementation=platform.python_implementation().lower(),
        platform=sys.platform,
        interpreter_pool=_has_interpreter_pool(),
        dask_installed=dask_installed(),
        costs=_cached_costs(),
    )


def _cached_costs() -> MachineCosts:
    from .costs.cache import load_cached_costs

    # Detection never fails: an unexpected error reading the cache means defaults.  A
    # warning turned into an error (`-W error`, pytest's filterwarnings) still propagates.
    try:
        found = load_cached_costs()
    except Warning:
        raise
    except Exception:
        found = None
    return found if found is not None else DEFAULT_COSTS


#: (id(environment), cpus, free_threaded, start_method) -> (environment, result).  The
#: environment is kept alive by the entry, so its id cannot be reused while it is cached.
_EffectiveKey = tuple[int, int | None, bool | None, str | None]
_EFFECTIVE: dict[_EffectiveKey, tuple[Environment, Environment]] = {}
_EFFECTIVE_MAX = 256


def effective_environment(profile: TaskProfile, environment: Environment) -> Environment:
    """The environment with the profile's explicit ``cpus``/``free_threaded``/``start_method``.

    Memoised (both are immutable, and a handful of override combinations is typical):
    ``model_copy`` costs several microseconds, a good share of an ``advise()`` call.
    """
    cpus, free_threaded, start_method = profile.cpus, profile.free_threaded, profile.start_method
    if cpus is None and free_threaded is None and start_method is None:
        return environment
    key = (id(environment), cpus, free_threaded, start_method)
    hit = _EFFECTIVE.get(key)
    if hit is not None and hit[0] is environment:
        return hit[1]
    result = _with_overrides(profile, environment)
    if len(_EFFECTIVE) >= _EFFECTIVE_MAX:
        _EFFECTIVE.clear()
    _EFFECTIVE[key] = (environment, result)
    return result


def _with_overrides(profile: TaskProfile, environment: Environment) -> Environment:
    overrides: dict[str, object] = {}
    if profile.cpus is not None and profile.cpus != environment.cpus:
        overrides["cpus"] = profile.cpus
    if profile.free_threaded is not None and profile.free_threaded != environment.free_threaded:
        overrides["free_threaded"] = profile.free_threaded
    if profile.start_method is not None and profile.start_method != environment.start_method:
        overrides["start_method"] = profile.start_method
    if not overrides:
        return environment
    return environment.model_copy(update=overrides)
