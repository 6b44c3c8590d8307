"""Benchmark: lint a generated project of N task profiles plus their target modules, and a
generated source tree of ~100k lines with ~3,000 coroutines and no configuration.

Targets: 1,000 profiles in under 1 s without --probe, linear in size; the tree in <= 2 s
through the command line.

    python benchmarks/bench_lint.py            # 250, 500, 1000, 2000 profiles, then the tree
    python benchmarks/bench_lint.py 1000       # one size
    python benchmarks/bench_lint.py --tree [--ruff PATH] [--flake8-async PATH]

For profiles, prints the best of 3 in-process runs (``lint_paths``) and one full
command-line run (``python -m concadvisor lint``, interpreter start-up included).  For the
tree, the best of 3 command-line runs of ours, and of ruff (``--select ASYNC``) and
flake8-async (``--enable=ASYNC2``) when found on PATH or given -- install them in a
virtualenv outside the project, they are not its dependencies.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from concadvisor.lint import LintOptions, lint_paths

EXECUTORS = ("serial", "threads", "processes", "asyncio")
WORKLOADS = ("io", "cpu", "mixed")


def make_project(root: Path, size: int, per_file: int = 100) -> None:
    """``size`` tasks in pyproject.toml files of ``per_file`` tasks each, one module per task."""
    for start in range(0, size, per_file):
        package = root / f"svc{start // per_file:03d}"
        (package / "app").mkdir(parents=True)
        (package / "app" / "__init__.py").write_text("")
        lines = ["[project]", f'name = "svc{start}"', "", "[tool.concadvisor]", 'fail-on = "error"']
        for i in range(start, min(size, start + per_file)):
            executor = EXECUTORS[i % 4]
            kind = "async def" if executor == "asyncio" else "def"
            (package / "app" / f"mod{i}.py").write_text(
                "import time\n\n"
                f"{kind} work(x: int) -> int:\n"
                "    total = 0\n"
                "    for i in range(x):\n"
                "        total += i * i\n"
                f"    {'time.sleep(0)' if i % 7 == 0 else 'pass'}\n"
                "    return total\n"
            )
            lines += [
                "",
                f"[tool.concadvisor.tasks.task{i}]",
                f'workload = "{WORKLOADS[i % 3]}"',
                f"tasks = {1 + (i * 37) % 5000}",
                f"task_seconds = {0.001 * (1 + i % 50)}",
                f"async_libraries = {'true' if i % 2 else 'false'}",
                "cpus = 4",
                f'executor = "{executor}"',
                f"workers = {1 + i % 8}",
                f'target = "app.mod{i}:work"  # the task\'s function',
            ]
        (package / "pyproject.toml").write_text("\n".join(lines) + "\n")


def measure(size: int) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_project(root, size)
        old = Path.cwd()
        os.chdir(root)
        try:
            best = float("inf")
            findings = 0
            for _ in range(3):
                start = time.perf_counter()
                result = lint_paths(["."], LintOptions())
                best = min(best, time.perf_counter() - start)
                findings = len(result.diagnostics)
            assert result.tasks == size, result.tasks
        finally:
            os.chdir(old)
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "concadvisor", "lint", ".", "--format", "json"],
            cwd=root,
            capture_output=True,
            check=False,
        )
        cli = time.perf_counter() - start
    return best, cli, findings


_TREE_UNIT = """

def helper_{n}(path: str) -> str:
    value = pure_{n}(len(path))
    if value > {n}:
        return load_{n}(path)
    return str(value)


def pure_{n}(x: int) -> int:
    total = 0
    for i in range(x):
        total += i * {n}
    return total


def load_{n}(path: str) -> str:
    with open(path) as handle:
        return handle.read()


class Service{n}:
    def __init__(self, root: str) -> None:
        self.root = root

    def fetch(self) -> str:
        return helper_{n}(self.root)


async def handler_{n}(url: str) -> str:
    await asyncio.sleep(0)
    service = Service{n}(url)
    data = await asyncio.to_thread(service.fetch)
    {blocking}
    return data + other.helper_{m}(url)
