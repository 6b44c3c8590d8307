"""Benchmark: lint a generated project of N task profiles plus their target modules.

Target: 1,000 profiles in under 1 s without --probe, linear in size.

    python benchmarks/bench_lint.py            # 250, 500, 1000, 2000 profiles
    python benchmarks/bench_lint.py 1000       # one size

Prints, per size, the best of 3 in-process runs (``lint_paths``) and one full command-line
run (``python -m concadvisor lint``, interpreter start-up included).
"""

from __future__ import annotations

import os
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


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [250, 500, 1000, 2000]
    print(f"{'profiles':>8}  {'in-process':>10}  {'per 1k':>8}  {'CLI':>7}  findings")
    for size in sizes:
        best, cli, findings = measure(size)
        print(f"{size:>8}  {best:>9.3f}s  {best * 1000 / size:>7.3f}s  {cli:>6.3f}s  {findings}")


if __name__ == "__main__":
    main()
