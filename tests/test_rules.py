"""One test per rule: it fires when it should and stays silent when it should not.

Each case is ``(profile that fires, profile that does not or None, environment overrides)``.
A meta-test checks every rule of the catalogue has a case.
"""

from __future__ import annotations

from typing import Any

import pytest

from concadvisor import RULES, Environment, Executor, Rule, TaskProfile, advise
from concadvisor.environment import effective_environment
from concadvisor.rules.base import Facts, Offload, Score, Veto

Case = tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any]]

CASES: dict[str, Case] = {
    "CA100": ({"workload": "io"}, None, {}),
    "CA101": ({"workload": "io", "tasks": 10}, {"workload": "cpu", "tasks": 10}, {}),
    "CA102": (
        {"workload": "cpu", "tasks": 10},
        {"workload": "cpu", "tasks": 10, "releases_gil": True},
        {},
    ),
    "CA103": ({"workload": "cpu", "tasks": 10}, {"workload": "cpu", "tasks": 10, "cpus": 1}, {}),
    "CA104": (
        {"workload": "cpu", "tasks": 10, "releases_gil": True},
        {"workload": "cpu", "tasks": 10},
        {},
    ),
    "CA105": (
        {"workload": "cpu", "tasks": 10, "free_threaded": True},
        {"workload": "cpu", "tasks": 10, "free_threaded": False},
        {},
    ),
    "CA106": ({"workload": "cpu"}, {"workload": "io"}, {}),
    "CA107": ({"workload": "cpu", "tasks": 9, "cpus": 1}, {"workload": "io", "cpus": 1}, {}),
    "CA108": (
        {"workload": "io", "cpu_fraction": 0.9},
        {"workload": "io", "cpu_fraction": 0.1},
        {},
    ),
    "CA109": (
        {"workload": "cpu", "tasks": 8},
        {"workload": "cpu", "tasks": 8, "releases_gil": True},
        {"python_version": (3, 14, 0)},
    ),
    "CA201": (
        {"workload": "io", "tasks": 10, "async_libraries": True},
        {"workload": "io", "tasks": 10, "async_libraries": True, "refactor_tolerance": "none"},
        {},
    ),
    "CA202": (
        {"workload": "io", "tasks": 10},
        {"workload": "io", "tasks": 10, "already_async": True},
        {},
    ),
    "CA203": (
        {"workload": "io", "refactor_tolerance": "none"},
        {"workload": "io", "refactor_tolerance": "none", "already_async": True},
        {},
    ),
    "CA204": (
        {"workload": "io", "tasks": 10},
        {"workload": "io", "tasks": 10, "refactor_tolerance": "high"},
        {},
    ),
    "CA205": ({"workload": "io", "tasks": 5000}, {"workload": "io", "tasks": 999}, {}),
    "CA206": ({"workload": "io", "already_async": True}, {"workload": "io"}, {}),
    "CA501": ({"workload": "cpu", "picklable": False}, {"workload": "cpu"}, {}),
    "CA507": (
        {"workload": "cpu", "tasks": 8, "task_seconds": 0.01},
        {"workload": "cpu", "tasks": 8},
        {"python_version": (3, 14, 0)},
    ),
    "CA502": (
        {"workload": "cpu", "tasks": 4, "task_seconds": 0.01, "start_method": "spawn"},
        {"workload": "cpu", "tasks": 400, "task_seconds": 0.01, "start_method": "spawn"},
        {},
    ),
    "CA503": (
        {"workload": "cpu", "tasks": 10, "task_seconds": 0.1, "payload_bytes": 50_000_000},
        {"workload": "cpu", "tasks": 10, "task_seconds": 0.1, "payload_bytes": 1000},
        {},
    ),
    "CA504": (
        {"workload": "cpu", "tasks": 100_000, "task_seconds": 1e-4},
        {"workload": "cpu", "tasks": 100_000, "task_seconds": 1e-2},
        {},
    ),
    "CA505": (
        {"workload": "cpu", "start_method": "spawn"},
        {"workload": "cpu", "start_method": "fork"},
        {},
    ),
    "CA506": (
        {"workload": "io", "already_async": True, "start_method": "fork"},
        {"workload": "io", "already_async": True, "start_method": "forkserver"},
        {},
    ),
    "CA601": (
        {"workload": "io", "tasks": 10, "shared_state": "mutable"},
        {"workload": "io", "tasks": 10, "shared_state": "read_only"},
        {},
    ),
    "CA602": (
        {"workload": "cpu", "tasks": 10, "shared_state": "mutable"},
        {"workload": "cpu", "tasks": 10},
        {},
    ),
    "CA603": (
        {"workload": "io", "tasks": 10, "shared_state": "mutable"},
        {"workload": "cpu", "tasks": 10, "shared_state": "mutable"},
        {},
    ),
    "CA604": (
        {"workload": "cpu", "tasks": 10, "shared_state": "read_only"},
        {"workload": "cpu", "tasks": 10, "shared_state": "mutable"},
        {},
    ),
    "CA701": ({"workload": "io", "tasks": 1}, {"workload": "io", "tasks": 2}, {}),
    "CA702": (
        {"workload": "cpu", "tasks": 10, "task_seconds": 0.001},
        {"workload": "cpu", "tasks": 10, "task_seconds": 0.1},
        {},
    ),
    "CA703": (
        {"workload": "cpu", "tasks": 1_000_000, "task_seconds": 1.0, "cpus": 8},
        {"workload": "cpu", "tasks": 1000, "task_seconds": 1.0, "cpus": 8},
        {},
    ),
    "CA704": (
        {"workload": "cpu", "tasks": 20_000, "task_seconds": 2.0, "cluster_workers": 32},
        {"workload": "cpu", "tasks": 20_000, "task_seconds": 2.0},
        {"dask_installed": True},
    ),
    "CA705": (
        {"workload": "cpu", "tasks": 100, "payload_bytes": 8_000_000, "cluster_workers": 32},
        {"workload": "cpu", "tasks": 100, "payload_bytes": 1000, "cluster_workers": 32},
        {"dask_installed": True},
    ),
    "CA706": (
        {"workload": "cpu", "tasks": 100, "cluster_workers": 32},
        {"workload": "cpu", "tasks": 100, "cluster_workers": 32, "releases_gil": True},
        {"dask_installed": True},
    ),
    "CA801": ({"workload": "mixed", "tasks": 10}, {"workload": "io", "tasks": 10}, {}),
    "CA802": (
        {"workload": "mixed", "tasks": 10, "cpu_fraction": 0.7},
        {"workload": "mixed", "tasks": 10, "cpu_fraction": 0.3},
        {},
    ),
    "CA803": (
        {"workload": "io", "already_async": True},
        {"workload": "io", "already_async": True, "async_libraries": True},
        {},
    ),
    "CA804": ({"workload": "mixed"}, {"workload": "io"}, {}),
    "CA805": ({"workload": "io"}, None, {}),
}

