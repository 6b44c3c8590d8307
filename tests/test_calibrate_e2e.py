"""``concadvisor calibrate`` end to end: the budget holds, and no process outlives it.

Each run carries a unique environment marker that the runner, its watchdog, pool workers,
the forkserver and the resource tracker all inherit, so that leftovers are found exactly.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from faults import marked_processes

ROOT = Path(__file__).resolve().parent.parent
MARK = "CONCADVISOR_CALIBRATE_TEST_MARK"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc"),
]


def _marked_processes(mark: str) -> list[int]:
    return marked_processes(mark, MARK)


def _assert_no_leftovers(mark: str, within: float = 3.0) -> None:
    deadline = time.monotonic() + within
    left = _marked_processes(mark)
    while left and time.monotonic() < deadline:  # SIGKILL is delivered asynchronously
        time.sleep(0.05)
        left = _marked_processes(mark)
    for pid in left:  # do not leave them to the next test, but fail
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    assert left == [], f"processes left behind: {left}"


def _start(cache: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    mark = uuid.uuid4().hex
    env = {**os.environ, MARK: mark, "CONCADVISOR_CACHE_DIR": str(cache), "COLUMNS": "100"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "concadvisor", "calibrate", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
        start_new_session=True,  # its own group: killpg(SIGINT) is a terminal's Ctrl-C
    )
    return proc, mark


def test_normal_run_holds_its_budget_and_leaves_nothing(tmp_path: Path) -> None:
    started = time.monotonic()
    proc, mark = _start(tmp_path, "--budget", "2", "--json")
    out, err = proc.communicate(timeout=60)
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, err
    assert err == ""  # stderr is no terminal: no progress bar, not even its empty line
    data = json.loads(out)
    assert data["cached"] is True and Path(data["path"]).is_file()
    # Whatever did not fit is said, never invented: every figure is measured or listed.
    measured = {m["key"] for m in data["measurements"]}
    assert measured, data
    assert len(measured) + len(data["skipped"]) >= 13
    # The budget is the whole command, interpreter start-ups included (plus < 1 s).
    assert elapsed < 2 + 1.5, elapsed
    _assert_no_leftovers(mark)
