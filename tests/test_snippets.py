"""Every snippet compiles; serial, threads, asyncio (and processes) ones run as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from concadvisor import Environment, Executor, advise
from concadvisor.costs import predict
from concadvisor.workers import chunksize_for

E = Executor

SCENARIOS: list[tuple[str, dict[str, Any], Executor, Executor | None]] = [
    ("serial", {"workload": "io", "tasks": 1}, E.SERIAL, None),
    ("threads", {"workload": "io", "tasks": 20}, E.THREADS, None),
    ("threads-native", {"workload": "cpu", "tasks": 8, "releases_gil": True}, E.THREADS, None),
    (
        "asyncio",
        {"workload": "io", "tasks": 50, "async_libraries": True, "refactor_tolerance": "high"},
        E.ASYNCIO,
        None,
    ),
    (
        "asyncio-to-thread",
        {"workload": "io", "tasks": 10, "already_async": True},
        E.ASYNCIO,
        E.THREADS,
    ),
    (
        "asyncio-cpu-thread",
        {
            "workload": "mixed",
            "tasks": 10,
            "already_async": True,
            "async_libraries": True,
            "picklable": False,
        },
        E.ASYNCIO,
        E.THREADS,
    ),
    ("processes", {"workload": "cpu", "tasks": 8}, E.PROCESSES, None),
    (
        "processes-spawn",
        {"workload": "cpu", "tasks": 8, "start_method": "spawn"},
        E.PROCESSES,
        None,
    ),
    (
        "asyncio-processes",
        {"workload": "mixed", "tasks": 8, "async_libraries": True, "refactor_tolerance": "high"},
        E.ASYNCIO,
        E.PROCESSES,
    ),
    ("threads-processes", {"workload": "mixed", "tasks": 8}, E.THREADS, E.PROCESSES),
]


@pytest.mark.parametrize("python", [(3, 10, 0), (3, 12, 0)], ids=["gather", "taskgroup"])
@pytest.mark.parametrize(
    ("label", "profile", "executor", "offload"), SCENARIOS, ids=[s[0] for s in SCENARIOS]
)
def test_snippet_runs_as_written(
    tmp_path: Path,
    label: str,
    profile: dict[str, Any],
    executor: Executor,
    offload: Executor | None,
    python: tuple[int, int, int],
) -> None:
    env = Environment.example(cpus=2, python_version=python)
    rec = advise(profile, environment=env)
    assert (rec.executor, rec.offload) == (executor, offload)
    compile(rec.snippet, label, "exec")
    if python >= (3, 11) and sys.version_info < (3, 11):
        pytest.skip("TaskGroup snippets need Python 3.11+")
    uses_task_group = "TaskGroup" in rec.snippet
    assert uses_task_group == (executor is E.ASYNCIO and python >= (3, 11))
    script = tmp_path / f"snippet_{label}.py"
    script.write_text(rec.snippet)
    result = subprocess.run(
        [sys.executable, "-W", "error", str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{profile['tasks']} results"


def test_processes_snippet_batches_many_tiny_tasks() -> None:
    rec = advise({"workload": "cpu", "tasks": 100_000}, environment=Environment.example())
    assert "chunksize=6250" in rec.snippet


@settings(max_examples=200, deadline=None)
@given(
    tasks=st.integers(min_value=2, max_value=10**7),
    cpus=st.integers(min_value=2, max_value=256),
    task_seconds=st.floats(min_value=1e-6, max_value=10),
)
def test_snippet_batches_as_the_cost_model_predicts(
    tasks: int, cpus: int, task_seconds: float
) -> None:
    """One chunksize: the processes snippet passes what the cost model assumed."""
    profile = {"workload": "cpu", "tasks": tasks, "cpus": cpus, "task_seconds": task_seconds}
    env = Environment.example()
    rec = advise(profile, environment=env)
    if rec.executor is not Executor.PROCESSES:
        return
    assumed = predict(profile, env).inputs.chunksize
    assert assumed == chunksize_for(tasks, rec.workers)
    match = re.search(r"chunksize=(\d+)", rec.snippet)
    assert (int(match[1]) if match else 1) == assumed
