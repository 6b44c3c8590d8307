"""The guidance G1-G13 that every rule cites, shipped with the package.

Each section says what the classic advice on Python concurrency claims and, where that is
wrong or dated for current CPython, the correction the rules follow.  ``concadvisor rules
G4`` prints one section, ``concadvisor rules --guidance`` lists them, and
``docs/guidance.md`` is generated from :func:`guidance_markdown` (a test keeps it in sync).

>>> get_section("g4").title
'Threads'
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SECTIONS", "Section", "get_section", "guidance_markdown", "section_markdown"]


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    title: str
    #: What the classic advice says.
    claim: str
    #: Where it is wrong, incomplete or dated for current CPython (empty: it holds).
    correction: str = ""


SECTIONS: tuple[Section, ...] = (
    Section(
        "G1",
        "Coroutines and threads differ",
        "Coroutines are cooperative: a task runs until it awaits, which suits work that "
        "mostly waits on I/O. Threads are pre-emptive, and the classic advice adds that they "
        "suit CPU-bound work and run in parallel on several cores.",
        "Threads run CPU work in parallel only when that work is native code that releases "
        "the GIL (NumPy, hashlib, zlib, many compiled extensions) or on a free-threaded "
        "interpreter (PEP 703, `python3.13t`; `sys._is_gil_enabled()` is False). Pure-Python "
        "CPU work under the GIL gets no faster with more threads -- which is what G4 says, so "
        "the classic advice contradicts itself; both hold, under different conditions.",
    ),
    Section(
        "G2",
        "Switching costs",
        "The operating system switches threads by saving and restoring the whole CPU state, "
        "which is costly; an event loop switches coroutines by saving a little application "
        "state, which is cheap.",
        "Both are quantities, not adjectives: `concadvisor calibrate` measures them on this "
        "machine. They matter only when tasks are short or very numerous.",
    ),
    Section(
        "G3",
        "One thread",
        "Running the work serially is the simplest option: no synchronisation, no "
        "inter-process communication. It cannot use more than one core.",
        "It is also the right answer more often than the advice suggests: for one task, for "
        "tasks shorter than the cost of dispatching them, and on a machine with one usable "
        "CPU, no pool beats it.",
    ),
    Section(
        "G4",
        "Threads",
        "Threads give large gains on I/O-bound work: while one waits, another runs. They "
        "share memory, so passing data is cheap. The GIL lets one thread run Python bytecode "
        "at a time, which limits them on CPU-bound work. Shared state brings races and "
        "deadlocks.",
        "See G1: native code that releases the GIL, and free-threaded builds, do run threads "
        "in parallel. Shared mutable state needs locks on every build -- more so without the "
        "GIL.",
    ),
    Section(
        "G5",
        "Processes",
        "Processes use every core: each has its own interpreter and GIL, so CPU-bound Python "
        "runs truly in parallel, and without shared memory there are fewer synchronisation "
        "problems. Starting processes is expensive, especially on Windows, and communicating "
        "between them (Queue, Pipe) is complex and costly.",
        "The costs are measurable and decide the answer: start-up (fork, spawn or "
        "forkserver; Linux defaults to forkserver from 3.14), dispatch per task and pickling "
        "per byte. Short tasks or large payloads make processes lose; batching (`chunksize`) "
        "changes that. The callable, its arguments and results must pickle (no lambdas, "
        "closures or nested functions with the standard pickler). When the CPU work releases "
        "the GIL, threads usually beat processes: the same parallelism without pickling. "
        "Usable cores are not `os.cpu_count()`: affinity, cgroup quotas and, from 3.13, "
        "`os.process_cpu_count()` decide. Python 3.14 adds `InterpreterPoolExecutor` (one GIL "
        "per sub-interpreter); work that outgrows one machine belongs to a distributed "
        "engine (Dask, Ray), not a bigger pool.",
    ),
    Section(
        "G6",
        "Coroutines",
        "Coroutines make I/O very efficient: almost no switching overhead, a very large "
        "number of concurrent operations, concise code. They give no parallelism, so they do "
        "not suit CPU-bound work, and the code must be written with async/await.",
        "CPU parts inside async code can be offloaded (`asyncio.to_thread`, "
        "`loop.run_in_executor` with a process pool): mixed work is async for the I/O plus a "
        "pool for the CPU.",
    ),
    Section(
        "G7",
        "The summary",
        "One thread for simple jobs that need no speed; threads for I/O but not for CPU "
        "(the GIL); processes for CPU; coroutines for I/O but not for CPU.",
        "A good first cut, wrong in three common cases: native CPU work that releases the "
        "GIL (threads), tasks too short to pay for a pool, and payloads too large to pickle "
        "cheaply (serial or threads). concadvisor measures instead of assuming.",
    ),
    Section(
        "G8",
        "How to choose",
        "I/O-bound: coroutines or threads, coroutines especially at large scale. CPU-bound: "
        "processes, to avoid the GIL.",
        "Add the corrections of G1 and G5 for CPU work; at large scale, thousands of threads "
        "cost memory that coroutines do not.",
    ),
    Section(
        "G9",
        "Choosing for I/O",
        "Choose coroutines when there are many concurrent I/O operations and async-capable "
        "libraries exist (async syntax since Python 3.5). Choose threads when existing code "
        "uses synchronous I/O that should not be rewritten, or the I/O has no async support.",
    ),
    Section(
        "G10",
        "Running coroutines",
        "Define coroutines with `async def`; get or create an event loop, run it with "
        "`run_until_complete`, close it; since 3.7 `asyncio.run()` does all that; "
        "`asyncio.gather` runs several coroutines at once.",
        "Dated: `asyncio.get_event_loop()` without a running loop is deprecated (it warns "
        "from 3.12 and raises from 3.14); use `asyncio.run()`. `asyncio.TaskGroup` (3.11) is "
        "the structured alternative to `gather`: a failure cancels the siblings.",
    ),
    Section(
        "G11",
        "Giving up control",
        "`await` suspends the coroutine, keeps its state and hands control back to the event "
        "loop, which resumes it once the awaited operation is done.",
        "Only an `await` gives up control: a synchronous blocking call inside `async def` "
        "(`time.sleep`, `requests.get`, heavy computation) stalls every coroutine on that "
        "loop. Bridge it with `asyncio.to_thread` or `loop.run_in_executor`.",
    ),
    Section(
        "G12",
        "The event loop",
        "The event loop schedules coroutines, runs callbacks and manages I/O.",
    ),
    Section(
        "G13",
        "Conclusion",
        "Use coroutines where you can, threads where coroutines are awkward, processes for "
        "CPU work, and threads or coroutines for tasks that wait on each other.",
        "Read with the corrections above: which model wins depends on the work's kind, its "
        "size per task, its payloads and the machine -- which is what the rules weigh and "
        "what `concadvisor probe` measures.",
    ),
)

_BY_ID = {section.id: section for section in SECTIONS}


def get_section(section_id: str) -> Section | None:
    """The section ``G4`` (case and blanks ignored), or None."""
    return _BY_ID.get(section_id.strip().upper())


def section_markdown(section: Section, heading: str = "##") -> str:
    """One section: the claim, the correction, and the codes that cite it."""
    from .registry import all_codes

    codes = [code.id for code in all_codes() if code.guidance == section.id]
    lines = [f"{heading} {section.id}: {section.title}", "", f"**The advice:** {section.claim}"]
    if section.correction:
        lines += ["", f"**Correction:** {section.correction}"]
    cited = ", ".join(codes) if codes else "none yet"
    lines += ["", f"**Encoded by:** {cited}", ""]
    return "\n".join(lines)


def guidance_markdown() -> str:
    """The content of docs/guidance.md."""
    lines = [
        "# Guidance",
        "",
        "<!-- Generated by `concadvisor rules --guidance --markdown`; do not edit by hand. -->",
        "",
        "The classic advice on Python concurrency, section by section, with the corrections "
        "for current CPython that concadvisor's rules follow. Every rule and lint code cites "
        "one section (the *guidance* column of `concadvisor rules`); `concadvisor rules G4` "
        "prints one.",
        "",
    ]
    lines += [section_markdown(section) for section in SECTIONS]
    return "\n".join(lines).rstrip() + "\n"
