"""Property tests: advise() is total, deterministic and keeps its invariants."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from concadvisor import Environment, Executor, Recommendation, TaskProfile, advise
from concadvisor.environment import effective_environment
from concadvisor.executors import available

from strategies import environments, profile_dicts, profiles


@given(profile_dicts(), environments())
def test_total_and_deterministic(data: dict[str, Any], env: Environment) -> None:
    first = advise(data, environment=env)
    second = advise(TaskProfile.model_validate(data), environment=env)
    assert first == second


@given(profiles, environments())
def test_choice_is_viable_and_ranking_complete(profile: TaskProfile, env: Environment) -> None:
    rec = advise(profile, environment=env)
    assert next(item.executor for item in rec.ranking) is rec.executor
    # Complete: every executor the environment has, and only those (DESIGN.md).
    ranked = [item.executor for item in rec.ranking]
    assert len(ranked) == len(set(ranked))
    assert set(ranked) == {entry.executor for entry in available(env)}
    assert (Executor.INTERPRETERS in ranked) == env.has_interpreter_pool
    chosen = rec.ranking[0]
    assert chosen.viable and not chosen.vetoed_by
    for item in rec.ranking:
        assert item.viable == (item.executor is Executor.SERIAL or not item.vetoed_by)
    viable_scores = [item.score for item in rec.ranking if item.viable]
    assert chosen.score == max(viable_scores)
    assert rec.offload is not rec.executor
    assert rec.confidence in ("low", "medium", "high")
    assert rec.reasons, "every recommendation is explained"


@given(profiles, environments())
def test_invariants(profile: TaskProfile, env: Environment) -> None:
    rec = advise(profile, environment=env)
    effective = effective_environment(profile, env)
    used = {rec.executor, rec.offload}
    if effective.cpus == 1 and profile.workload == "cpu":
        assert rec.executor is not Executor.PROCESSES
    if not profile.picklable:
        assert Executor.PROCESSES not in used
    if not profile.async_libraries and not profile.already_async:
        assert rec.executor is not Executor.ASYNCIO
    gil_bound = not profile.releases_gil and not effective.free_threaded
    if profile.workload == "cpu" and gil_bound:
        assert rec.executor is not Executor.THREADS
    if profile.workload == "cpu":
        assert rec.executor is not Executor.ASYNCIO
    if profile.tasks == 1:
        assert rec.executor is Executor.SERIAL


@given(profiles, environments())
def test_workers_are_bounded(profile: TaskProfile, env: Environment) -> None:
    rec = advise(profile, environment=env)
    cpus = effective_environment(profile, env).cpus
    assert 1 <= rec.workers <= profile.tasks
    if rec.executor is Executor.SERIAL:
        assert rec.workers == 1
    if rec.executor is Executor.PROCESSES:
        assert rec.workers <= cpus
    if rec.offload is Executor.PROCESSES:
        assert rec.offload_workers is not None and rec.offload_workers <= cpus
    if rec.offload is None:
        assert rec.offload_workers is None


@settings(max_examples=60)
@given(profiles, environments())
def test_snippet_compiles_and_json_round_trips(profile: TaskProfile, env: Environment) -> None:
    rec = advise(profile, environment=env)
    compile(rec.snippet, "<snippet>", "exec")
    assert Recommendation.model_validate_json(rec.model_dump_json()) == rec


@given(st.dictionaries(st.text(max_size=12), st.integers() | st.text(max_size=5), max_size=5))
def test_arbitrary_mappings_validate_or_raise_validation_error(data: dict[str, Any]) -> None:
    """Any mapping either gives advice or a ValidationError naming fields: nothing else."""
    from pydantic import ValidationError

    try:
        rec = advise(data, environment=Environment.example())
    except ValidationError as exc:
        assert all(error["loc"] for error in exc.errors())  # noqa: PT017
    else:
        assert rec.profile == TaskProfile.model_validate(data)
