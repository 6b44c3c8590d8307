"""CA6xx -- shared state: races with threads, copies with processes."""

from __future__ import annotations

from ._helpers import ASYNCIO, INTERPRETERS, PROCESSES, THREADS, only
from .base import Facts, Fired, Rule, Score, Warn, fire

_MUTABLE_THREADS = fire(
    "Threads share mutable state and can be pre-empted between any two bytecodes: "
    "races and, once locks are added, deadlocks.",
    Score(THREADS, -1),
    Warn(
        "Threads and mutable shared state: protect it with a threading.Lock (always "
        "acquired in the same order) or, better, have tasks return results and combine "
        "them in one place.",
        when=only(THREADS),
    ),
)

_MUTABLE_PROCESSES = fire(
    "Processes share no memory: every process mutates its own copy, and sharing "
    "changes needs a Manager, shared memory or messages.",
    Score(PROCESSES, -2),
    Warn(
        "Processes do not see each other's changes to shared state: return results "
        "and merge them in the parent, or use multiprocessing.Manager/shared_memory.",
        when=only(PROCESSES),
    ),
)

#: The same where sub-interpreters exist (3.14+): they share no Python objects either.
_MUTABLE_PROCESSES_OR_INTERPRETERS = fire(
    "Processes and sub-interpreters share no Python objects: each mutates its own copy, "
    "and sharing changes needs a Manager, shared memory or messages.",
    *_MUTABLE_PROCESSES.effects,
    Score(INTERPRETERS, -2),
    Warn(
        "Sub-interpreters do not see each other's changes to shared state (each imports "
        "its own copy of every module): return results and merge them in the parent.",
        when=only(INTERPRETERS),
    ),
)

_MUTABLE_COROUTINES = fire(
    "Coroutines switch only at 'await': code between two awaits runs without "
    "interruption, so shared state is easier to keep consistent.",
    Score(ASYNCIO, 1),
    Warn(
        "State can still change across an 'await': re-check it after awaiting, or "
        "guard multi-step updates with asyncio.Lock.",
        when=only(ASYNCIO),
    ),
)


def _mutable_state_threads(f: Facts) -> Fired | None:
    if f.profile.shared_state != "mutable" or not f.many:
        return None
    return _MUTABLE_THREADS


def _mutable_state_processes(f: Facts) -> Fired | None:
    if f.profile.shared_state != "mutable" or not f.many:
        return None
    if f.environment.has_interpreter_pool:
        return _MUTABLE_PROCESSES_OR_INTERPRETERS
    return _MUTABLE_PROCESSES


def _mutable_state_coroutines(f: Facts) -> Fired | None:
    if f.profile.shared_state != "mutable" or not f.many or not f.does_io:
        return None
    return _MUTABLE_COROUTINES


def _read_only_state_processes(f: Facts) -> Fired | None:
    if f.profile.shared_state != "read_only" or not f.many:
        return None
    how = (
        "fork shares it copy-on-write"
        if f.start_method == "fork"
        else f"'{f.start_method}' pickles it into every worker"
    )
    return fire(
        f"Read-only shared state must reach every worker process ({how}).",
        Warn(
            f"Load read-only shared state once per worker with ProcessPoolExecutor("
            f"initializer=...) rather than with every task ({how}).",
            when=only(PROCESSES),
        ),
    )


RULES: tuple[Rule, ...] = (
    Rule(
        id="CA601",
        name="mutable-state-threads",
        title="Mutable shared state makes threads hazardous",
        guidance="G4",
        rationale=(
            "Threads share memory, which makes communication cheap but exposes mutable "
            "state to race conditions, and the locks that fix them to deadlocks (G4)."
        ),
        example="shared_state='mutable', tasks=10 -> threads -1, warning",
        effect="score: threads -1; warning when threads are recommended",
        check=_mutable_state_threads,
    ),
    Rule(
        id="CA602",
        name="mutable-state-processes",
        title="Mutable shared state does not cross process boundaries",
        guidance="G5",
        rationale=(
            "Processes do not share memory (G5): fewer races, but state must be copied or "
            "synchronised through a Manager, shared memory or messages, which is slow and "
            "complex."
        ),
        example="shared_state='mutable', tasks=10 -> processes -2, warning",
        effect=(
            "score: processes -2 (and interpreters -2 on 3.14+); warning when either is recommended"
        ),
        check=_mutable_state_processes,
    ),
    Rule(
        id="CA603",
        name="mutable-state-coroutines",
        title="Coroutines switch only at await",
        guidance="G11",
        rationale=(
            "A coroutine gives control back only at 'await' (G11): state mutated between "
            "two awaits cannot be seen half-updated by another coroutine."
        ),
        example="workload='io', shared_state='mutable', tasks=10 -> asyncio +1",
        effect="score: asyncio +1; warning when asyncio is recommended",
        check=_mutable_state_coroutines,
    ),
    Rule(
        id="CA604",
        name="read-only-state-processes",
        title="Read-only shared state in processes",
        guidance="G5",
        rationale=(
            "Processes have separate memory (G5). Read-only data reaches workers for free "
            "with fork (copy-on-write) but is pickled per worker with spawn/forkserver; "
            "sending it with every task multiplies the IPC cost."
        ),
        example="shared_state='read_only', tasks=10 -> warning when processes are used",
        effect="warning (when processes are recommended)",
        check=_read_only_state_processes,
    ),
)
