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

ROOT = Path(__file__).resolve().parent.parent
MARK = "CONCADVISOR_CALIBRATE_TEST_MARK"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc"),
]


def _marked_processes(mark: str) -> list[int]:
    """Live (not zombie) processes whose environment carries ``mark``."""
    found: list[int] = []
    needle = f"{MARK}={mark}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state = stat.rpartition(")")[2].split()[0] if ")" in stat else "?"
        if needle in environ and state not in ("Z", "X"):
            found.append(int(entry.name))
    return found


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


def _wait_for_workers(mark: str, proc: subprocess.Popen[str], count: int = 3) -> None:
    """Until the calibration runs pool workers (parent, runner, watchdog, workers...)."""
    deadline = time.monotonic() + 20
    while len(_marked_processes(mark)) < count + 1 and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)


def test_normal_run_holds_its_budget_and_leaves_nothing(tmp_path: Path) -> None:
    started = time.monotonic()
    proc, mark = _start(tmp_path, "--budget", "2", "--json")
    out, err = proc.communicate(timeout=60)
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, err
    data = json.loads(out)
    assert data["cached"] is True and Path(data["path"]).is_file()
    # Whatever did not fit is said, never invented: every figure is measured or listed.
    measured = {m["key"] for m in data["measurements"]}
    assert measured, data
    assert len(measured) + len(data["skipped"]) >= 13
    # The budget is the whole command, interpreter start-ups included (plus < 1 s).
    assert elapsed < 2 + 1.5, elapsed
    _assert_no_leftovers(mark)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killing_the_parent_takes_every_child_down(tmp_path: Path, sig: signal.Signals) -> None:
    proc, mark = _start(tmp_path, "--budget", "20")
    _wait_for_workers(mark, proc)
    os.kill(proc.pid, sig)
    proc.communicate(timeout=10)
    _assert_no_leftovers(mark, within=5.0)


def test_ctrl_c_prints_one_line_and_exits_130(tmp_path: Path) -> None:
    proc, mark = _start(tmp_path, "--budget", "20")
    _wait_for_workers(mark, proc)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal does: the foreground group
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 130, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines == ["concadvisor: error: interrupted"], err
    _assert_no_leftovers(mark)


@pytest.mark.parametrize("obstacle", ["directory", "fifo", "dir-is-a-file"])
def test_an_unwritable_cache_is_refused_before_measuring(tmp_path: Path, obstacle: str) -> None:
    from concadvisor.costs.machine import machine_fingerprint

    cache = tmp_path / "cache"
    target = cache / f"costs-{machine_fingerprint()}.json"
    if obstacle == "dir-is-a-file":
        cache.write_text("")
    else:
        cache.mkdir()
        target.mkdir() if obstacle == "directory" else os.mkfifo(target)
    started = time.monotonic()
    proc, mark = _start(cache, "--budget", "30")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, err
    assert err.strip().splitlines() == [err.strip()]
    assert "cannot write the calibration cache" in err
    assert time.monotonic() - started < 15  # refused at once, not after 30 s of measuring
    _assert_no_leftovers(mark)
