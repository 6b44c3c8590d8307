"""concadvisor demo: agreement logic, outputs, the loopback server, and one real run."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from concadvisor.demo.model import Cell, DemoReport, Row
from concadvisor.demo.render import to_markdown
from concadvisor.demo.run import _agreement, _predicted
from concadvisor.demo.scenarios import CONNECTIONS, SCENARIOS, Scenario
from concadvisor.demo.server import start_server
from concadvisor.demo.workloads import async_http_get, http_get
from concadvisor.environment import Environment
from concadvisor.probing.stats import summarize

from conftest import one_line_error, run_cli


def _cells(**speedups: float) -> list[Cell]:
    return [Cell(executor=name, status="ok", speedup=value) for name, value in speedups.items()]


def test_agreement_yes_tie_no_inconclusive() -> None:
    steady = {
        "serial": summarize([1.0, 1.01, 0.99]),
        "threads": summarize([0.5, 0.51, 0.49]),
        "processes": summarize([0.3, 0.31, 0.29]),
    }
    cells = _cells(serial=1.0, threads=2.0, processes=3.3)
    assert _agreement("processes", cells, steady)[:2] == ("processes", "yes")
    assert _agreement("threads", cells, steady)[:2] == ("processes", "no")
    tied = dict(steady, threads=summarize([0.305, 0.31, 0.302]))
    assert _agreement("threads", cells, tied)[1] == "tie"
    # No gain over serial, measured cleanly: the machine disagrees.
    flat = dict(steady, processes=summarize([1.0, 1.0, 1.01]))
    _, verdict, why = _agreement("processes", cells, flat)
    assert verdict == "no"
    assert "nothing measurable" in why
    # ... and with noisy rounds nothing can be said.
    noisy = dict(steady, processes=summarize([0.7, 1.0, 1.4]), serial=summarize([0.8, 1.0, 1.3]))
    assert _agreement("processes", cells, noisy)[1] == "inconclusive"
    skipped = [*cells, Cell(executor="asyncio", status="skipped", reason="sync target")]
    assert _agreement("asyncio", skipped, steady)[1] == "inconclusive"


def _on_a_gil_build(scenario: Scenario) -> Scenario:
    """The scenario as advised for a GIL build, whatever interpreter runs the test."""
    return replace(scenario, profile={**scenario.profile, "free_threaded": False})


def test_every_scenario_has_a_prediction_with_reasons() -> None:
    for scenario in (*SCENARIOS, CONNECTIONS):
        predicted, rules, summary = _predicted(_on_a_gil_build(scenario))
        assert predicted
        assert rules, scenario.key
        assert summary
    by_key = {s.key: _predicted(_on_a_gil_build(s))[0] for s in SCENARIOS}
    assert by_key["cpu-python"] == "processes"
    assert by_key["native-cpu"] == "threads"
    assert by_key["http-async"] == "asyncio"
    assert by_key["mixed"] == "asyncio+processes"
    assert by_key["tiny"] == "serial"
    assert by_key["large-payload"] != "processes"


def test_markdown_marks_winners_and_agreement() -> None:
    row = Row(
        key="cpu-python",
        title="CPU, pure Python",
        cells=_cells(serial=1.0, threads=0.95, processes=1.9, asyncio=1.0),
        winner="processes",
        predicted="processes",
        predicted_rules=["CA103"],
        note_says="processes",
        agrees="yes",
        why="processes was fastest (1.9x serial)",
        seconds=5.0,
    )
    report = DemoReport(
        rows=[row],
        environment=Environment.example(cpus=2),
        python="CPython 3.12.0",
        date="2026-11-28 12:00 UTC",
        budget_seconds=60,
        elapsed_seconds=41,
    )
    text = to_markdown(report)
    assert "| CPU, pure Python | 1.0x | 0.95x | **1.9x** | 1.0x | processes (CA103) | yes |" in text
    assert "2 usable CPUs" in text
    assert DemoReport.model_validate_json(report.model_dump_json()) == report


def test_loopback_server_answers_and_stops_with_its_parent() -> None:
    with start_server(delay=0.01, lifetime=30) as server:
        assert server.url.startswith("http://127.0.0.1:")
        assert http_get(server.url) == 512
        import asyncio

        assert asyncio.run(async_http_get(server.url)) == 512
        process = server.process
    assert process.poll() is not None  # stopped, not left behind


def test_connections_experiment_reports_threads_and_memory() -> None:
    with start_server(delay=0.05, lifetime=30) as server:
        for mode in ("threads", "asyncio"):
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "concadvisor.demo.connections",
                    "--mode",
                    mode,
                    "--connections",
                    "60",
                    "--url",
                    server.url,
                ],
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            )
            data = json.loads(done.stdout)
            assert data["errors"] == 0
            assert data["peak_rss_bytes"] >= 0
            assert (data["threads"] == 1) == (mode == "asyncio")


@pytest.mark.slow
def test_demo_end_to_end(tmp_path: Path) -> None:
    md, js = tmp_path / "demo.md", tmp_path / "demo.json"
    start = time.monotonic()
    result = run_cli(
        "demo",
        "--budget",
        "15",
        "--only",
        "tiny",
        "sleep-io",
        "--markdown",
        str(md),
        "--json",
        str(js),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - start < 15 + 15
    report = DemoReport.model_validate_json(js.read_text())
    rows = {row.key: row for row in report.rows}
    assert set(rows) == {"tiny", "sleep-io"}
    # Orders of magnitude only: sleeping tasks overlap under threads, tiny ones never gain.
    sleep = {c.executor: c for c in rows["sleep-io"].cells}
    assert sleep["threads"].speedup is not None
    assert sleep["threads"].speedup > 2
    assert rows["tiny"].winner == "serial"
    assert "| I/O, sleep |" in md.read_text()
    assert "predicted" in result.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--budget", "3"], "between 15 and 3600"),
        (["--budget", "inf"], "between 15 and 3600"),
        (["--only", "nosuch"], "unknown workload 'nosuch'"),
        (["--markdown", "/nonexistent/dir/x.md"], "does not exist"),
    ],
)
def test_demo_usage_errors(args: list[str], fragment: str) -> None:
    result = run_cli("demo", *args)
    assert result.returncode == 2
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_plots_are_written_when_matplotlib_is_installed(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    demo_png, probe_png = tmp_path / "demo.png", tmp_path / "probe.png"
    demo = run_cli("demo", "--budget", "15", "--only", "tiny", "--plot", str(demo_png))
    assert demo.returncode == 0, demo.stderr
    probe = run_cli(
        "probe", "examples/workloads.py:sleep_io", "--budget", "2", "--plot", str(probe_png)
    )
    assert probe.returncode == 0, probe.stderr
    for png in (demo_png, probe_png):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_small_gain_does_not_contradict_serial() -> None:
    steady = {
        "serial": summarize([1.0, 1.01, 0.99]),
        "threads": summarize([0.9, 0.91, 0.89]),
        "processes": summarize([3.0, 3.1, 2.9]),
    }
    cells = _cells(serial=1.0, threads=1.11, processes=0.33)
    winner, verdict, why = _agreement("serial", cells, steady)
    assert (winner, verdict) == ("threads", "tie")
    assert "worth a pool" in why
    faster = dict(steady, threads=summarize([0.5, 0.51, 0.49]))
    assert _agreement("serial", _cells(serial=1.0, threads=2.0, processes=0.33), faster)[1] == "no"


def test_demo_output_that_is_a_directory_fails_before_measuring(tmp_path: Path) -> None:
    proc = run_cli("demo", "--only", "tiny", "--budget", "15", "--json", str(tmp_path))
    assert proc.returncode == 2
    assert "--json" in one_line_error(proc)
    assert proc.stdout == ""
