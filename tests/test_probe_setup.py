"""The per-worker setup (``--setup``, ``setup=``) and event loops that live across calls.

Unit tests drive the runner-side workers and executors in this process; the end-to-end
tests run the CLI in real subprocesses with targets whose setup logs one line per call
(``tests/probe_targets/setups.py``) and whose calls fail unless they see their own
worker's state.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

from concadvisor import worker_state
from concadvisor.probing.executors import Asyncio, Serial, Threads, TrialError
from concadvisor.probing.worker import SetupSpec, Worker, WorkerSetupError
from concadvisor.worker_context import NoWorkerState
from test_probe_e2e import _by_executor, run_probe

S = "tests.probe_targets.setups"


def _state_is_mine() -> tuple[int, Any]:
    return threading.get_ident(), worker_state()


def _thread_setup() -> int:
    return threading.get_ident()


async def _loop_setup() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


async def _same_loop() -> bool:
    loop: asyncio.AbstractEventLoop = worker_state()
    return loop is asyncio.get_running_loop()


def _boom() -> None:
    raise ConnectionError("unreachable")


def test_no_setup_no_state() -> None:
    with pytest.raises(NoWorkerState, match="--setup MODULE:FUNC"):
        worker_state()


def test_a_worker_calls_its_setup_once_and_keeps_the_result_in_its_own_context() -> None:
    calls: list[int] = []

    def setup() -> int:
        calls.append(1)
        return 42

    worker = Worker(SetupSpec("m:setup", setup))
    first = worker.prepare()
    assert first is not None
    assert worker.prepare() == first  # once
    assert calls == [1]
    assert worker.call(worker_state, False, ((), {})) == 42
    with pytest.raises(NoWorkerState):  # not leaked into the caller's context
        worker_state()


def test_an_async_setup_runs_on_the_loop_the_async_target_then_uses() -> None:
    worker = Worker(SetupSpec("m:loop", _loop_setup))
    worker.prepare()
    assert all(worker.call(_same_loop, True, ((), {})) for _ in range(3))
    loop = worker.loop
    worker.close()
    assert loop.is_closed()


def test_a_raising_setup_names_the_setup() -> None:
    with pytest.raises(WorkerSetupError, match=r"^setup m:boom raised ConnectionError: unreach"):
        Worker(SetupSpec("m:boom", _boom)).prepare()


def test_each_thread_of_the_pool_has_its_own_state() -> None:
    pool = Threads(_state_is_mine, False, 3, SetupSpec("m:thread", _thread_setup))
    try:
        pool.start()
        assert len(pool.setup_seconds) == 3
        pool.run([((), {})] * 12)
        assert pool._pool is not None
        results = set(pool._pool.map(pool._call, [((), {})] * 30))
    finally:
        pool.close()
    # Each thread's state is the ident its own setup call returned.
    assert results
    assert all(ident == state for ident, state in results)


def test_a_setup_raising_in_the_threads_fails_the_pool_naming_the_setup() -> None:
    pool = Threads(_state_is_mine, False, 2, SetupSpec("m:boom", _boom))
    try:
        with pytest.raises(TrialError, match="setup m:boom raised ConnectionError") as caught:
            pool.start()
    finally:
        pool.close()
    assert caught.value.kind == "SetupError"


def test_asyncio_and_serial_workers_are_apart() -> None:
    main = Worker(SetupSpec("m:loop", _loop_setup))
    serial = Serial(_same_loop, True, main)
    loops = Asyncio(_same_loop, True, 4, SetupSpec("m:loop", _loop_setup))
    try:
        serial.start()
        loops.start()
        assert serial.setup_seconds and loops.setup_seconds
        serial.run([((), {})] * 3)
        loops.run([((), {})] * 8)
    finally:
        loops.close()
        main.close()


# --- end to end ------------------------------------------------------------------------


def _probe_with_setup(
    monkeypatch: pytest.MonkeyPatch,
    log: Path,
    target: str,
    setup: str,
    *flags: str,
    budget: float = 4.0,
) -> tuple[dict[str, Any], Any, list[str]]:
    """Probe ``S:target`` with ``--setup S:setup`` (exit 0 asserted): (results by executor,
    the JSON, the setup log's lines)."""
    monkeypatch.setenv("CONCADVISOR_SETUP_LOG", str(log))
    code, data, stderr, _ = run_probe(
        f"{S}:{target}", "--setup", f"{S}:{setup}", *flags, budget=budget
    )
    assert code == 0, stderr
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return _by_executor(data), data, lines


@pytest.mark.slow
def test_setup_runs_once_per_worker_and_the_target_sees_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results, data, lines = _probe_with_setup(
        monkeypatch, tmp_path / "log", "use_resource", "open_resource", "--workers", "2"
    )
    measured = [r for name, r in results.items() if name != "interpreters"]
    # use_resource raises unless worker_state() is its own worker's: ok means it saw it.
    assert {r["status"] for r in measured} == {"ok"}, measured
    assert data["setup"] == f"{S}:open_resource"
    # Once per worker: one line each, no worker twice (--workers: no sweep pools).
    assert len(lines) == len(set(lines)) == sum(r["setup_workers"] for r in measured)
    assert results["threads"]["setup_workers"] == 2
    assert results["processes"]["setup_workers"] == 2
    assert results["serial"]["setup_workers"] == results["asyncio"]["setup_workers"] == 1
    for result in measured:
        assert 0 < result["setup_slowest_seconds"] <= result["setup_seconds"]
    assert results["interpreters"]["status"] == "skipped"
    assert results["interpreters"]["reason"]


@pytest.mark.slow
def test_an_async_client_opened_in_setup_is_reused_on_the_workers_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Client.get raises on another loop than its own: a fresh loop per call would fail."""
    results, _, lines = _probe_with_setup(
        monkeypatch, tmp_path / "log", "use_client", "open_client", "--workers", "2"
    )
    for name in ("serial", "threads", "processes", "asyncio"):
        assert results[name]["status"] == "ok", results[name]
        assert results[name]["setup_workers"] >= 1
    assert len(lines) == len(set(lines))
    assert all(not line.endswith(":-") for line in lines)  # every async setup ran on a loop
    assert "one event loop per worker" in results["serial"]["note"]


@pytest.mark.slow
def test_the_sweep_sets_up_its_pools_and_reports_that_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results, _, _ = _probe_with_setup(
        monkeypatch, tmp_path / "log", "use_resource", "open_resource", "--tasks", "8", budget=5.0
    )
    swept = [r for r in results.values() if r["sweep"]]
    assert swept
    assert all(r["sweep_setup_seconds"] for r in swept)
    assert {r["status"] for n, r in results.items() if n != "interpreters"} == {"ok"}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (f"{S}:broken_setup", f"setup {S}:broken_setup raised ConnectionError: database"),
        (f"{S}:missing", "--setup: "),
        ("nocolon", "--setup: invalid target 'nocolon'"),
    ],
)
def test_a_broken_setup_is_one_line_naming_the_setup(
    setup: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONCADVISOR_SETUP_LOG", str(tmp_path / "setup.log"))
    code, data, stderr, _ = run_probe(f"{S}:use_resource", "--setup", setup)
    assert code == 2
    assert data is None
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert message in lines[0]
    assert "Traceback" not in stderr


@pytest.mark.slow
def test_a_setup_raising_in_the_process_workers_fails_that_row_naming_the_setup(
    tmp_path: Path,
) -> None:
    import os

    from concadvisor.probing.executors import Processes

    pool = Processes(
        f"{S}:use_resource",
        os.getcwd(),
        [],
        False,
        2,
        "fork",
        1,
        f"{S}:broken_setup",
    )
    try:
        with pytest.raises(TrialError, match=f"setup {S}:broken_setup raised Connection") as caught:
            pool.start()
    finally:
        pool.close()
        if pool._pool is not None:
            pool._pool.shutdown(wait=True, cancel_futures=True)
    assert caught.value.kind == "SetupError"


@pytest.mark.slow
def test_the_python_api_takes_a_setup_callable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.probe_targets import setups

    from concadvisor import probe

    monkeypatch.setenv("CONCADVISOR_SETUP_LOG", str(tmp_path / "setup.log"))
    report = probe(setups.use_resource, setup=setups.open_resource, workers=2, budget=3)
    assert report.setup == f"{S}:open_resource"
    statuses = {r.executor.value: r.status for r in report.results}
    assert statuses["serial"] == statuses["threads"] == "ok"
    threads = next(r for r in report.results if r.executor.value == "threads")
    assert threads.setup_workers == 2


@pytest.mark.slow
def test_lint_probe_calls_the_target_with_the_tables_args_and_setup(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    (tmp_path / "concadvisor.toml").write_text(
        '[tasks.naps]\nworkload = "io"\ntasks = 8\nexecutor = "threads"\n'
        'target = "naps.py:nap"\nargs = [0.01]\nsetup = "naps.py:open_log"\n'
    )
    (tmp_path / "naps.py").write_text(
        "import time\n\nimport concadvisor\n\n\ndef open_log():\n    return []\n\n\n"
        "def nap(seconds):\n    concadvisor.worker_state().append(seconds)\n"
        "    time.sleep(seconds)\n"
    )
    command = ["lint", "--probe", "--probe-budget", "3", "--format", "json"]
    proc = subprocess.run(
        [sys.executable, "-m", "concadvisor", *command],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Traceback" not in proc.stderr
    assert proc.returncode in (0, 1), proc.stderr
    codes = {f["code"] for f in json.loads(proc.stdout)["findings"]}
    assert "CA351" not in codes  # nap(seconds) ran: args and setup reached it
    assert proc.stderr.splitlines() == ["concadvisor lint: probing task naps (naps.py:nap), 3 s"]


def test_the_budget_reserves_time_for_each_new_pools_setup() -> None:
    from concadvisor.probing.planning import setup_estimate

    assert setup_estimate("threads", 0.0, 8, 2) == 0.0  # no setup
    assert setup_estimate("threads", 0.1, 8, 2) == pytest.approx(0.8)  # one after another
    assert setup_estimate("processes", 0.1, 8, 2) == pytest.approx(0.4)  # cpus at a time
    assert setup_estimate("asyncio", 0.1, 64, 2) == pytest.approx(0.1)  # one loop
