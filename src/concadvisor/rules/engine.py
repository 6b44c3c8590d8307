"""The rules engine: applies rules in order, keeps the trace, picks an executor.

Pure: the result depends only on the facts and the rules.  Scores start at zero; vetoes
make an executor non-viable (``serial`` is always viable, whatever a rule says, so the engine
always has an answer); the best viable score wins and ties go to the simpler model.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal, NamedTuple

from ..errors import RuleError
from ..executors import REGISTRY
from ..profile import Executor
from .base import (
    ALL_EXECUTORS,
    Facts,
    Fired,
    Note,
    Offload,
    Rule,
    Score,
    Veto,
    Warn,
    available_executors,
)
from .catalogue import RULES

__all__ = ["SIMPLICITY", "Decision", "FiredRule", "evaluate", "merge_rules"]

#: Tie-break order: the simpler model first.
SIMPLICITY: tuple[Executor, ...] = (
    Executor.SERIAL,
    Executor.THREADS,
    Executor.ASYNCIO,
    Executor.PROCESSES,
    Executor.INTERPRETERS,
    Executor.DASK,
)
_SIMPLICITY_INDEX = {executor: i for i, executor in enumerate(SIMPLICITY)}
_SERIAL = Executor.SERIAL  # looked up once: ``Executor.X`` is a slow lookup on 3.11
#: Executors recommended only when a rule scores them above zero (the registry's opt_in).
_OPT_IN = frozenset(entry.executor for entry in REGISTRY if entry.opt_in)


class FiredRule(NamedTuple):
    """A rule that fired and what it returned (a tuple: one is made per fired rule per call)."""

    rule: Rule
    fired: Fired


class Decision(NamedTuple):
    """The engine's trace and choice, before it is dressed up as a Recommendation.

    A NamedTuple rather than a frozen dataclass: just as immutable, and built without the
    nine ``object.__setattr__`` calls a frozen dataclass's ``__init__`` makes (one Decision
    per advise() call).
    """

    facts: Facts
    fired: tuple[FiredRule, ...]
    scores: dict[Executor, float]
    vetoes: dict[Executor, tuple[str, ...]]
    executor: Executor
    offload: Executor | None
    offload_rule: str | None
    offload_part: Literal["cpu", "io"] | None
    order: tuple[Executor, ...]

    def viable(self, executor: Executor) -> bool:
        return executor is _SERIAL or not self.vetoes[executor]

    def applies(self, when: frozenset[Executor] | None) -> bool:
        """Whether a Warn/Note limited to ``when`` applies to this decision."""
        if when is None:
            return True
        return self.executor in when or (self.offload is not None and self.offload in when)


#: ``tuple.__new__``: builds a FiredRule without the Python-level ``__new__`` NamedTuple
#: generates (one per fired rule per call).
_new_tuple = tuple.__new__


def merge_rules(extra: Iterable[Rule] | None) -> tuple[Rule, ...]:
    """The built-in catalogue followed by ``extra`` rules, refusing duplicate ids."""
    if not extra:
        return RULES
    seen = {rule.id for rule in RULES}
    merged = list(RULES)
    for rule in extra:
        if not isinstance(rule, Rule):
            raise RuleError(f"expected a concadvisor Rule, got {type(rule).__name__}")
        if rule.id in seen:
            raise RuleError(f"rule id {rule.id} is already used")
        seen.add(rule.id)
        merged.append(rule)
    return tuple(merged)


def evaluate(facts: Facts, rules: Sequence[Rule] = RULES) -> Decision:
    scores = dict.fromkeys(ALL_EXECUTORS, 0.0)
    vetoes: dict[Executor, list[str]] = {executor: [] for executor in ALL_EXECUTORS}
    fired_rules: list[FiredRule] = []
    offloads: list[tuple[str, Offload]] = []
    for rule in rules:
        try:
            fired = rule.check(facts)
        except Exception as exc:
            raise RuleError(f"rule {rule.id} ({rule.name}) raised {exc!r}") from exc
        if fired is None:
            continue
        if not isinstance(fired, Fired):
            raise RuleError(f"rule {rule.id} returned {type(fired).__name__}, not Fired")
        fired_rules.append(_new_tuple(FiredRule, (rule, fired)))
        rule_id = rule.id
        for effect in fired.effects:
            # Exact-type dispatch (subclasses fall through to the isinstance checks): this
            # runs for every effect of every rule on every advise() call.
            kind = type(effect)
            if kind is Score:
                scores[effect.executor] += effect.delta  # type: ignore[union-attr]
            elif kind is Warn or kind is Note:
                pass
            elif isinstance(effect, Veto):
                if effect.executor is not _SERIAL:
                    vetoes[effect.executor].append(rule_id)
            elif isinstance(effect, Offload):
                offloads.append((rule_id, effect))
            elif isinstance(effect, Score):
                scores[effect.executor] += effect.delta
            elif not isinstance(effect, (Warn, Note)):
                raise RuleError(f"rule {rule_id} produced an unknown effect {effect!r}")

    # Best first: viable before vetoed (an opt-in executor no rule scored above zero ranks
    # with the vetoed), then the higher score, then the simpler model.  The keys are built
    # inline (a key function would cost a Python call per executor).
    ranked = sorted(
        (
            executor is not _SERIAL
            and (bool(vetoes[executor]) or (executor in _OPT_IN and scores[executor] <= 0)),
            -scores[executor],
            _SIMPLICITY_INDEX[executor],
            executor,
        )
        # Only the executors that exist on the assumed interpreter are ranked (DESIGN.md).
        for executor in available_executors(facts.environment)
    )
    order = tuple([key[3] for key in ranked])
    chosen = order[0]
    offload: Executor | None = None
    offload_rule: str | None = None
    offload_part: Literal["cpu", "io"] | None = None
    for rule_id, candidate in offloads:
        usable = candidate.executor is _SERIAL or not vetoes[candidate.executor]
        if chosen in candidate.primary and candidate.executor is not chosen and usable:
            offload, offload_rule = candidate.executor, rule_id
            offload_part = candidate.part
            break
    # Positional, in field order: keywords cost a dict per call.
    return Decision(
        facts,
        tuple(fired_rules),
        scores,
        {executor: tuple(ids) for executor, ids in vetoes.items()},
        chosen,
        offload,
        offload_rule,
        offload_part,
        order,
    )
