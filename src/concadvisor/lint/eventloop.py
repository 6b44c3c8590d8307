"""``asyncio.get_event_loop()`` with no running loop, by the target Python (CA414, CA420).

With no current event loop, ``get_event_loop()`` creates one up to 3.11, warns
(DeprecationWarning) on 3.12 and 3.13, and raises ``RuntimeError`` from 3.14.  The scan of
:mod:`concadvisor.lint.blocking` records every call outside an ``async def``; a call in a
sync function the project's coroutines call (:func:`.callgraph.reached_from_coroutines`)
runs, at least then, with the loop running and is not reported.  What is left is CA420 (an
error) when ``target-version`` is 3.14 or newer, else the CA414 warning.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from .blocking import LoopCall, ModuleFacts
from .callgraph import reached_from_coroutines
from .codes import CA414, CA420
from .diagnostics import Diagnostic, Location

__all__ = ["RAISES_FROM", "loop_calls_outside_a_loop", "loop_finding"]

#: The first Python whose get_event_loop() raises when no loop is set.
RAISES_FROM = (3, 14)


def loop_calls_outside_a_loop(
    modules: Sequence[ModuleFacts],
) -> Iterator[tuple[ModuleFacts, LoopCall]]:
    """The ``get_event_loop()`` calls of ``modules`` that may run with no loop running."""
    if not any(module.loop_calls for module in modules):
        return
    reached = reached_from_coroutines(modules)
    for module in modules:
        for call in module.loop_calls:
            if call.function is None or call.function.qualname not in reached:
                yield module, call


def loop_finding(at: Location, version: tuple[int, int]) -> Diagnostic:
    """The finding for a call at ``at`` when the project targets Python ``version``."""
    if version >= RAISES_FROM:
        return CA420.finding(at, version=".".join(map(str, version)))
    return CA414.finding(at)