RULES_BY_ID = {rule.id: rule for rule in RULES}


def _facts(data: dict[str, Any], env_overrides: dict[str, Any]) -> Facts:
    profile = TaskProfile.model_validate(data)
    env = effective_environment(profile, Environment.example(**env_overrides))
    return Facts(profile, env)


def test_every_rule_has_a_case() -> None:
    assert set(CASES) == set(RULES_BY_ID)


def test_catalogue_is_large_ordered_and_unique() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) >= 20
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert len({rule.name for rule in RULES}) == len(ids)


def test_catalogue_covers_every_guidance_section() -> None:
    cited = {rule.guidance for rule in RULES}
    text = " ".join(rule.rationale for rule in RULES)
    for n in range(1, 14):
        assert f"G{n}" in cited or f"G{n})" in text or f"G{n}," in text, f"G{n} not encoded"


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_when_it_should(rule_id: str) -> None:
    fires, silent, env = CASES[rule_id]
    rule = RULES_BY_ID[rule_id]
    fired = rule.check(_facts(fires, env))
    assert fired is not None, f"{rule_id} should fire for {fires}"
    assert fired.message
    if silent is not None:
        assert rule.check(_facts(silent, env)) is None, f"{rule_id} should not fire for {silent}"


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_rule_is_documented(rule: Rule) -> None:
    assert rule.title and rule.rationale and rule.example and rule.effect
    assert rule.name == rule.name.lower() and " " not in rule.name


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_fired_rule_appears_in_the_trace(rule_id: str) -> None:
    fires, _, env = CASES[rule_id]
    rec = advise(fires, environment=Environment.example(**env))
    fired = RULES_BY_ID[rule_id].check(_facts(fires, env))
    assert fired is not None
    traced = {reason.rule_id for reason in rec.reasons} | {w.rule_id for w in rec.warnings}
    decisive = any(isinstance(e, (Score, Veto)) for e in fired.effects)
    if decisive:
        assert rule_id in traced


def test_offload_only_applies_to_its_primaries(env4: Environment) -> None:
    rec = advise(
        {"workload": "mixed", "tasks": 50, "async_libraries": True, "refactor_tolerance": "high"},
        environment=env4,
    )
    assert rec.executor is Executor.ASYNCIO
    assert rec.offload is Executor.PROCESSES
    assert any(r.rule_id == "CA801" and "offload processes" in r.effects for r in rec.reasons)
    fired = RULES_BY_ID["CA801"].check(_facts({"workload": "mixed", "tasks": 50}, {}))
    assert fired is not None
    assert any(isinstance(e, Offload) for e in fired.effects)


@pytest.mark.parametrize("rule_id", ["CA104", "CA105"])
def test_native_and_free_threaded_cpu_score_mixed_work_as_documented(rule_id: str) -> None:
    """Effect: 'threads +5, processes +2 (mixed work: threads +2, processes +0)'."""
    extra = {"releases_gil": True} if rule_id == "CA104" else {"free_threaded": True}
    rule = RULES_BY_ID[rule_id]
    assert rule.effect == "score: threads +5, processes +2 (mixed work: threads +2, processes +0)"
    for workload, threads, processes in (("cpu", 5, 2), ("mixed", 2, 0)):
        fired = rule.check(_facts({"workload": workload, "tasks": 10, **extra}, {}))
        assert fired is not None
        scores = {e.executor: e.delta for e in fired.effects if isinstance(e, Score)}
        assert scores == {Executor.THREADS: threads, Executor.PROCESSES: processes}
