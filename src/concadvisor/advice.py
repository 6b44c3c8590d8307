"""``advise(profile)``: the public entry point of the rules engine, and its result types."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from .costs.machine import CostsSource
from .costs.model import format_speedup
from .environment import Environment, detect_environment, effective_environment
from .profile import Executor, TaskProfile, as_profile
from .rules.base import Facts, Note, Offload, Rule, Score, Veto, Warn
from .rules.engine import Decision, evaluate, merge_rules
from .rules.thresholds import predicted
from .snippets import render_snippet
from .workers import chunksize_for, suggest_offload_workers, suggest_workers

__all__ = [
    "Advisory",
    "Confidence",
    "RankedExecutor",
    "Reason",
    "Recommendation",
    "advise",
    "at_measured_width",
]

_M = TypeVar("_M", bound=BaseModel)

Confidence = Literal["low", "medium", "high"]

#: ``defer_build``: advise() builds its results without validating them (see _trusted), so
#: a model's validator and serializer are built on first use -- a dump, a validation, a
#: schema -- and ``concadvisor advise`` printing text never pays for building them.
_FROZEN = ConfigDict(frozen=True, extra="forbid", defer_build=True)

# Members looked up once: on Python 3.11 ``Executor.X`` goes through the enum machinery,
# several times a local name's cost, on every advise() call.
_SERIAL, _THREADS, _PROCESSES = Executor.SERIAL, Executor.THREADS, Executor.PROCESSES
_VETO_TEXT: dict[Executor, str] = {e: f"veto {e.value}" for e in Executor}
_OFFLOAD_TEXT: dict[Executor, str] = {e: f"offload {e.value}" for e in Executor}


class RankedExecutor(BaseModel):
    """One executor's place in the ranking."""

    model_config = _FROZEN

    executor: Executor = Field(description="The executor.")
    score: float = Field(description="Sum of the score changes of the rules that fired.")
    viable: bool = Field(description="No rule vetoed it (serial is always viable).")
    vetoed_by: tuple[str, ...] = Field(default=(), description="Ids of vetoing rules.")


