"""How much CPU concadvisor's start-up costs, as ratios to a bare ``python -c pass``.

Run: ``python benchmarks/bench_startup.py [--runs N]``.  Each command runs ``--runs`` times
(10 by default) in a fresh child process, interleaved with the others so that a noisy
neighbour hurts every command alike; a command's figure is the least CPU time (user + sys of
the child, from ``os.wait4``) over its runs.  CPU time rather than wall time: on a shared
machine, waiting for a core says nothing about the code.

Targets (2-core machine):

- ``import concadvisor`` <= 1.5x ``import pydantic`` (the one dependency it cannot avoid);
- ``concadvisor --version`` <= 3x bare python;
- ``concadvisor advise --workload io --tasks 10`` <= 0.25 s of CPU.

``concadvisor lint`` on an empty project and ``concadvisor --help`` are shown without a
target.

The children run as in a normal installation: ``PYTHONDONTWRITEBYTECODE`` and
``PYTHONUNBUFFERED`` are removed from their environment and one warm-up run of each command
writes the bytecode caches first (pip compiles them at install time; without them every run
compiles concadvisor's sources again, ~40 ms).  Output goes to the null device, as in a pipe:
rich then draws no colours and the snippet is not highlighted (on a terminal, highlighting
costs ~15 ms more).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Command:
    label: str
    argv: tuple[str, ...]


def _concadvisor() -> str:
    """The console script installed next to this interpreter (what users run)."""
    script = Path(sysconfig.get_path("scripts")) / "concadvisor"
    if not script.exists():
        sys.exit(f"bench_startup: {script} not found; run `pip install -e .` first")
    return str(script)


#: Variables that make a run unlike a user's (see the module docstring).
UNUSUAL_VARIABLES = ("PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED")


def child_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in UNUSUAL_VARIABLES}


def cpu_seconds(argv: Sequence[str], cwd: str, env: dict[str, str] | None = None) -> float:
    """CPU time (user + sys) of one run of ``argv``; its output is discarded."""
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env=child_environment() if env is None else env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):  # lint exits 1 on findings; anything else is broken
        sys.exit(f"bench_startup: {' '.join(argv)} failed ({process.returncode}): {errors!r}")
    return usage.ru_utime + usage.ru_stime


def measure(commands: Sequence[Command], runs: int, cwd: str) -> dict[str, float]:
    """Least CPU seconds per command over ``runs`` interleaved rounds, after one warm-up."""
    for command in commands:
        cpu_seconds(command.argv, cwd)  # writes the bytecode caches
    best = {c.label: float("inf") for c in commands}
    for _ in range(runs):
        for command in commands:
            best[command.label] = min(best[command.label], cpu_seconds(command.argv, cwd))
    return best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=10, help="runs per command (default: 10)")
    runs = parser.parse_args(argv).runs
    python, script = sys.executable, _concadvisor()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as empty_project:
        commands = [
            Command("python -c pass", (python, "-c", "pass")),
            Command("import pydantic", (python, "-c", "import pydantic")),
            Command("import concadvisor", (python, "-c", "import concadvisor")),
            Command("concadvisor --version", (script, "--version")),
            Command("concadvisor --help", (script, "--help")),
            Command(
                "concadvisor advise --workload io --tasks 10",
                (script, "advise", "--workload", "io", "--tasks", "10"),
            ),
            Command("concadvisor lint (empty project)", (script, "lint")),
        ]
        best = measure(commands, runs, cwd=empty_project)
    bare = best["python -c pass"]
    print(f"CPU time, least of {runs} runs; ratios to `python -c pass` ({bare * 1000:.0f} ms)")
    for command in commands:
        seconds = best[command.label]
        print(f"  {command.label:<45} {seconds * 1000:6.0f} ms  {seconds / bare:6.1f}x")
    checks = [
        (
            "import concadvisor <= 1.5x import pydantic",
            best["import concadvisor"] / best["import pydantic"],
            1.5,
            "x",
        ),
        ("concadvisor --version <= 3x bare python", best["concadvisor --version"] / bare, 3.0, "x"),
        (
            "advise through the CLI <= 0.25 s CPU",
            best["concadvisor advise --workload io --tasks 10"],
            0.25,
            " s",
        ),
    ]
    print()
    for title, value, limit, unit in checks:
        verdict = "PASS" if value <= limit else "MISS"
        print(f"  {verdict}  {title:<45} ({value:.2f}{unit})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