"""
_BLOCKING = ("time.sleep(0)", "requests.get(url)", "os.path.exists(url)", "pass")


def make_tree(root: Path, modules: int = 300, units: int = 10) -> tuple[int, int]:
    """``modules`` modules of ``units`` coroutines (and their helpers): (lines, coroutines).

    Every coroutine calls a helper of the next module that may open a file: one chain each."""
    package = root / "tree"
    package.mkdir()
    (package / "__init__.py").write_text("")
    lines = 0
    for index in range(modules):
        parts = [
            "import asyncio\nimport os.path\nimport time\n\nimport requests\n\n"
            f"from . import mod{(index + 1) % modules:03d} as other\n"
        ]
        for unit in range(units):
            n = index * units + unit
            m = ((index + 1) % modules) * units + unit
            parts.append(_TREE_UNIT.format(n=n, m=m, blocking=_BLOCKING[n % 4]))
        text = "".join(parts)
        lines += text.count("\n")
        (package / f"mod{index:03d}.py").write_text(text)
    return lines, modules * units


def _best_of(command: list[str], cwd: Path, runs: int = 3) -> tuple[float, str]:
    best, out = float("inf"), ""
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
        best = min(best, time.perf_counter() - start)
        out = proc.stdout
    return best, out


def measure_tree(ruff: str | None, flake8_async: str | None) -> None:
    found_ruff = shutil.which(ruff) if ruff else None  # also checks a given path runs
    found_flake8 = shutil.which(flake8_async) if flake8_async else None
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        lines, coroutines = make_tree(root)
        print(f"tree: {lines} lines, {coroutines} coroutines in 300 modules, no configuration")
        command = [sys.executable, "-m", "concadvisor", "lint", ".", "--format", "json"]
        ours, out = _best_of(command, root)
        found = len(json.loads(out)["findings"])
        print(f"  concadvisor lint  {ours:6.3f}s  {found} findings (target <= 2 s)")
        text, _ = _best_of([*command[:-2], "--format", "text"], root)
        print(f"  (--format text)   {text:6.3f}s")
        if found_ruff:
            command = [found_ruff, "check", "--isolated", "--no-cache", "--select", "ASYNC", "."]
            took, out = _best_of([*command, "--output-format", "concise"], root)
            print(f"  ruff ASYNC        {took:6.3f}s  {out.count(' ASYNC')} findings")
        else:
            why = f"{ruff} not found" if ruff else "not on PATH"
            print(f"  ruff              not measured ({why}; --ruff PATH)")
        if found_flake8:
            files = sorted(str(p) for p in (root / "tree").glob("*.py"))
            # one run: it takes minutes on this tree
            took, out = _best_of([found_flake8, "--enable=ASYNC2", *files], root, runs=1)
            print(f"  flake8-async      {took:6.3f}s  {out.count(' ASYNC')} findings (one run)")
        else:
            why = f"{flake8_async} not found" if flake8_async else "not on PATH"
            print(f"  flake8-async      not measured ({why}; --flake8-async PATH)")


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark concadvisor lint.")
    parser.add_argument("sizes", nargs="*", type=int, help="numbers of profiles")
    parser.add_argument("--tree", action="store_true", help="only the generated source tree")
    parser.add_argument("--ruff", default=shutil.which("ruff"))
    parser.add_argument("--flake8-async", dest="flake8_async", default=shutil.which("flake8-async"))
    args = parser.parse_args()
    if not args.tree:
        print(f"{'profiles':>8}  {'in-process':>10}  {'per 1k':>8}  {'CLI':>7}  findings")
        for size in args.sizes or [250, 500, 1000, 2000]:
            best, cli, findings = measure(size)
            print(
                f"{size:>8}  {best:>9.3f}s  {best * 1000 / size:>7.3f}s  {cli:>6.3f}s  {findings}"
            )
    if args.tree or not args.sizes:
        measure_tree(args.ruff, args.flake8_async)


if __name__ == "__main__":
    main()
