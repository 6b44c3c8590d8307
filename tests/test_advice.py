"""advise() on the profiles a newcomer would try: the choice and its explanation."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings

from concadvisor import (
    Environment,
    Executor,
    Fired,
    RankedExecutor,
    Recommendation,
    Rule,
    RuleError,
    Score,
    Veto,
    advise,
    fire,
)
from concadvisor.executors import spec
from concadvisor.rules.base import Check, Facts
from concadvisor.rules.engine import SIMPLICITY

from conftest import ROOT
from strategies import environments, profile_dicts

E = Executor


@pytest.mark.parametrize(
    ("profile", "executor", "offload", "must_cite"),
    [
        # Many concurrent I/O operations with async libraries: coroutines (G9, G2).
        ({"workload": "io", "async_libraries": True, "tasks": 5000}, E.ASYNCIO, None, "CA205"),
        # Synchronous I/O code that should not be rewritten: threads (G9).
        ({"workload": "io", "tasks": 40}, E.THREADS, None, "CA204"),
        # Pure-Python CPU work: processes (G5).
        ({"workload": "cpu", "tasks": 200, "task_seconds": 0.05}, E.PROCESSES, None, "CA103"),
        # Native code releasing the GIL: threads (correction to G5).
        ({"workload": "cpu", "tasks": 16, "releases_gil": True}, E.THREADS, None, "CA104"),
        # Free-threaded build: threads (correction to G1).
        ({"workload": "cpu", "tasks": 16, "free_threaded": True}, E.THREADS, None, "CA105"),
        # Mixed: async I/O with the CPU part in a process pool.
        (
            {
                "workload": "mixed",
                "tasks": 300,
                "async_libraries": True,
                "refactor_tolerance": "high",
            },
            E.ASYNCIO,
            E.PROCESSES,
            "CA801",
        ),
        # Mixed whose CPU part releases the GIL: one thread pool runs both parts.
        (
            {"workload": "mixed", "tasks": 300, "releases_gil": True},
            E.THREADS,
            None,
            "CA104",
        ),
        # ... unless the code already lives on an event loop: offload the CPU part to threads.
        (
            {
                "workload": "mixed",
                "tasks": 300,
                "async_libraries": True,
                "releases_gil": True,
                "already_async": True,
            },
            E.ASYNCIO,
            E.THREADS,
            "CA801",
        ),
        # Already in an event loop with synchronous libraries: asyncio + to_thread.
        ({"workload": "io", "tasks": 50, "already_async": True}, E.ASYNCIO, E.THREADS, "CA803"),
        # A single task: one thread (G3).
        ({"workload": "cpu", "tasks": 1}, E.SERIAL, None, "CA701"),
        # A batch far too short for any pool.
        ({"workload": "io", "tasks": 5, "task_seconds": 0.001}, E.SERIAL, None, "CA702"),
        # One usable CPU: nothing speeds up CPU work.
        ({"workload": "cpu", "tasks": 100, "cpus": 1}, E.SERIAL, None, "CA107"),
        # Not picklable: no processes.
        ({"workload": "cpu", "tasks": 100, "picklable": False}, E.SERIAL, None, "CA501"),
        # Huge payloads against short tasks: processes lose.
        (
            {"workload": "cpu", "tasks": 100, "task_seconds": 0.05, "payload_bytes": 200_000_000},
            E.SERIAL,
            None,
            "CA503",
        ),
        # A few short tasks under spawn: start-up outweighs the gain.
        (
            {"workload": "cpu", "tasks": 4, "task_seconds": 0.02, "start_method": "spawn"},
            E.SERIAL,
            None,
            "CA502",
        ),
    ],
)
def test_sensible_advice(
    profile: dict[str, Any], executor: Executor, offload: Executor | None, must_cite: str
) -> None:
    rec = advise(profile, environment=Environment.example())
    assert (rec.executor, rec.offload) == (executor, offload), rec.summary
    assert must_cite in {reason.rule_id for reason in rec.reasons}
    assert rec.summary


def test_workers(env4: Environment) -> None:
    assert advise({"workload": "cpu", "tasks": 100}, environment=env4).workers == 4
    assert advise({"workload": "cpu", "tasks": 3}, environment=env4).workers == 3
    io = advise({"workload": "io", "tasks": 10_000}, environment=env4)
    assert io.executor is E.THREADS and io.workers == 64
    assert advise({"workload": "io", "tasks": 8}, environment=env4).workers == 8
    # A task that computes 25% of its time keeps one core busy at 4 concurrent tasks.
    busy = advise({"workload": "io", "tasks": 500, "cpu_fraction": 0.25}, environment=env4)
    assert busy.workers == 4
    many = advise({"workload": "io", "tasks": 100_000, "async_libraries": True}, environment=env4)
    assert many.executor is E.ASYNCIO and many.workers == 500


def test_warnings_follow_the_choice(env4: Environment) -> None:
    threads = advise({"workload": "io", "tasks": 20, "shared_state": "mutable"}, environment=env4)
    assert threads.executor is E.THREADS
    assert [w.rule_id for w in threads.warnings] == ["CA601"]
    spawn = advise({"workload": "cpu", "tasks": 50, "start_method": "spawn"}, environment=env4)
    assert "CA505" in {w.rule_id for w in spawn.warnings}
    fork = advise({"workload": "cpu", "tasks": 50, "start_method": "fork"}, environment=env4)
    assert "CA505" not in {w.rule_id for w in fork.warnings}


def test_beyond_one_machine_names_distributed_engines(env4: Environment) -> None:
    rec = advise({"workload": "cpu", "tasks": 10_000_000, "task_seconds": 0.5}, environment=env4)
    (warning,) = [w for w in rec.warnings if w.rule_id == "CA703"]
    assert "Dask" in warning.message and "Ray" in warning.message


def test_user_rules_are_applied_after_the_catalogue(env4: Environment) -> None:
    def no_processes_in_ci(facts: Facts) -> Fired | None:
        if facts.profile.name.startswith("ci-"):
            return fire("CI runners have no spare cores.", Veto(E.PROCESSES))
        return None

    rule = Rule(
        id="CA901",
        name="ci-no-processes",
        title="No process pools in CI",
        guidance="G5",
        rationale="Our CI runners are single-core.",
        example="name='ci-x'",
        effect="veto",
        check=no_processes_in_ci,
    )
    profile = {"workload": "cpu", "tasks": 100, "name": "ci-build"}
    assert advise(profile, environment=env4).executor is E.PROCESSES
    rec = advise(profile, rules=[rule], environment=env4)
    assert rec.executor is E.SERIAL
    assert rec.reasons[-1].rule_id == "CA901"


def _rule(rule_id: str, check: Check, guidance: str = "G3") -> Rule:
    """A minimal, valid user rule: only its id, guidance and check matter to these tests."""
    return Rule(
        id=rule_id,
        name=f"rule-{rule_id.lower()}",
        title="t",
        guidance=guidance,
        rationale="r",
        example="e",
        effect="e",
        check=check,
    )


def test_user_rules_cannot_veto_serial(env4: Environment) -> None:
    rule = _rule("CA902", lambda f: fire("no", *(Veto(e) for e in E)))
    rec = advise({"workload": "io", "tasks": 10}, rules=[rule], environment=env4)
    assert rec.executor is E.SERIAL


def test_bad_user_rules_are_reported(env4: Environment) -> None:
    def boom(facts: Facts) -> Fired | None:
        raise ZeroDivisionError

    with pytest.raises(RuleError, match="CA903"):
        advise({"workload": "io"}, rules=[_rule("CA903", boom)], environment=env4)
    clash = _rule("CA101", lambda f: fire("x", Score(E.THREADS, 1)))
    with pytest.raises(RuleError, match="already used"):
        advise({"workload": "io"}, rules=[clash], environment=env4)
    with pytest.raises(ValueError, match="CA"):
        _rule("X1", boom)
    with pytest.raises(ValueError, match=r"G1\.\.G13"):
        _rule("CA904", boom, guidance="G99")


def test_rules_favouring_explains_the_choice(env4: Environment) -> None:
    rec = advise({"workload": "io", "async_libraries": True, "tasks": 5000}, environment=env4)
    assert rec.executor is E.ASYNCIO
    # CA205 moves asyncio up and threads (the runner-up) down: the most decisive rule.
    assert rec.rules_favouring()[0] == "CA205"
    # Against serial, the rule that overlaps waiting matters; CA100 favours serial.
    against_serial = rec.rules_favouring(E.SERIAL)
    assert "CA101" in against_serial
    assert "CA100" not in against_serial
    # The summary quotes the first of them.
    assert "5000 concurrent I/O tasks" in rec.summary
    cpu = advise({"workload": "cpu", "tasks": 64}, environment=env4)
    assert cpu.rules_favouring(E.THREADS)[:2] == ["CA103", "CA102"]


#: Full Recommendation JSON pinned for two profiles (regenerate only for an intended change:
#: ``advise(PINNED[name], environment=Environment.example()).model_dump_json(indent=2)``).
PINNED: dict[str, dict[str, Any]] = {
    "io_async_5000": {"name": "crawl", "workload": "io", "tasks": 5000, "async_libraries": True},
    "mixed_pipeline": {
        "name": "pipeline",
        "workload": "mixed",
        "tasks": 50,
        "task_seconds": 0.2,
        "async_libraries": True,
        "refactor_tolerance": "high",
        "shared_state": "mutable",
    },
}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_recommendation_json_is_pinned(name: str) -> None:
    expected = (ROOT / "tests" / "data" / "advice" / f"{name}.json").read_text(encoding="utf-8")
    rec = advise(PINNED[name], environment=Environment.example())
    assert rec.model_dump_json(indent=2) + "\n" == expected


@settings(max_examples=150, deadline=None)
@given(data=profile_dicts(), env=environments())
def test_trusted_construction_equals_validation(data: dict[str, Any], env: Environment) -> None:
    """advise() skips revalidating what it built itself: the result must be exactly what
    validating the same values gives (types, defaults, JSON)."""
    rec = advise(data, environment=env)
    validated = Recommendation.model_validate(rec.model_dump())
    assert validated == rec
    assert validated.model_dump_json() == rec.model_dump_json()
    assert validated.model_fields_set == rec.model_fields_set


@settings(max_examples=150, deadline=None)
@given(data=profile_dicts(), env=environments())
def test_ranking_orders_viable_then_score_then_simplicity(
    data: dict[str, Any], env: Environment
) -> None:
    """The engine's inline sort keys rank exactly as documented: viable executors before
    vetoed ones (an opt-in executor, dask, scored 0 or less ranks with the vetoed), then the
    higher score, ties to the simpler model (SIMPLICITY order)."""
    rec = advise(data, environment=env)
    simplicity = {executor: i for i, executor in enumerate(SIMPLICITY)}

    def key(r: RankedExecutor) -> tuple[bool, float, int]:
        behind = not r.viable or (spec(r.executor).opt_in and r.score <= 0)
        return (behind, -r.score, simplicity[r.executor])

    expected = sorted(rec.ranking, key=key)
    assert [r.executor for r in rec.ranking] == [r.executor for r in expected]
    assert rec.executor is rec.ranking[0].executor
