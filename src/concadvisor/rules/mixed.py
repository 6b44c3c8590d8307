"""CA8xx -- mixed work and life on the event loop: offloading, blocking calls, modern API."""

from __future__ import annotations

from ._helpers import ASYNCIO, PROCESSES, THREADS, only
from .base import Facts, Fired, Note, Offload, Rule, Score, Warn, fire
from .thresholds import CPU_DOMINANT_FRACTION, NEGLIGIBLE_CPU_FRACTION

_SYNC_IO_IN_LOOP = fire(
    "The code runs on an event loop but its I/O libraries are synchronous: each call "
    "must go to a thread (asyncio.to_thread) or it stalls the loop.",
    Offload(THREADS, only(ASYNCIO), part="io"),
    Warn(
        "Call the synchronous I/O through `await asyncio.to_thread(func, ...)`; calling "
        "it directly inside `async def` blocks every coroutine on the loop.",
        when=only(ASYNCIO),
    ),
)

_BLOCKING_STALLS_LOOP = fire(
    "CPU work or blocking calls inside a coroutine stop the whole event loop.",
    Warn(
        "Never call blocking code directly inside `async def`: offload it with "
        "`await asyncio.to_thread(...)` or `loop.run_in_executor(pool, ...)`.",
        when=only(ASYNCIO),
    ),
)


# Effects that never change are built once (a rule that fires builds only its message).
_OFFLOAD_TO_PROCESSES = fire(
    "Mixed work: the I/O part runs concurrently and the pure-Python CPU part goes to "
    "a process pool, where it runs in parallel without blocking the I/O.",
    Offload(PROCESSES, only(ASYNCIO, THREADS)),
)
_OFFLOAD_TO_THREADS = (Offload(THREADS, only(ASYNCIO)),)


def _cpu_part_matters(f: Facts) -> bool:
    fraction = f.profile.cpu_fraction
    return f.workload == "mixed" and (fraction is None or fraction >= NEGLIGIBLE_CPU_FRACTION)


def _offload_cpu_part(f: Facts) -> Fired | None:
    if not _cpu_part_matters(f) or not f.many:
        return None
    p = f.profile
    if f.gil_bound and p.picklable and f.cpus >= 2:
        return _OFFLOAD_TO_PROCESSES
    why = (
        "it releases the GIL, so threads run it in parallel"
        if not f.gil_bound and f.cpus >= 2
        else "that keeps the event loop responsive even without parallelism"
    )
    return Fired(
        f"Mixed work: the CPU part is handed to threads from the event loop ({why}).",
        _OFFLOAD_TO_THREADS,
    )


def _cpu_dominant_mixed(f: Facts) -> Fired | None:
    fraction = f.profile.cpu_fraction
    if f.workload != "mixed" or fraction is None or fraction < CPU_DOMINANT_FRACTION:
        return None
    if not f.many or f.cpus < 2:
        return None
    target = PROCESSES if f.gil_bound else THREADS
    return fire(
        f"Mixed work that is mostly CPU ({fraction:.0%} of its time): parallel CPU matters "
        "more than cheap waiting.",
        Score(target, 2),
    )


def _sync_io_inside_loop(f: Facts) -> Fired | None:
    p = f.profile
    if not (p.already_async and not p.async_libraries and f.does_io):
        return None
    return _SYNC_IO_IN_LOOP


def _blocking_calls_stall_loop(f: Facts) -> Fired | None:
    p = f.profile
    cpu_heavy = p.cpu_fraction is not None and p.cpu_fraction >= NEGLIGIBLE_CPU_FRACTION
    if not (f.workload == "mixed" or cpu_heavy):
        return None
    return _BLOCKING_STALLS_LOOP


def _modern_asyncio_note(structured: str) -> Fired:
    return fire(
        "Modern asyncio entry points.",
        Note(
            f"Start the loop with asyncio.run() and run tasks with {structured}; "
            "asyncio.get_event_loop() without a running loop is deprecated (warns from "
            "3.12, fails from 3.14).",
            when=only(ASYNCIO),
        ),
    )


_WITH_TASK_GROUP = _modern_asyncio_note("asyncio.TaskGroup")
_WITH_GATHER = _modern_asyncio_note("asyncio.gather")


def _modern_asyncio(f: Facts) -> Fired | None:
    return _WITH_TASK_GROUP if f.environment.python_version >= (3, 11) else _WITH_GATHER


RULES: tuple[Rule, ...] = (
    Rule(
        id="CA801",
        name="offload-cpu-part",
        title="Mixed work: offload the CPU part",
        guidance="G13",
        rationale=(
            "Mixed pipelines use each model for what it is good at (G13): coroutines or "
            "threads for the I/O, a process pool for pure-Python CPU parts "
            "(loop.run_in_executor), or threads when the CPU part releases the GIL or "
            "cannot be pickled."
        ),
        example="workload='mixed', tasks=100 -> offload: processes",
        effect="offload: processes (pure Python, picklable, 2+ CPUs) or threads",
        check=_offload_cpu_part,
    ),
    Rule(
        id="CA802",
        name="cpu-dominant-mixed",
        title="Mostly-CPU mixed work favours parallel CPU",
        guidance="G8",
        rationale=(
            "When most of a mixed task's time is computation, the executor that "
            "parallelises the CPU part matters most (G8): processes for pure Python, "
            "threads when the GIL is released."
        ),
        example="workload='mixed', cpu_fraction=0.7, tasks=50 -> processes +2",
        effect="score: processes +2 (or threads +2 when the GIL is not a limit)",
        check=_cpu_dominant_mixed,
    ),
    Rule(
        id="CA803",
        name="sync-io-inside-loop",
        title="Synchronous I/O inside an event loop goes to threads",
        guidance="G11",
        rationale=(
            "Correction to G11: a blocking call inside `async def` stalls every coroutine "
            "on the loop. asyncio.to_thread/run_in_executor is the bridge for synchronous "
            "libraries used from async code."
        ),
        example="already_async=True, async_libraries=False -> offload: threads, warning",
        effect="offload: threads (when asyncio is recommended); warning",
        check=_sync_io_inside_loop,
    ),
    Rule(
        id="CA804",
        name="blocking-calls-stall-loop",
        title="CPU work or blocking calls stall the event loop",
        guidance="G11",
        rationale=(
            "'await' is the only place a coroutine gives control back (G11). CPU work or a "
            "synchronous call between two awaits freezes every other coroutine until it "
            "ends."
        ),
        example="workload='mixed' -> warning when asyncio is recommended",
        effect="warning (when asyncio is recommended)",
        check=_blocking_calls_stall_loop,
    ),
    Rule(
        id="CA805",
        name="modern-asyncio",
        title="Use asyncio.run and TaskGroup, not get_event_loop",
        guidance="G10",
        rationale=(
            "G10 is out of date: asyncio.get_event_loop() with no running loop is "
            "deprecated (warns from 3.12, raises from 3.14). asyncio.run() creates and "
            "closes the loop; asyncio.TaskGroup (3.11) is the structured alternative to "
            "gather."
        ),
        example="any profile -> note when asyncio is recommended",
        effect="note (when asyncio is recommended)",
        check=_modern_asyncio,
    ),
)
