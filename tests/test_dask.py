"""The dask executor: availability, advice with cluster_workers, the snippet, probe
--executors/--scheduler, and a real LocalCluster on 127.0.0.1 that leaves no process behind.

Tests that start a cluster are skipped with a reason where the extra is not installed
(``pip install -e '.[dev,dask]'``; .ci/run does).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from concadvisor import Environment, Executor, advise
from concadvisor.costs.calibration import Collector
from concadvisor.costs.events import Finished, Samples, Started
from concadvisor.costs.machine import DEFAULT_COSTS, MachineCosts
from concadvisor.costs.model import predict
from concadvisor.executors import spec
from concadvisor.executors.base import SnippetRequest
from concadvisor.probing.selection import check_scheduler, select_executors
from faults import MARK, marked_processes

ROOT = Path(__file__).resolve().parent.parent
HAS_DASK = importlib.util.find_spec("distributed") is not None
needs_dask = pytest.mark.skipif(
    not HAS_DASK, reason="dask is not installed: pip install -e '.[dev,dask]'"
)

DASK_ENV = Environment.example(dask_installed=True)
HOURS = {"workload": "cpu", "tasks": 20_000, "task_seconds": 2.0, "cluster_workers": 32}
TINY = {"workload": "cpu", "tasks": 100_000, "task_seconds": 0.0005, "cluster_workers": 32}


# --- advice ------------------------------------------------------------------------------


def test_hours_of_cpu_work_on_32_workers_recommend_dask_with_a_predicted_speedup() -> None:
    rec = advise(HOURS, environment=DASK_ENV)
    assert rec.executor is Executor.DASK
    assert rec.workers == 32
    assert rec.predicted_speedup is not None
    # Bounded by the cluster's width, and above what one 4-CPU machine can do.
    assert rec.predicted_speedup["processes"] < rec.predicted_speedup["dask"] <= 32
    assert any(r.rule_id == "CA704" for r in rec.reasons)
    assert "Client" in rec.snippet and "client.map" in rec.snippet
    assert rec.summary.startswith("Use a Dask cluster of 32 single-threaded workers")


def test_tiny_tasks_do_not_recommend_dask() -> None:
    rec = advise(TINY, environment=DASK_ENV)
    assert rec.executor is not Executor.DASK
    vetoed = {r.executor: r.vetoed_by for r in rec.ranking}
    assert "CA704" in vetoed[Executor.DASK]


def test_without_the_extra_dask_is_not_ranked_and_the_advice_says_how_to_install() -> None:
    rec = advise(HOURS, environment=Environment.example())
    assert Executor.DASK not in {r.executor for r in rec.ranking}
    assert any("pip install 'concadvisor[dask]'" in w.message for w in rec.warnings)


def test_large_payloads_warn_about_scatter_and_gil_bound_work_about_threads() -> None:
    rec = advise({**HOURS, "payload_bytes": 8_000_000}, environment=DASK_ENV)
    assert rec.executor is Executor.DASK
    codes = {w.rule_id for w in rec.warnings}
    assert {"CA705", "CA706"} <= codes
    assert any("scatter" in w.message for w in rec.warnings)


def test_no_cluster_named_keeps_dask_quiet_for_ordinary_batches() -> None:
    rec = advise({"workload": "cpu", "tasks": 100, "task_seconds": 0.01}, environment=DASK_ENV)
    assert rec.executor is Executor.PROCESSES
    assert not any(r.rule_id.startswith("CA70") and r.rule_id > "CA703" for r in rec.reasons)


def test_cost_formula_is_bounded_by_the_cluster_and_pays_its_start_up() -> None:
    for workers in (1, 8, 32, 1000):
        p = predict({**HOURS, "cluster_workers": workers}, DASK_ENV).of(Executor.DASK)
        assert p.workers == workers
        assert p.speedup <= workers
        assert p.startup_seconds == DASK_ENV.costs.dask_start_seconds
    local = predict({**HOURS, "cluster_workers": None}, DASK_ENV).of(Executor.DASK)
    assert local.workers == DASK_ENV.cpus and local.speedup <= DASK_ENV.cpus


def test_calibration_says_whether_the_dask_figures_were_measured() -> None:
    def collect(*keys: str) -> MachineCosts:
        collector = Collector()
        collector.feed(Started(machine={"node": "x"}, cpus=2, width=2, methods=("fork",)))
        for key in keys:
            collector.feed(Samples(key=key, label=key, unit="s", values=(0.5, 0.7)))
        collector.feed(Finished())
        return collector.calibration(1.0, 1.0).costs

    measured = collect("dask_start", "dask_dispatch")
    assert measured.dask_source == "calibrated"
    assert measured.dask_start_seconds == pytest.approx(0.6)
    assert measured.dask_dispatch_seconds == pytest.approx(0.6)
    missing = collect("dask_start")
    assert missing.dask_source == "defaults"
    assert missing.dask_dispatch_seconds == DEFAULT_COSTS.dask_dispatch_seconds


# --- probe selection ---------------------------------------------------------------------


def test_default_selection_leaves_dask_out_unless_a_scheduler_is_given() -> None:
    default = select_executors()
    assert "dask" not in default and default[0] == "serial"
    assert "dask" in select_executors(scheduler="tcp://127.0.0.1:8786")
    assert select_executors("processes, DASK") == ("serial", "processes", "dask")


@pytest.mark.parametrize(
    ("names", "scheduler", "message"),
    [
        ("serial,ray", None, "unknown executor 'ray'"),
        (",", None, "no executor given"),
        ("serial,processes", "tcp://x:1", "add dask to --executors"),
    ],
)
def test_bad_selection_is_one_clear_error(names: str, scheduler: str | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        select_executors(names, scheduler=scheduler)


@pytest.mark.slow
def test_cli_unknown_executor_is_one_line_exit_2() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "concadvisor",
            "probe",
            "tests.probe_targets.workloads:cpu",
            "--executors",
            "serial,ray",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown executor 'ray'" in lines[0], result.stderr


# --- a real LocalCluster -----------------------------------------------------------------


def test_snippet_compiles_for_a_cluster_and_a_local_fallback() -> None:
    script = spec(Executor.DASK).snippet(SnippetRequest(None, 2, None, 20, "cpu", False, None))
    compile(script, "<dask snippet>", "exec")
    assert "DASK_SCHEDULER_ADDRESS" in script and "threads_per_worker=1" in script


@pytest.mark.slow
@needs_dask
def test_snippet_runs_as_written_on_a_local_cluster(tmp_path: Path) -> None:
    rec = advise({**HOURS, "tasks": 20}, environment=DASK_ENV)
    assert rec.executor is Executor.DASK
    script = tmp_path / "dask_snippet.py"
    script.write_text(rec.snippet)
    mark = f"dask-snippet-{os.getpid()}"
    env = {k: v for k, v in os.environ.items() if k != "DASK_SCHEDULER_ADDRESS"}
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**env, MARK: mark},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "20 results"
    assert marked_processes(mark) == []


@pytest.mark.slow
@needs_dask
def test_probe_measures_a_local_cluster_beside_the_pools_and_leaves_nothing_behind() -> None:
    mark = f"dask-probe-{os.getpid()}"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "concadvisor",
            "probe",
            "tests.probe_targets.workloads:cpu",
            "--executors",
            "serial,processes,dask",
            "--budget",
            "25",
            "--workers",
            "2",
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=90,
        check=False,
        env={**os.environ, MARK: mark},
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    rows = {row["executor"]: row for row in report["results"]}
    assert list(rows) == ["serial", "processes", "dask"]
    assert rows["dask"]["status"] == "ok", rows["dask"]
    assert rows["dask"]["wall_seconds"] > 0
    # Dask's logs and warnings stay off the terminal.
    assert "distributed" not in result.stderr and "Warning" not in result.stderr
    assert marked_processes(mark) == []


def _probe_marked(mark: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``concadvisor probe ARGS --budget 20 --json``, its processes carrying ``mark``."""
    return subprocess.run(
        [sys.executable, "-m", "concadvisor", "probe", *args, "--budget", "20", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=90,
        check=False,
        env={**os.environ, MARK: mark},
    )


@pytest.mark.slow
@needs_dask
def test_the_width_sweep_measures_local_clusters_of_growing_size() -> None:
    mark = f"dask-sweep-{os.getpid()}"
    result = _probe_marked(
        mark, "tests.probe_targets.workloads:sleep_io", "--executors", "serial,dask"
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    dask = next(row for row in report["results"] if row["executor"] == "dask")
    widths = [point["width"] for point in dask["sweep"] or []]
    stopped = [note for note in report["notes"] if note.startswith("sweep: dask stopped")]
    # widths 1, 2, ... each its own cluster -- or a note that the budget stopped the ladder
    assert widths[:2] == [1, 2] or stopped, (widths, report["notes"])
    assert marked_processes(mark) == []


_CLUSTER = """
import logging, sys
from distributed import LocalCluster
cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                       dashboard_address=None, silence_logs=logging.CRITICAL)
print(cluster.scheduler_address, flush=True)
sys.stdin.read()
cluster.close()
"""


@pytest.mark.slow
@needs_dask
def test_probe_runs_the_dask_row_on_an_existing_scheduler() -> None:
    mark = f"dask-scheduler-{os.getpid()}"
    env = {**os.environ, MARK: mark}
    cluster = subprocess.Popen(
        [sys.executable, "-c", _CLUSTER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert cluster.stdout is not None
        address = cluster.stdout.readline().strip()
        assert address.startswith("tcp://127.0.0.1:"), address
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "concadvisor",
                "probe",
                "tests.probe_targets.workloads:cpu",
                "--executors",
                "serial,dask",
                "--scheduler",
                address,
                "--budget",
                "20",
                "--workers",
                "1",
                "--json",
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=90,
            check=False,
            env=env,
        )
        assert result.returncode == 0, result.stderr
        rows = {row["executor"]: row for row in json.loads(result.stdout)["results"]}
        assert list(rows) == ["serial", "dask"]
        assert rows["dask"]["status"] == "ok", rows["dask"]
    finally:
        assert cluster.stdin is not None
        cluster.stdin.close()
        try:
            cluster.wait(timeout=20)
        except subprocess.TimeoutExpired:
            cluster.kill()
            cluster.wait()
        if cluster.stdout is not None:
            cluster.stdout.close()
    deadline = time.monotonic() + 10
    while marked_processes(mark) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert marked_processes(mark) == []


def test_unreachable_scheduler_is_a_usage_error() -> None:
    with pytest.raises(ValueError, match="cannot connect"):
        check_scheduler("tcp://127.0.0.1:1", timeout=1.0)
    with pytest.raises(ValueError, match="expected tcp://HOST:PORT"):
        check_scheduler("nonsense::")


@pytest.mark.slow
@needs_dask
def test_a_probe_terminated_while_its_cluster_runs_leaves_no_process_behind() -> None:
    mark = f"dask-terminated-{os.getpid()}"
    probe = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "concadvisor",
            "probe",
            "tests.probe_targets.workloads:cpu",
            "--executors",
            "serial,dask",
            "--budget",
            "30",
            "--workers",
            "2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
        env={**os.environ, MARK: mark},
    )
    try:
        # The probe, its runner, the resource tracker and the two worker processes (their
        # nannies live in the runner): wait for the cluster.
        deadline = time.monotonic() + 30
        while len(marked_processes(mark)) < 5 and time.monotonic() < deadline:
            assert probe.poll() is None, "the probe ended before its cluster started"
            time.sleep(0.05)
        assert len(marked_processes(mark)) >= 5
        probe.terminate()
        assert probe.wait(timeout=15) != 0
    finally:
        if probe.poll() is None:
            probe.kill()
            probe.wait()
    deadline = time.monotonic() + 5
    while marked_processes(mark) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marked_processes(mark) == []
