"""``advise(profile)``: the public entry point of the rules engine, and its result types."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .environment import Environment, detect_environment, effective_environment
from .profile import Executor, TaskProfile, as_profile
from .rules.base import Facts, Note, Offload, Rule, Score, Veto, Warn
from .rules.engine import Decision, evaluate, merge_rules
from .snippets import render_snippet
from .workers import suggest_offload_workers, suggest_workers

__all__ = ["Advisory", "Confidence", "RankedExecutor", "Reason", "Recommendation", "advise"]

Confidence = Literal["low", "medium", "high"]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class RankedExecutor(BaseModel):
    """One executor's place in the ranking."""

    model_config = _FROZEN

    executor: Executor = Field(description="The executor.")
    score: float = Field(description="Sum of the score changes of the rules that fired.")
    viable: bool = Field(description="No rule vetoed it (serial is always viable).")
    vetoed_by: list[str] = Field(default_factory=list, description="Ids of vetoing rules.")


class Reason(BaseModel):
    """A rule that fired and shaped the recommendation."""

    model_config = _FROZEN

    rule_id: str = Field(description="Rule id, e.g. 'CA103'.")
    title: str = Field(description="The rule's title.")
    message: str = Field(description="What the rule found in this profile.")
    guidance: str = Field(description="Section of GUIDANCE.md the rule encodes (G1-G13).")
    effects: list[str] = Field(
        default_factory=list, description="What the rule did, e.g. 'processes +4'."
    )


class Advisory(BaseModel):
    """A hazard that holds for this recommendation, whatever else is chosen."""

    model_config = _FROZEN

    rule_id: str = Field(description="Rule id that raised the warning.")
    message: str = Field(description="The hazard and what to do about it.")
    guidance: str = Field(description="Section of GUIDANCE.md (G1-G13).")


class Recommendation(BaseModel):
    """The advice for one profile: the choice, the ranking, the reasons and a snippet."""

    model_config = _FROZEN

    name: str = Field(description="The profile's name.")
    executor: Executor = Field(description="The recommended executor.")
    offload: Executor | None = Field(
        default=None,
        description="For mixed work: where the other kind of work goes (e.g. processes).",
    )
    workers: int = Field(
        ge=1, description="Pool size (threads/processes), concurrency limit (asyncio), or 1."
    )
    offload_workers: int | None = Field(default=None, description="Pool size of the offload.")
    ranking: list[RankedExecutor] = Field(description="Every executor, best first.")
    reasons: list[Reason] = Field(description="The rules that shaped the choice, in order.")
    warnings: list[Advisory] = Field(description="Hazards that hold for this choice.")
    confidence: Confidence = Field(description="How clearly the choice beats the runner-up.")
    summary: str = Field(description="One sentence: the choice and its main reason.")
    snippet: str = Field(description="A runnable sketch of the recommended setup.")
    profile: TaskProfile = Field(description="The profile the advice is for.")
    environment: Environment = Field(
        description="The environment the advice assumed (detected, with profile overrides)."
    )


def advise(
    profile: TaskProfile | Mapping[str, Any],
    *,
    rules: Iterable[Rule] | None = None,
    environment: Environment | None = None,
) -> Recommendation:
    """Recommend an executor for ``profile``.

    >>> rec = advise({"workload": "cpu", "tasks": 100, "cpus": 4})
    >>> rec.executor.value
    'processes'

    ``rules`` are applied after the built-in catalogue (their ids must be new);
    ``environment`` replaces the detected one.  Pure: no I/O, no measurement.
    Raises :class:`pydantic.ValidationError` for an invalid mapping.
    """
    task = as_profile(profile)
    env = effective_environment(task, environment or detect_environment())
    facts = Facts(task, env)
    decision = evaluate(facts, merge_rules(rules))
    return _recommendation(decision)


def _fmt_delta(delta: float) -> str:
    return f"{delta:+g}"


