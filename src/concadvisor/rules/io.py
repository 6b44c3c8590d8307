"""CA2xx -- I/O-bound work: coroutines or threads."""

from __future__ import annotations

from ..workers import THREAD_IO_CAP
from ._helpers import ASYNCIO, PROCESSES, THREADS, only
from .base import Facts, Fired, Rule, Score, Veto, Warn, fire
from .thresholds import MANY_IO_TASKS

_ASYNC_LIBRARIES = fire(
    "Async-capable libraries exist for this I/O: coroutines handle many concurrent "
    "operations with almost no switching cost.",
    Score(ASYNCIO, 2),
)

_NO_ASYNC_LIBRARIES = fire(
    "No async-capable libraries for this I/O and no event loop yet: coroutines would "
    "only hand each blocking call to a thread.",
    Veto(ASYNCIO),
)

_NO_REFACTOR = fire(
    "Rewriting the code to async/await is not acceptable (refactor_tolerance 'none').",
    Veto(ASYNCIO),
)

_IN_EVENT_LOOP = fire(
    "The calling code already runs inside an event loop: coroutines fit without a "
    "bridge, and anything else must be awaited through run_in_executor.",
    Score(ASYNCIO, 3),
    Warn(
        "Called from an event loop: submit pool work with "
        "`await loop.run_in_executor(pool, func, arg)` or `asyncio.to_thread`, never "
        "block the loop waiting for a future.",
        when=only(THREADS, PROCESSES),
    ),
)


# Effects that never change are built once (a rule that fires builds only its message).
_SYNC_CODE_EFFECTS = (Score(THREADS, 2.5),)
_MANY_IO_SCORES = (Score(ASYNCIO, 2), Score(THREADS, -1), Score(PROCESSES, -1))
_THREADS_ONLY = only(THREADS)


def _coroutines_with_async_libraries(f: Facts) -> Fired | None:
    p = f.profile
    if not (f.does_io and f.many and p.async_libraries):
        return None
    if p.refactor_tolerance == "none" and not p.already_async:
        return None
    return _ASYNC_LIBRARIES


def _no_async_libraries(f: Facts) -> Fired | None:
    p = f.profile
    if p.async_libraries or p.already_async:
        return None
    return _NO_ASYNC_LIBRARIES


def _no_refactor(f: Facts) -> Fired | None:
    p = f.profile
    if p.refactor_tolerance != "none" or p.already_async:
        return None
    return _NO_REFACTOR


def _sync_code_keeps_threads(f: Facts) -> Fired | None:
    p = f.profile
    if not (f.does_io and f.many) or p.already_async or p.refactor_tolerance == "high":
        return None
    return Fired(
        f"The existing code does synchronous I/O and refactoring tolerance is "
        f"'{p.refactor_tolerance}': a thread pool runs it concurrently unchanged.",
        _SYNC_CODE_EFFECTS,
    )


def _many_concurrent_io(f: Facts) -> Fired | None:
    if not f.does_io or f.tasks < MANY_IO_TASKS:
        return None
    return fire(
        f"{f.tasks} concurrent I/O tasks: a coroutine costs a few KiB and a cheap switch, an "
        "OS thread a stack reservation and a kernel context switch.",
        *_MANY_IO_SCORES,
        Warn(
            f"Keep the thread pool bounded (about {THREAD_IO_CAP} workers) and queue the "
            f"{f.tasks} tasks; one thread per task does not scale.",
            when=_THREADS_ONLY,
        ),
    )


def _already_in_event_loop(f: Facts) -> Fired | None:
    if not f.profile.already_async:
        return None
    return _IN_EVENT_LOOP


RULES: tuple[Rule, ...] = (
    Rule(
        id="CA201",
        name="coroutines-with-async-libraries",
        title="Coroutines when async-capable libraries exist",
        guidance="G9",
        rationale=(
            "With async-capable libraries (httpx, aiohttp, asyncpg...) and room to use "
            "async/await, coroutines give the cheapest concurrency for I/O (G6, G9, G13)."
        ),
        example="workload='io', async_libraries=True, tasks=100 -> asyncio +2",
        effect="score: asyncio +2",
        check=_coroutines_with_async_libraries,
    ),
    Rule(
        id="CA202",
        name="no-async-libraries",
        title="No coroutines without async-capable libraries",
        guidance="G9",
        rationale=(
            "Coroutines only overlap I/O that is awaited. When every I/O call is "
            "synchronous and the code is not async already, asyncio could only push each "
            "call to a thread: that is a thread pool with extra steps (G9)."
        ),
        example="workload='io', async_libraries=False, already_async=False -> asyncio vetoed",
        effect="veto: asyncio",
        check=_no_async_libraries,
    ),
    Rule(
        id="CA203",
        name="no-refactor",
        title="No coroutines when the code must not be rewritten",
        guidance="G9",
        rationale=(
            "Coroutines require rewriting call chains with async/await (G6). When that is "
            "not acceptable, threads run the existing synchronous code concurrently (G9)."
        ),
        example="refactor_tolerance='none', already_async=False -> asyncio vetoed",
        effect="veto: asyncio",
        check=_no_refactor,
    ),
    Rule(
        id="CA204",
        name="sync-code-keeps-threads",
        title="Threads keep synchronous I/O code as it is",
        guidance="G9",
        rationale=(
            "Existing synchronous I/O code runs concurrently in a thread pool without "
            "changes; with little tolerance for refactoring, that beats a rewrite (G9, G13)."
        ),
        example="workload='io', tasks=20, refactor_tolerance='low' -> threads +2.5",
        effect="score: threads +2.5",
        check=_sync_code_keeps_threads,
    ),
    Rule(
        id="CA205",
        name="many-concurrent-io",
        title="Coroutines for very many concurrent I/O tasks",
        guidance="G2",
        rationale=(
            "A thread switch is done by the kernel and each thread reserves a stack; a "
            "coroutine switch saves a little application state (G2). At thousands of "
            "concurrent operations coroutines scale where threads do not (G6, G8)."
        ),
        example="workload='io', tasks=5000 -> asyncio +2, threads -1, processes -1",
        effect="score: asyncio +2, threads -1, processes -1; warning for threads",
        check=_many_concurrent_io,
    ),
    Rule(
        id="CA206",
        name="already-in-event-loop",
        title="Stay on the event loop the code already runs in",
        guidance="G12",
        rationale=(
            "When the caller already runs in an event loop, coroutines need no bridge; pools "
            "must be awaited with run_in_executor so the loop keeps running (G11, G12)."
        ),
        example="already_async=True -> asyncio +3",
        effect="score: asyncio +3; warning for threads/processes",
        check=_already_in_event_loop,
    ),
)
