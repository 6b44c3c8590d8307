"""Every example script runs as written (in a real subprocess) and reaches the probe."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT

EXAMPLES = sorted(p.name for p in (ROOT / "examples").glob("*.py") if p.name != "workloads.py")


def test_the_examples_are_there() -> None:
    assert {
        "cpu_bound.py",
        "io_threads.py",
        "io_asyncio.py",
        "gil_releasing.py",
        "mixed_pipeline.py",
    } <= set(EXAMPLES)


@pytest.mark.slow
@pytest.mark.parametrize("name", EXAMPLES)
def test_example_runs(name: str) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name)],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "advice:" in result.stdout
    assert "probe:" in result.stdout
