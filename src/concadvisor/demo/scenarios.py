"""The demo's rows: one canonical workload each, with the profile a developer would declare.

``profile`` is what the guidance is asked about (``advise(profile)``, corrections included);
``note_says`` is what the classic summary (guidance G7/G8) would answer, so the table shows where
the corrections matter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["CONNECTIONS", "SCENARIOS", "Scenario"]

_W = "concadvisor.demo.workloads"


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    target: str
    profile: dict[str, Any]
    note_says: str
    #: Positional arguments; the string "{url}" is replaced by the loopback server's URL.
    args: tuple[Any, ...] = ()
    needs_server: bool = False
    #: ``MODULE:FACTORY`` building per-task arguments in the probe's runner (instead of args).
    inputs: str | None = None
    #: Also measure asyncio with the CPU part offloaded to a process pool.
    offload_variant: bool = False
    #: Relative weight in the time budget.
    weight: float = 1.0
    notes: tuple[str, ...] = field(default=())


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        key="cpu-python",
        title="CPU, pure Python",
        target=f"{_W}:cpu_python",
        args=(200_000,),
        profile={"workload": "cpu", "tasks": 64, "task_seconds": 0.01, "payload_bytes": 64},
        note_says="processes",
    ),
    Scenario(
        key="native-cpu",
        title="CPU, native (hashlib)",
        target=f"{_W}:native_hash",
        args=(8, 1),
        profile={
            "workload": "cpu",
            "releases_gil": True,
            "tasks": 64,
            "task_seconds": 0.015,
            "payload_bytes": 128,
        },
        note_says="processes",
    ),
    Scenario(
        key="sleep-io",
        title="I/O, sleep",
        target=f"{_W}:sleep_io",
        args=(0.02,),
        profile={"workload": "io", "tasks": 64, "task_seconds": 0.02, "payload_bytes": 64},
        note_says="threads or asyncio",
    ),
    Scenario(
        key="http-blocking",
        title="I/O, HTTP blocking",
        target=f"{_W}:http_get",
        args=("{url}",),
        needs_server=True,
        profile={"workload": "io", "tasks": 64, "task_seconds": 0.02, "payload_bytes": 600},
        note_says="threads or asyncio",
    ),
    Scenario(
        key="http-async",
        title="I/O, HTTP async",
        target=f"{_W}:async_http_get",
        args=("{url}",),
        needs_server=True,
        profile={
            "workload": "io",
            "async_libraries": True,
            "refactor_tolerance": "high",
            "tasks": 64,
            "task_seconds": 0.02,
            "payload_bytes": 600,
        },
        note_says="asyncio",
    ),
    Scenario(
        key="mixed",
        title="mixed, HTTP + CPU",
        target=f"{_W}:mixed_async",
        args=("{url}", 400_000),
        needs_server=True,
        offload_variant=True,
        weight=1.4,
        profile={
            "workload": "mixed",
            "cpu_fraction": 0.45,
            "async_libraries": True,
            "refactor_tolerance": "high",
            "tasks": 64,
            "task_seconds": 0.04,
            "payload_bytes": 600,
        },
        note_says="asyncio",
    ),
    Scenario(
        key="tiny",
        title="tiny tasks",
        target=f"{_W}:tiny",
        args=(1,),
        profile={"workload": "cpu", "tasks": 1000, "task_seconds": 2e-7, "payload_bytes": 40},
        note_says="processes",
    ),
    Scenario(
        key="large-payload",
        title="large payloads",
        target=f"{_W}:large_payload",
        # 50,000 records (1.2 MB pickled) sent to every task: IPC-bound for a process pool.
        inputs=f"{_W}:large_payload_inputs",
        profile={
            "workload": "cpu",
            "tasks": 32,
            "task_seconds": 0.002,
            "payload_bytes": 1_200_000,
        },
        note_says="processes",
    ),
)

#: The many-connections row: threads (one per connection) against coroutines.
CONNECTIONS = Scenario(
    key="connections",
    title="2,000 concurrent connections",
    target="",
    needs_server=True,
    profile={
        "workload": "io",
        "async_libraries": True,
        "refactor_tolerance": "high",
        "tasks": 2000,
        "task_seconds": 0.5,
        "payload_bytes": 600,
    },
    note_says="asyncio",
)
