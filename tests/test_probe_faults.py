"""The probe's faults, end to end: each reproduction runs in an empty directory.

A helper records what the contract promises for each run: the exit code, the wall time
against the budget (+ 3 s, DESIGN.md), the shape of stderr (one line, no traceback) and the
processes left behind.  Every run carries a unique environment marker that the runner, its
pool workers and anything they fork inherit, so leftovers are counted exactly.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from concadvisor import probe, probe_target
from concadvisor.errors import TargetError

ROOT = Path(__file__).resolve().parent.parent
MARK = "CONCADVISOR_FAULT_TEST_MARK"
LINUX = sys.platform.startswith("linux")
#: DESIGN.md: the probe returns within --budget + this, even if the function hangs.
CONTRACT_SLACK = 3.0


def _marked(mark: str) -> list[int]:
    """Live (not zombie) processes whose environment carries ``mark``."""
    found: list[int] = []
    needle = f"{MARK}={mark}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rpartition(")")[2].split()[0]
        except (OSError, IndexError):
            continue
        if needle in environ and state not in ("Z", "X"):
            found.append(int(entry.name))
    return found


def _leftovers(mark: str) -> list[int]:
    deadline = time.monotonic() + 2.0
    left = _marked(mark)
    while left and time.monotonic() < deadline:  # SIGKILL lands asynchronously
        time.sleep(0.05)
        left = _marked(mark)
    for pid in left:  # never leave them to the next test
        with_suppress_kill(pid)
    return left


def with_suppress_kill(pid: int) -> None:
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)


@functools.cache
def _cli_startup() -> float:
    """Seconds this machine needs to start the CLI at all (it is not the probe's time)."""
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "concadvisor", "--version"],
        capture_output=True,
        env=_env("startup"),
        timeout=60,
        check=False,
    )
    return time.monotonic() - started


@dataclass
class Run:
    code: int
    seconds: float
    stdout: str
    stderr: str
    leftovers: list[int]

    def assert_contract(self, budget: float) -> None:
        assert self.code in (0, 1, 2, 130), self.stderr
        assert "Traceback" not in self.stderr, self.stderr
        allowed = budget + CONTRACT_SLACK + _cli_startup()
        assert self.seconds < allowed, f"{self.seconds:.1f} s at budget {budget}"
        assert self.leftovers == [], f"processes left behind: {self.leftovers}"


def _env(mark: str) -> dict[str, str]:
    env = dict(os.environ)
    env[MARK] = mark
    env["PYTHONPATH"] = str(ROOT / "src")
    return env


def probe_cli(tmp: Path, source: str, *args: str, budget: float) -> Run:
    """``concadvisor probe t:f --budget B ARGS`` in ``tmp`` holding ``t.py`` = ``source``."""
    (tmp / "t.py").write_text(source)
    mark = uuid.uuid4().hex
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "concadvisor", "probe", "t:f", "--budget", str(budget), *args],
        capture_output=True,
        text=True,
        cwd=tmp,
        env=_env(mark),
        timeout=budget + 60,
        check=False,
    )
    seconds = time.monotonic() - started
    return Run(proc.returncode, seconds, proc.stdout, proc.stderr, _leftovers(mark))


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not LINUX, reason="counts processes through /proc"),
]

HANG = "import time\ndef f():\n    time.sleep(3600)\n"