class Reason(BaseModel):
    """A rule that fired and shaped the recommendation."""

    model_config = _FROZEN

    rule_id: str = Field(description="Rule id, e.g. 'CA103'.")
    title: str = Field(description="The rule's title.")
    message: str = Field(description="What the rule found in this profile.")
    guidance: str = Field(description="Section of GUIDANCE.md the rule encodes (G1-G13).")
    effects: tuple[str, ...] = Field(
        default=(), description="What the rule did, e.g. 'processes +4'."
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
    chunksize: int | None = Field(
        default=None,
        description="Tasks sent to a process pool worker at once (pool.map's chunksize): "
        "planned from tasks and workers, or the best a probe measured; None: not a "
        "process pool.",
    )
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
    predicted_speedup: dict[str, float] | None = Field(
        default=None,
        description=(
            "The cost model's predicted speedup over serial, by executor value, for the "
            "suggested pool sizes. None when the profile has no task_seconds."
        ),
    )
    costs_source: CostsSource = Field(
        default="defaults",
        description=(
            "Where the machine costs behind the predictions come from: 'calibrated' "
            "(`concadvisor calibrate` on this machine) or the built-in 'defaults'."
        ),
    )

    def rules_favouring(self, other: Executor | None = None) -> list[str]:
        """Ids of the rules that put the recommended executor ahead of ``other``.

        ``other`` defaults to the best viable runner-up.  Rules are ordered by how much they
        separate the two: score given to the choice minus score given to ``other``, a veto
        of ``other`` and an applied offload counting as decisive.  Used to explain a choice
        briefly (lint messages, the demo); the summary applies the same measure.
        """
        if other is None:
            other = next((r.executor for r in self.ranking[1:] if r.viable), None)
        chosen = self.executor.value
        rival = other.value if other is not None else None
        gains: list[tuple[float, int, str]] = []
        for position, reason in enumerate(self.reasons):
            gain = 0.0
            for effect in reason.effects:
                kind, target, delta = _parse_effect(effect)
                if kind == "score":
                    gain += delta if target == chosen else -delta if target == rival else 0.0
                elif (kind == "veto" and target == rival) or kind == "offload":
                    gain += 1.0
            if gain > 0:
                gains.append((-gain, position, reason.rule_id))
        return [rule_id for _, _, rule_id in sorted(gains)]


@functools.lru_cache(maxsize=256)
def _parse_effect(label: str) -> tuple[str, str, float]:
    """('score', 'threads', 3.0) for 'threads +3'; ('veto', 'asyncio', 0.0); ('note', '', 0)."""
    head, _, tail = label.rpartition(" ")
    if head in ("veto", "offload"):
        return head, tail, 0.0
    if head and tail[:1] in "+-":
        return "score", head, float(tail)
    return label, "", 0.0


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


# The setters of BaseModel's four slots, looked up once: calling a slot's setter directly
# skips the by-name lookup object.__setattr__ makes (and pydantic's frozen __setattr__).
_SET_DICT = BaseModel.__dict__["__dict__"].__set__
_SET_FIELDS_SET = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_SET_EXTRA = BaseModel.__dict__["__pydantic_extra__"].__set__
_SET_PRIVATE = BaseModel.__dict__["__pydantic_private__"].__set__
_new_object = object.__new__


def _trusted(cls: type[_M], values: dict[str, Any]) -> _M:
    """An instance of ``cls`` from values advise() built itself, without revalidating them.

    What ``model_construct`` does, minus its per-field default handling: every field is
    given, with the type it declares (the engine made them; tests compare the result with
    ``model_validate`` of its own dump).  Validating these trusted values was most of the
    cost of advise(); user input (the profile) is still validated in full.
    """
    obj = _new_object(cls)
    _SET_DICT(obj, values)
    _SET_FIELDS_SET(obj, set(values))
    _SET_EXTRA(obj, None)
    _SET_PRIVATE(obj, None)
    return obj


@functools.lru_cache(maxsize=256)
def _score_label(executor: Executor, delta: float) -> str:
    """'threads +3': the same few labels recur on every call, formatting floats is not free."""
    return f"{executor.value} {delta:+g}"


def _recommendation(decision: Decision) -> Recommendation:
    # Every part is built from trusted values (see _trusted): advise() is meant to be cheap.
    facts = decision.facts
    chosen = decision.executor
    vetoes = decision.vetoes
    scores = decision.scores
    # One pass over the ranked executors: viability, the ranking's entries, the runner-up
    # (the best viable one after the choice) and the best runner's score for _confidence.
    viable: dict[Executor, bool] = {}
    ranking: list[RankedExecutor] = []
    runner_up: Executor | None = None
    best_runner: float | None = None
    for e in decision.order:
        ok = e is _SERIAL or not vetoes[e]
        viable[e] = ok
        score = scores[e]
        ranking.append(
            _trusted(
                RankedExecutor,
                {"executor": e, "score": score, "viable": ok, "vetoed_by": vetoes[e]},
            )
        )
        if ok and e is not chosen:
            if runner_up is None:
                runner_up = e
            if best_runner is None or score > best_runner:
                best_runner = score
    reasons: list[Reason] = []
    warnings: list[Advisory] = []
    key_gain, key_message = 0.0, ""
    for rule, fired in decision.fired:
        effects: list[str] = []
        note_text: str | None = None
        gain = 0.0  # how much this rule separates the winner from the runner-up
        # type() dispatch rather than `match`: same meaning, a few times cheaper per effect.
        for effect in fired.effects:
            if type(effect) is Score:
                target = effect.executor
                delta = effect.delta
                effects.append(_score_label(target, delta))
                if target is chosen:
                    gain += delta
                elif target is runner_up:
                    gain -= delta
            elif type(effect) is Veto:
                target = effect.executor
                if target is not _SERIAL:
                    effects.append(_VETO_TEXT[target])
                    if target is runner_up:
                        gain += 1.0  # the same measure as Recommendation.rules_favouring
            elif type(effect) is Offload:
                if decision.offload_rule == rule.id:
                    effects.append(_OFFLOAD_TEXT[effect.executor])
                    gain += 1.0
            elif type(effect) is Warn:
                if decision.applies(effect.when):
                    warnings.append(
                        _trusted(
                            Advisory,
                            {
                                "rule_id": rule.id,
                                "message": effect.message,
                                "guidance": rule.guidance,
                            },
                        )
                    )
            elif type(effect) is Note and decision.applies(effect.when):
                note_text = effect.message
                effects.append("note")
        if gain > key_gain:
            key_gain, key_message = gain, fired.message
        if effects or not fired.effects:
            reasons.append(
                _trusted(
                    Reason,
                    {
                        "rule_id": rule.id,
                        "title": rule.title,
                        "message": note_text or fired.message,
                        "guidance": rule.guidance,
                        "effects": tuple(effects),
                    },
                )
            )
    executor, offload = decision.executor, decision.offload
    workers = suggest_workers(executor, facts, offload)
    offload_workers = (
        suggest_offload_workers(offload, decision.offload_part or "cpu", facts)
        if offload is not None
        else None
    )
    profile = facts.profile
    prediction = predicted(facts)
    speedups: dict[str, float] | None = None
    if prediction is not None:
        # Only the executors the assumed interpreter has (the ranking's).
        speedups = {e.value: p.speedup for e, p in prediction.executors.items() if e in viable}
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
    return _trusted(
        Recommendation,
        {
            "name": profile.name,
            "executor": executor,
            "offload": offload,
            "workers": workers,
            "offload_workers": offload_workers,
            "chunksize": (
                chunksize_for(profile.tasks, workers) if executor is _PROCESSES else None
            ),
            "ranking": ranking,
            "reasons": reasons,
            "warnings": warnings,
            "confidence": _confidence(decision, best_runner),
            "summary": _summary(decision, workers, key_message, speedups),
            "snippet": snippet,
            "profile": profile,
            "environment": facts.environment,
            "predicted_speedup": speedups,
            "costs_source": facts.environment.costs.source,
        },
    )


def _confidence(decision: Decision, best_runner: float | None) -> Confidence:
    """How clearly the choice beats ``best_runner``, the best viable runner's score."""
    best = decision.scores[decision.executor]
    margin = best - best_runner if best_runner is not None else float("inf")
    level: Confidence = "high" if margin >= 2.5 else "medium" if margin >= 1.5 else "low"
    profile = decision.facts.profile
    if level == "high" and profile.workload == "mixed" and profile.cpu_fraction is None:
        level = "medium"  # the split between waiting and computing is a guess
    return level


def _what(executor: Executor, workers: int) -> str:
    """The choice in words, with its pool size."""
    if executor is _SERIAL:
        return "Run the tasks one after another on one thread"
    if executor is _THREADS:
        return f"Use a thread pool of {workers}"
    if executor is _PROCESSES:
        return f"Use a process pool of {workers}"
    if executor is Executor.DASK:
        return f"Use a Dask cluster of {workers} single-threaded workers"
    return f"Use asyncio coroutines, at most {workers} at once"


def _summary(decision: Decision, workers: int, key: str, speedups: dict[str, float] | None) -> str:
    executor = decision.executor
    what = _what(executor, workers)
    # The model predicts one executor at a time: no quote for a combination (offload).
    if speedups is not None and executor is not _SERIAL and decision.offload is None:
        what += f" ({format_speedup(speedups[executor.value])} predicted)"
    if decision.offload is not None:
        what += (
            f", offloading the {decision.offload_part or 'cpu'} part to {decision.offload.value}"
        )
    if len(key) > 1 and key[1].islower():
        key = key[0].lower() + key[1:]
    return f"{what}: {key}" if key else f"{what}."


def at_measured_width(
    recommendation: Recommendation, workers: int, chunksize: int | None, how: str
) -> Recommendation:
    """``recommendation`` with the pool size (and chunksize) a probe measured best.

    ``how`` says where the figures come from; it leads the summary.  The snippet is
    rendered again for the new figures.
    """
    executor = recommendation.executor
    profile = recommendation.profile
    chunksize = chunksize if executor is Executor.PROCESSES else None
    snippet = render_snippet(
        executor,
        recommendation.offload,
        workers,
        recommendation.offload_workers,
        profile.tasks,
        profile.workload,
        profile.name,
        recommendation.environment.has_task_group,
        profile.start_method,
        chunksize,
    )
    _, _, reason = recommendation.summary.partition(": ")
    what = _what(executor, workers) + f" ({how})"
    summary = f"{what}: {reason}" if reason else f"{what}."
    return recommendation.model_copy(
        update={"workers": workers, "chunksize": chunksize, "snippet": snippet, "summary": summary}
    )
