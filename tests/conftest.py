"""Shared fixtures."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from concadvisor import Environment, detect_environment

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True, scope="session")
def _isolated_calibration_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests (and the CLI subprocesses they start) never read or write the user's cache."""
    previous = os.environ.get("CONCADVISOR_CACHE_DIR")
    os.environ["CONCADVISOR_CACHE_DIR"] = str(tmp_path_factory.mktemp("calibration-cache"))
    detect_environment.cache_clear()
    yield
    if previous is None:
        os.environ.pop("CONCADVISOR_CACHE_DIR", None)
    else:
        os.environ["CONCADVISOR_CACHE_DIR"] = previous
    detect_environment.cache_clear()


@pytest.fixture
def env4() -> Environment:
    """An ordinary environment: 4 CPUs, GIL, fork, Python 3.12 on Linux."""
    return Environment.example()


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m concadvisor ARGS`` in a real subprocess."""
    env = dict(os.environ)
    env.setdefault("COLUMNS", "100")
    return subprocess.run(
        [sys.executable, "-m", "concadvisor", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        timeout=timeout,
        env=env,
        check=False,
    )


def one_line_error(proc: object) -> str:
    """The one ``concadvisor: error: ...`` line of a failed run (and no traceback)."""
    stderr: str = proc.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("concadvisor: error: "), stderr
    return lines[0]


# `HYPOTHESIS_PROFILE=thorough pytest` explores far more inputs than the default run.
settings.register_profile("thorough", max_examples=3000, deadline=None)
settings.register_profile("default", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
