"""Environment detection: CPUs from affinity and cgroups, GIL, start method; overrides."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from concadvisor import Environment, TaskProfile, advise, detect_environment
from concadvisor.environment import cgroup_cpu_limit, effective_environment, usable_cpus


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_cgroup_v2_quota(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "proc/self/cgroup": "0::/app.slice/app.service\n",
            "sys/fs/cgroup/app.slice/app.service/cpu.max": "150000 100000\n",
            "sys/fs/cgroup/app.slice/cpu.max": "max 100000\n",
        },
    )
    assert cgroup_cpu_limit(root) == pytest.approx(1.5)


def test_cgroup_v2_parent_limit_applies(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "proc/self/cgroup": "0::/a/b\n",
            "sys/fs/cgroup/a/b/cpu.max": "max 100000\n",
            "sys/fs/cgroup/a/cpu.max": "200000 100000\n",
        },
    )
    assert cgroup_cpu_limit(root) == pytest.approx(2.0)


def test_cgroup_v2_unlimited(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {"proc/self/cgroup": "0::/\n", "sys/fs/cgroup/cpu.max": "max 100000\n"},
    )
    assert cgroup_cpu_limit(root) is None


def test_cgroup_v1_cfs_quota(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "proc/self/cgroup": "4:cpu,cpuacct:/docker/abc\n3:memory:/docker/abc\n",
            "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "300000\n",
            "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000\n",
        },
    )
    assert cgroup_cpu_limit(root) == pytest.approx(3.0)


def test_cgroup_v1_unlimited_and_garbage(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "proc/self/cgroup": "garbage line\n4:cpu:/x\n",
            "sys/fs/cgroup/cpu/x/cpu.cfs_quota_us": "-1\n",
            "sys/fs/cgroup/cpu/x/cpu.cfs_period_us": "100000\n",
        },
    )
    assert cgroup_cpu_limit(root) is None


def test_no_cgroup_files_at_all(tmp_path: Path) -> None:
    assert cgroup_cpu_limit(tmp_path) is None


def test_detected_environment_is_sane_and_cached() -> None:
    env = detect_environment()
    assert env is detect_environment()
    assert 1 <= env.cpus <= env.logical_cpus
    assert env.cpus == usable_cpus()
    assert env.start_method in env.start_methods
    assert env.python_version[:2] == sys.version_info[:2]
    assert env.free_threaded is (not getattr(sys, "_is_gil_enabled", lambda: True)())


def test_python_features() -> None:
    assert Environment.example(python_version=(3, 10, 0)).has_task_group is False
    assert Environment.example(python_version=(3, 11, 0)).has_task_group is True
    assert Environment.example().has_interpreter_pool is False
    assert Environment.example(python_version=(3, 14, 0)).has_interpreter_pool is True


def test_profile_fields_override_the_environment(env4: Environment) -> None:
    profile = TaskProfile(workload="cpu", cpus=1, free_threaded=True, start_method="spawn")
    env = effective_environment(profile, env4)
    assert (env.cpus, env.free_threaded, env.start_method) == (1, True, "spawn")
    assert effective_environment(TaskProfile(workload="cpu"), env4) is env4


def test_injected_environment_drives_advice() -> None:
    profile = {"workload": "cpu", "tasks": 100}
    assert advise(profile, environment=Environment.example(cpus=8)).executor.value == "processes"
    assert advise(profile, environment=Environment.example(cpus=1)).executor.value == "serial"
    free = Environment.example(cpus=8, free_threaded=True)
    assert advise(profile, environment=free).executor.value == "threads"
