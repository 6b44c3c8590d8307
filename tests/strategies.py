"""Hypothesis strategies shared by the property tests."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from concadvisor import Environment, TaskProfile

_START = st.sampled_from(["fork", "spawn", "forkserver"])


@st.composite
def profile_dicts(draw: st.DrawFn) -> dict[str, Any]:
    """Valid profile mappings, with optional fields sometimes left out."""
    data: dict[str, Any] = {"workload": draw(st.sampled_from(["io", "cpu", "mixed"]))}
    optional: dict[str, st.SearchStrategy[Any]] = {
        "name": st.text(min_size=1, max_size=20),
        "cpu_fraction": st.floats(min_value=0, max_value=1) | st.none(),
        "releases_gil": st.booleans(),
        "async_libraries": st.booleans(),
        "already_async": st.booleans(),
        "refactor_tolerance": st.sampled_from(["none", "low", "high"]),
        "tasks": st.integers(min_value=1, max_value=10_000_000),
        "task_seconds": st.floats(min_value=1e-9, max_value=1e5) | st.none(),
        "payload_bytes": st.integers(min_value=0, max_value=10**12) | st.none(),
        "shared_state": st.sampled_from(["none", "read_only", "mutable"]),
        "picklable": st.booleans(),
        "start_method": _START | st.none(),
        "cpus": st.integers(min_value=1, max_value=256) | st.none(),
        "free_threaded": st.booleans() | st.none(),
        "cluster_workers": st.integers(min_value=1, max_value=4096) | st.none(),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            data[key] = draw(strategy)
    return data


profiles = profile_dicts().map(TaskProfile.model_validate)


@st.composite
def environments(draw: st.DrawFn) -> Environment:
    cpus = draw(st.integers(min_value=1, max_value=128))
    version = draw(st.sampled_from([(3, 10, 12), (3, 11, 9), (3, 13, 1), (3, 14, 0)]))
    return Environment(
        cpus=cpus,
        logical_cpus=draw(st.integers(min_value=cpus, max_value=256)),
        free_threaded=draw(st.booleans()),
        start_method=draw(_START),
        start_methods=("fork", "spawn", "forkserver"),
        python_version=version,
        implementation="cpython",
        platform=draw(st.sampled_from(["linux", "darwin", "win32"])),
        interpreter_pool=version >= (3, 14),
        dask_installed=draw(st.booleans()),
    )
