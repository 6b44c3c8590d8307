"""TaskProfile: the contract's fields, defaults, validation and schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from concadvisor import Executor, TaskProfile
from concadvisor.errors import ProfileFileError
from concadvisor.profile import as_profile
from concadvisor.profile_files import read_document
from concadvisor.validation import format_validation_error

CONTRACT_DEFAULTS: dict[str, Any] = {
    "name": "task",
    "cpu_fraction": None,
    "releases_gil": False,
    "async_libraries": False,
    "already_async": False,
    "refactor_tolerance": "low",
    "tasks": 1,
    "task_seconds": None,
    "payload_bytes": None,
    "shared_state": "none",
    "picklable": True,
    "start_method": None,
    "cpus": None,
    "free_threaded": None,
    "cluster_workers": None,
    "task_seconds_free_threaded": None,
    "pool_lifetime": "batch",
}


def test_fields_and_defaults_follow_the_contract() -> None:
    profile = TaskProfile(workload="io")
    assert set(TaskProfile.model_fields) == {"workload", *CONTRACT_DEFAULTS}
    for field, default in CONTRACT_DEFAULTS.items():
        assert getattr(profile, field) == default, field
    assert TaskProfile.model_fields["workload"].is_required()


def test_every_field_is_described() -> None:
    schema = TaskProfile.model_json_schema()
    for name, prop in schema["properties"].items():
        assert prop.get("description"), name


def test_profile_is_frozen_and_hashable() -> None:
    profile = TaskProfile(workload="cpu", tasks=3)
    with pytest.raises(ValidationError):
        profile.tasks = 4  # type: ignore[misc]
    assert hash(profile) == hash(TaskProfile(workload="cpu", tasks=3))


def test_executor_values() -> None:
    assert [e.value for e in Executor] == [
        "serial",
        "threads",
        "processes",
        "asyncio",
        "interpreters",
        "dask",
    ]
    assert Executor("threads") is Executor.THREADS
    assert isinstance(Executor.ASYNCIO, str)


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        ({}, "workload", "required"),
        ({"workload": "disk"}, "workload", "'io', 'cpu' or 'mixed'"),
        ({"workload": "io", "tasks": 0}, "tasks", ">= 1"),
        ({"workload": "io", "tasks": "5"}, "tasks", "valid integer"),
        ({"workload": "io", "tasks": 2.5}, "tasks", "valid integer"),
        ({"workload": "io", "cpu_fraction": 1.5}, "cpu_fraction", "<= 1"),
        ({"workload": "io", "cpu_fraction": float("nan")}, "cpu_fraction", "finite"),
        ({"workload": "io", "task_seconds": 0}, "task_seconds", ">= 0.000000001"),
        ({"workload": "io", "tasks": 10**13}, "tasks", "<= 1000000000000"),
        ({"workload": "io", "task_seconds": float("inf")}, "task_seconds", "finite"),
        ({"workload": "io", "payload_bytes": -1}, "payload_bytes", ">= 0"),
        ({"workload": "io", "releases_gil": "yes"}, "releases_gil", "valid boolean"),
        ({"workload": "io", "releases_gil": 1}, "releases_gil", "valid boolean"),
        ({"workload": "io", "shared_state": "rw"}, "shared_state", "'mutable'"),
        ({"workload": "io", "start_method": "vfork"}, "start_method", "'forkserver'"),
        ({"workload": "io", "cpus": 0}, "cpus", ">= 1"),
        ({"workload": "io", "refactor_tolerance": "some"}, "refactor_tolerance", "'high'"),
        ({"workload": "io", "name": ""}, "name", "at least 1"),
        ({"workload": "io", "taks": 3}, "taks", "did you mean 'tasks'"),
    ],
)
def test_invalid_profiles_name_the_field(data: dict[str, Any], field: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        TaskProfile.model_validate(data)
    message = format_validation_error(info.value)
    assert field in message
    assert fragment in message
    assert "\n" not in message


def test_mapping_is_accepted_anywhere_a_profile_is() -> None:
    assert as_profile({"workload": "cpu"}) == TaskProfile(workload="cpu")
    profile = TaskProfile(workload="io")
    assert as_profile(profile) is profile
    with pytest.raises(TypeError, match="TaskProfile or a mapping"):
        as_profile(["io"])  # type: ignore[arg-type]


def test_json_round_trip() -> None:
    profile = TaskProfile(workload="mixed", cpu_fraction=0.3, tasks=10, start_method="spawn")
    assert TaskProfile.model_validate_json(profile.model_dump_json()) == profile


def test_read_document_refuses_an_oversized_file(tmp_path: Path) -> None:
    from concadvisor import profile_files

    path = tmp_path / "big.json"
    path.write_text(" " * (profile_files.MAX_BYTES + 1))
    with pytest.raises(ProfileFileError, match="too large"):
        read_document(path)
