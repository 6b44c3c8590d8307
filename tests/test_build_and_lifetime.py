"""The free-threaded single-thread penalty and the pool's lifetime in the cost model."""

from __future__ import annotations

import subprocess
import sys

import pytest

from concadvisor import advise
from concadvisor.costs import predict
from concadvisor.costs.inputs import build_factor
from concadvisor.costs.machine import DEFAULT_COSTS, DEFAULT_FREE_THREADED_PENALTY
from concadvisor.costs.penalty import free_threaded_build, measure_penalty
from concadvisor.environment import Environment
from concadvisor.probing.session import Measurements
from concadvisor.probing.startup_costs import with_measured_startup
from concadvisor.profile import TaskProfile

FREE_314 = Environment.example(free_threaded=True, python_version=(3, 14, 0))
GIL_314 = Environment.example(python_version=(3, 14, 0))
CPU = {"workload": "cpu", "tasks": 8, "task_seconds": 0.1, "cpus": 4}


@pytest.mark.parametrize(
    ("measured_on_free", "env", "expected"),
    [
        (None, FREE_314, 1.0),  # measured on the build advised for
        (True, FREE_314, 1.0),  # already includes the penalty: never counted twice
        (False, FREE_314, DEFAULT_FREE_THREADED_PENALTY[()]),
        (True, GIL_314, 1 / DEFAULT_FREE_THREADED_PENALTY[()]),
        (False, GIL_314, 1.0),
    ],
)
def test_build_factor(measured_on_free: bool | None, env: Environment, expected: float) -> None:
    profile = TaskProfile(workload="cpu", task_seconds_free_threaded=measured_on_free)
    assert build_factor(profile, env) == pytest.approx(expected)


def test_default_penalty_depends_on_the_version() -> None:
    assert DEFAULT_COSTS.penalty((3, 13, 5)) == (DEFAULT_FREE_THREADED_PENALTY[(3, 13)], False)
    assert DEFAULT_COSTS.penalty((3, 15, 0)) == (DEFAULT_FREE_THREADED_PENALTY[()], False)


def test_gil_measurement_advised_for_free_threaded_pays_the_penalty_on_its_cpu_part() -> None:
    base = predict({**CPU, "task_seconds_free_threaded": True}, FREE_314)
    moved = predict({**CPU, "task_seconds_free_threaded": False}, FREE_314)
    assert moved.serial_seconds == pytest.approx(base.serial_seconds * 1.1)
    assert any("1.1x (default, not calibrated)" in a for a in moved.assumptions)
    assert not any("penalty" in a for a in base.assumptions)
    # Waiting and native code that releases the GIL pay nothing.
    io = predict(
        {**CPU, "workload": "io", "task_seconds_free_threaded": False, "cpu_fraction": 0.0},
        FREE_314,
    )
    assert io.serial_seconds == pytest.approx(0.8)
    native = predict({**CPU, "releases_gil": True, "task_seconds_free_threaded": False}, FREE_314)
    assert native.serial_seconds == pytest.approx(0.8)


def test_a_calibrated_penalty_replaces_the_default() -> None:
    costs = DEFAULT_COSTS.model_copy(update={"source": "calibrated", "free_threaded_penalty": 1.4})
    env = FREE_314.model_copy(update={"costs": costs})
    moved = predict({**CPU, "task_seconds_free_threaded": False}, env)
    assert moved.serial_seconds == pytest.approx(0.8 * 1.4)
    assert any("1.4x (calibrated)" in a for a in moved.assumptions)


@pytest.mark.skipif(free_threaded_build(), reason="a GIL build has no penalty to measure")
def test_a_gil_build_measures_no_penalty() -> None:
    ratio, why = measure_penalty()
    assert ratio is None
    assert why.startswith("not applicable")


SHORT_CPU = {"workload": "cpu", "tasks": 20, "task_seconds": 0.002, "cpus": 4}
SPAWN = Environment.example(start_method="spawn")


def test_a_pool_kept_for_the_program_amortises_its_start_up() -> None:
    batch = predict(SHORT_CPU, SPAWN).of("processes")
    program = predict({**SHORT_CPU, "pool_lifetime": "program"}, SPAWN)
    assert batch.startup_seconds > 0
    assert program.of("processes").startup_seconds == 0
    assert program.of("threads").startup_seconds == 0
    assert any("pool_lifetime program" in a for a in program.assumptions)


def test_start_up_rule_fires_for_a_batch_only() -> None:
    batch = advise(SHORT_CPU, environment=SPAWN)
    program = advise({**SHORT_CPU, "pool_lifetime": "program"}, environment=SPAWN)
    assert "CA502" in {r.rule_id for r in batch.reasons}
    assert "CA502" not in {r.rule_id for r in program.reasons}
    reason = next(r for r in batch.reasons if r.rule_id == "CA502")
    assert "pool_lifetime='program'" in reason.message


def test_probe_start_up_feeds_the_costs() -> None:
    m = Measurements(target="x:y", plan={"processes": 2, "threads": 4, "tasks": 8})
    m.records["processes"].startup = 1.6
    costs = with_measured_startup(m, DEFAULT_COSTS, "forkserver")
    assert costs.process_start_seconds["forkserver"] == pytest.approx(0.8)
    assert costs.process_start_seconds["fork"] == DEFAULT_COSTS.process_start_seconds["fork"]
    assert costs.interpreter_start_seconds == DEFAULT_COSTS.interpreter_start_seconds
    assert with_measured_startup(Measurements(target="x:y"), DEFAULT_COSTS, "fork") is (
        DEFAULT_COSTS
    )


def test_cli_takes_the_new_fields() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "concadvisor",
            "advise",
            "--workload",
            "cpu",
            "--tasks",
            "20",
            "--task-seconds",
            "0.002",
            "--pool-lifetime",
            "program",
            "--no-task-seconds-free-threaded",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "concadvisor",
            "advise",
            "--workload",
            "cpu",
            "--pool-lifetime",
            "forever",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert bad.returncode != 0
    assert "Traceback" not in bad.stderr