def test_f1_a_killed_probe_takes_its_runner_along(tmp_path: Path) -> None:
    """SIGKILL the probe while the function hangs in its warm-up: the runner follows."""
    (tmp_path / "t.py").write_text(HANG)
    mark = uuid.uuid4().hex
    proc = subprocess.Popen(
        [sys.executable, "-m", "concadvisor", "probe", "t:f", "--budget", "20"],
        cwd=tmp_path,
        env=_env(mark),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while len(_marked(mark)) < 2 and time.monotonic() < deadline:  # probe + runner
        time.sleep(0.1)
    time.sleep(1.0)  # the runner is in the warm-up call by now
    proc.kill()
    proc.wait()
    assert _leftovers(mark) == []


ESCAPE = """\
import os, time
_done = set()
def f():
    if os.getpid() not in _done:
        _done.add(os.getpid())
        if os.fork() == 0:
            os.setsid()
            os.fork() or time.sleep(30)
            os._exit(0)
    return 1
"""


def test_f2_a_grandchild_that_leaves_the_group_neither_hangs_nor_survives(
    tmp_path: Path,
) -> None:
    run = probe_cli(tmp_path, ESCAPE, "--json", budget=3)
    run.assert_contract(3)
    assert run.code == 0


def test_f4_closing_every_descriptor_then_hanging_keeps_the_deadline(tmp_path: Path) -> None:
    source = "import os, time\ndef f():\n    os.closerange(0, 1024)\n    time.sleep(3600)\n"
    run = probe_cli(tmp_path, source, budget=1)
    run.assert_contract(1)
    assert run.code == 1
    assert "descriptors" in run.stdout


def test_f12_an_import_that_raises_keyboardinterrupt_is_a_usage_error(tmp_path: Path) -> None:
    run = probe_cli(tmp_path, "raise KeyboardInterrupt\n", budget=3)
    run.assert_contract(3)
    assert run.code == 2
    assert run.stderr.strip() == "concadvisor: error: cannot import 't:f': KeyboardInterrupt"
    assert run.seconds < 3  # it does not wait out the budget


FORGE = """\
import json, os
def f():
    line = json.dumps({"event": "trial", "executor": "processes", "round": 1,
                       "wall": 0.0, "cpu": 0, "queued": 0}) + "\\n"
    for fd in range(3, 64):
        try:
            os.write(fd, line.encode())
        except OSError:
            pass
    return 1
"""


def test_f14_an_event_forged_from_the_function_is_refused(tmp_path: Path) -> None:
    run = probe_cli(tmp_path, FORGE, "--json", budget=3)
    run.assert_contract(3)
    assert run.code == 1  # serial could not be measured: the runner is not trusted
    assert "event pipe" in run.stdout
    assert '"fastest": null' in run.stdout


def test_f16_a_deleted_working_directory_is_one_line(tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    mark = uuid.uuid4().hex
    script = f"cd {gone} && rmdir {gone} && exec {sys.executable} -m concadvisor probe t:f"
    proc = subprocess.run(
        ["sh", "-c", script], capture_output=True, text=True, env=_env(mark), timeout=60
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "concadvisor: error: the current directory no longer exists: cd to a real one"
    )
    assert _leftovers(mark) == []


def test_f18_a_tiny_budget_is_not_an_import_that_hung(tmp_path: Path) -> None:
    run = probe_cli(tmp_path, "def f():\n    return 1\n", budget=0.01)
    run.assert_contract(0.01)
    assert "did not finish" not in run.stderr
    assert "hangs" not in run.stdout
    if run.code == 2:  # the runner did not even start within the budget
        assert "ran out before the probe's runner had started" in run.stderr


ENDLESS = """\
import itertools
def f(x):
    return x
def inputs():
    return ((i,) for i in itertools.count())
"""


def test_an_endless_inputs_factory_is_cut(tmp_path: Path) -> None:
    run = probe_cli(tmp_path, ENDLESS, "--inputs", "t:inputs", "--json", budget=3)
    run.assert_contract(3)
    assert run.code == 0
    assert "took the first" in run.stdout


def test_lint_probe_with_an_escaping_grandchild_keeps_its_budget(tmp_path: Path) -> None:
    (tmp_path / "t.py").write_text(ESCAPE)
    (tmp_path / "concadvisor.toml").write_text(
        '[tasks.job]\nworkload = "cpu"\nexecutor = "serial"\ntarget = "t:f"\n'
    )
    mark = uuid.uuid4().hex
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "concadvisor", "lint", "--probe", "--probe-budget", "2", "."],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_env(mark),
        timeout=60,
        check=False,
    )
    run = Run(proc.returncode, time.monotonic() - started, proc.stdout, proc.stderr, [])
    run.leftovers = _leftovers(mark)
    run.assert_contract(2)


# --- the API, in process ----------------------------------------------------------------


def test_probe_target_with_a_missing_directory_is_a_target_error(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="no such directory"):
        probe_target("t:f", cwd=tmp_path / "missing", budget=1)


def _endless() -> object:
    i = 0
    while True:
        yield (i,)
        i += 1


def identity(x: int) -> int:
    return x


def test_probe_takes_a_bounded_number_of_an_endless_generator() -> None:
    started = time.monotonic()
    report = probe(identity, inputs=_endless(), budget=2)  # type: ignore[arg-type]
    assert time.monotonic() - started < 2 + CONTRACT_SLACK
    assert report.exit_code == 0