def _recommendation(decision: Decision) -> Recommendation:
    facts = decision.facts
    reasons: list[Reason] = []
    warnings: list[Advisory] = []
    for item in decision.fired:
        rule, fired = item.rule, item.fired
        effects: list[str] = []
        note_text: str | None = None
        for effect in fired.effects:
            if isinstance(effect, Score):
                effects.append(f"{effect.executor.value} {_fmt_delta(effect.delta)}")
            elif isinstance(effect, Veto):
                if effect.executor is not Executor.SERIAL:
                    effects.append(f"veto {effect.executor.value}")
            elif isinstance(effect, Offload):
                if decision.offload_rule == rule.id:
                    effects.append(f"offload {effect.executor.value}")
            elif isinstance(effect, Warn):
                if decision.applies(effect.when):
                    warnings.append(
                        Advisory(rule_id=rule.id, message=effect.message, guidance=rule.guidance)
                    )
            elif isinstance(effect, Note) and decision.applies(effect.when):
                note_text = effect.message
                effects.append("note")
        if effects or (not fired.effects):
            reasons.append(
                Reason(
                    rule_id=rule.id,
                    title=rule.title,
                    message=note_text or fired.message,
                    guidance=rule.guidance,
                    effects=effects,
                )
            )
    executor, offload = decision.executor, decision.offload
    workers = suggest_workers(executor, facts, offload)
    offload_workers = (
        suggest_offload_workers(offload, decision.offload_part or "cpu", facts)
        if offload is not None
        else None
    )
    ranking = [
        RankedExecutor(
            executor=e,
            score=decision.scores[e],
            viable=decision.viable(e),
            vetoed_by=list(decision.vetoes[e]),
        )
        for e in decision.order
    ]
    profile = facts.profile
    snippet = render_snippet(
        executor,
        offload,
        workers,
        offload_workers,
        profile.tasks,
        profile.workload,
        profile.name,
        facts.environment.has_task_group,
        profile.start_method,
    )
    return Recommendation(
        name=profile.name,
        executor=executor,
        offload=offload,
        workers=workers,
        offload_workers=offload_workers,
        ranking=ranking,
        reasons=reasons,
        warnings=warnings,
        confidence=_confidence(decision),
        summary=_summary(decision, reasons, workers),
        snippet=snippet,
        profile=profile,
        environment=facts.environment,
    )


def _confidence(decision: Decision) -> Confidence:
    best = decision.scores[decision.executor]
    runners = [decision.scores[e] for e in decision.order[1:] if decision.viable(e)]
    margin = best - max(runners) if runners else float("inf")
    level: Confidence = "high" if margin >= 2.5 else "medium" if margin >= 1.5 else "low"
    profile = decision.facts.profile
    if level == "high" and profile.workload == "mixed" and profile.cpu_fraction is None:
        level = "medium"  # the split between waiting and computing is a guess
    return level


def _summary(decision: Decision, reasons: list[Reason], workers: int) -> str:
    executor = decision.executor
    what = {
        Executor.SERIAL: "Run the tasks one after another on one thread",
        Executor.THREADS: f"Use a thread pool of {workers}",
        Executor.PROCESSES: f"Use a process pool of {workers}",
        Executor.ASYNCIO: f"Use asyncio coroutines, at most {workers} at once",
    }[executor]
    if decision.offload is not None:
        what += (
            f", offloading the {decision.offload_part or 'cpu'} part to {decision.offload.value}"
        )
    key = _key_reason(decision, reasons)
    return f"{what}: {key}" if key else f"{what}."


def _key_reason(decision: Decision, reasons: list[Reason]) -> str:
    """The message of the rule that most separates the winner from the runner-up."""
    runner_up = next((e for e in decision.order[1:] if decision.viable(e)), None)
    best: tuple[float, str] | None = None
    for item in decision.fired:
        gain = 0.0
        for effect in item.fired.effects:
            if isinstance(effect, Score):
                if effect.executor is decision.executor:
                    gain += effect.delta
                elif effect.executor is runner_up:
                    gain -= effect.delta
            elif isinstance(effect, Veto) and effect.executor is not Executor.SERIAL:
                gain += 0.5  # a veto explains the choice, but less than a positive reason
        if gain > 0 and (best is None or gain > best[0]):
            best = (gain, item.fired.message)
    if best is None:
        return ""
    message = best[1]
    if len(message) > 1 and message[1].islower():
        message = message[0].lower() + message[1:]
    return message
