"""Shared fixtures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

from concadvisor import Environment

ROOT = Path(__file__).resolve().parent.parent


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


# `HYPOTHESIS_PROFILE=thorough pytest` explores far more inputs than the default run.
settings.register_profile("thorough", max_examples=3000, deadline=None)
settings.register_profile("default", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
