"""Every code ``concadvisor lint`` can report, documented like the engine's rules.

Families: ``CA30x`` the file and its schema, ``CA31x`` the declared executor against the
advice, ``CA32x`` inconsistent or hazardous profiles, ``CA35x`` measurements (``--probe``);
``CA40x`` resolving a profile's ``target``, ``CA41x`` what the target code does.  Codes are
never renumbered or reused.  Importing this module registers the codes with the catalogue,
so ``concadvisor rules CA310`` and ``concadvisor rules --markdown`` document them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..rules.base import CodeDoc
from ..rules.catalogue import register_codes

__all__ = ["CODES", "CODES_BY_ID", "LintCode", "Severity", "code"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True, kw_only=True)
class LintCode(CodeDoc):
    """A lint code: documentation plus its default severity and a "use instead" text."""

    severity: Severity
    fix: str


def _code(
    id: str,
    name: str,
    severity: Severity,
    title: str,
    *,
    guidance: str,
    message: str,
    rationale: str,
    example: str,
    fix: str,
) -> LintCode:
    return LintCode(
        id=id,
        name=name,
        title=title,
        guidance=guidance,
        rationale=rationale,
        example=example,
        effect=f"{severity}: {message}",
        kind="lint",
        severity=severity,
        fix=fix,
    )


CODES: tuple[LintCode, ...] = (
    # -- CA30x: the file and its schema ----------------------------------------------------
    _code(
        "CA301",
        "invalid-toml",
        "error",
        "The file is not valid TOML",
        guidance="G7",
        message="invalid TOML: <parser message> (also: not UTF-8, too large)",
        rationale=(
            "A file that does not parse declares nothing: every task in it goes unchecked. "
            "The finding points at the line and column the TOML parser stopped at."
        ),
        example='[tool.concadvisor.tasks.api]\nworkload = "io\n',
        fix="Fix the TOML syntax at the reported position (TOML files must be UTF-8).",
    ),
    _code(
        "CA302",
        "unknown-field",
        "error",
        "A task or setting uses a key concadvisor does not know",
        guidance="G7",
        message="unknown field 'KEY' in task NAME (did you mean 'FIELD'?)",
        rationale=(
            "A misspelt key is silently ignored by most tools, so the profile says something "
            "other than what its author meant; TaskProfile forbids unknown fields for that "
            "reason, and lint says which field was probably meant."
        ),
        example='[tool.concadvisor.tasks.api]\nworkload = "io"\nexecuter = "threads"',
        fix="Rename the key to a TaskProfile field, executor, workers, target or ignore.",
    ),
    _code(
        "CA303",
        "invalid-value",
        "error",
        "A key has the wrong type or an invalid value",
        guidance="G7",
        message="FIELD: expected ..., got VALUE (TYPE)",
        rationale=(
            "Profiles are validated strictly (no '5' -> 5 coercion), so a value of the wrong "
            "type or out of range is reported where it is written instead of being "
            "reinterpreted."
        ),
        example='[tasks.api]\nworkload = "io"\nexecutor = "threads"\ntasks = "many"',
        fix="Use a value of the documented type and range (see `concadvisor schema`).",
    ),
    _code(
        "CA304",
        "missing-field",
        "error",
        "A task declares no workload or no executor",
        guidance="G7",
        message="'executor' is required: declare what the code uses today",
        rationale=(
            "Without the workload there is nothing to advise on; without the executor there "
            "is nothing to check the advice against."
        ),
        example='[tasks.api]\nworkload = "io"',
        fix='Add the key, e.g. executor = "threads".',
    ),
    # -- CA31x: the declared executor against the advice -----------------------------------
    _code(
        "CA310",
        "executor-not-viable",
        "error",
        "The declared executor cannot work well for this profile",
        guidance="G8",
        message=(
            "executor = 'E' is not viable for this profile: vetoed by RULES; recommended: R (RULES)"
        ),
        rationale=(
            "A rule of the advice engine vetoed the declared executor: under the profile as "
            "declared it cannot speed the work up or cannot run it at all (threads for "
            "pure-Python CPU work under the GIL, processes for unpicklable callables, "
            "coroutines without async libraries...)."
        ),
        example='[tasks.thumbs]\nworkload = "cpu"\ntasks = 500\nexecutor = "threads"',
        fix="Switch to the recommended executor, or correct the profile if it is wrong.",
    ),
    _code(
        "CA311",
        "executor-not-recommended",
        "warning",
        "The declared executor works but is not the recommended one",
        guidance="G13",
        message="executor = 'E' is not the recommended executor: R is (RULES); E ranks N",
        rationale=(
            "The declared executor is viable, but the rules rank another one higher for this "
            "profile; the finding names it and the rules behind it so the choice can be "
            "revisited or the profile corrected."
        ),
        example=(
            '[tasks.crawl]\nworkload = "io"\ntasks = 5000\nasync_libraries = true\n'
            'executor = "threads"'
        ),
        fix="Use the recommended executor, or ignore CA311 for this task with a reason.",
    ),
    # -- CA32x: inconsistent or hazardous profiles ------------------------------------------
    _code(
        "CA320",
        "workers-above-cpus",
        "warning",
        "More worker processes than usable CPUs for CPU-bound work",
        guidance="G5",
        message="workers = N exceeds the C usable CPUs for CPU-bound work in processes",
        rationale=(
            "CPU-bound processes cannot run more at once than there are usable CPUs "
            "(affinity, cgroup quota); extra processes add start-up, memory and switching "
            "for no gain."
        ),
        example='[tasks.render]\nworkload = "cpu"\nexecutor = "processes"\nworkers = 64\ncpus = 8',
        fix="Use at most as many workers as usable CPUs (or leave workers out).",
    ),
    _code(
        "CA321",
        "many-tasks-on-threads",
        "warning",
        "Thousands of tasks on threads without a bounded pool",
        guidance="G2",
        message="N tasks on threads without a bounded pool (workers <= 100)",
        rationale=(
            "Each OS thread costs a stack and pre-emptive switches; thousands of them at "
            "once thrash. A bounded pool, or coroutines when async libraries exist, handle "
            "that scale."
        ),
        example='[tasks.fetch]\nworkload = "io"\ntasks = 5000\nexecutor = "threads"',
        fix="Declare a bounded pool (workers = 32) or move to asyncio with async libraries.",
    ),
    _code(
        "CA322",
        "asyncio-without-async-libraries",
        "warning",
        "asyncio declared for I/O without async-capable libraries",
        guidance="G9",
        message="executor = 'asyncio' but async_libraries = false: synchronous I/O blocks the loop",
        rationale=(
            "Coroutines overlap waiting only when the I/O itself is awaitable; synchronous "
            "libraries called from a coroutine block every other coroutine on the loop."
        ),
        example='[tasks.db]\nworkload = "io"\nexecutor = "asyncio"\nasync_libraries = false',
        fix="Use async libraries (httpx, asyncpg, aiofiles) or run the I/O in threads.",
    ),
    _code(
        "CA323",
        "mutable-state-on-threads",
        "warning",
        "Threads share mutable state",
        guidance="G4",
        message="threads with shared_state = 'mutable': races unless every write is guarded",
        rationale=(
            "Pre-emptive threads interleave between any two bytecodes (and truly in parallel "
            "on free-threaded builds): unsynchronised writes to shared objects race."
        ),
        example='[tasks.count]\nworkload = "io"\nexecutor = "threads"\nshared_state = "mutable"',
        fix="Guard shared writes with a Lock, or pass results back instead of sharing state.",
    ),
    _code(
        "CA324",
        "processes-not-picklable",
        "error",
        "Processes declared for work that cannot be pickled",
        guidance="G5",
        message="executor = 'processes' but picklable = false: a process pool cannot send it",
        rationale=(
            "A process pool pickles the callable, its arguments and its results; what does "
            "not pickle fails at submission."
        ),
        example='[tasks.cb]\nworkload = "cpu"\nexecutor = "processes"\npicklable = false',
        fix="Make the callable a module-level function with picklable arguments, or use threads.",
    ),
    _code(
        "CA325",
        "mutable-state-on-processes",
        "warning",
        "Processes declared with mutable shared state",
        guidance="G5",
        message="processes with shared_state = 'mutable': each process writes its own copy",
        rationale=(
            "Processes share no memory: writes to a global in a worker change that worker's "
            "copy only, so the result silently differs from the serial run."
        ),
        example=(
            '[tasks.tally]\nworkload = "cpu"\nexecutor = "processes"\nshared_state = "mutable"'
        ),
        fix="Return results and combine them in the parent, or use a Manager/shared memory.",
    ),
    _code(
        "CA326",
        "workers-on-serial",
        "warning",
        "A pool size declared for serial execution",
        guidance="G3",
        message="workers = N but executor = 'serial' runs one task at a time",
        rationale="One thread runs one task at a time; a pool size above 1 contradicts it.",
        example='[tasks.job]\nworkload = "io"\nexecutor = "serial"\nworkers = 8',
        fix="Remove workers, or declare the executor that actually runs them.",
    ),
    # -- CA35x: measurements ----------------------------------------------------------------
    _code(
        "CA350",
        "probe-contradicts-executor",
        "warning",
        "The measurement contradicts the declared executor",
        guidance="G7",
        message="measured: F fastest (Sx), declared E: Dx",
        rationale=(
            "With --probe the target runs under every executor within a small budget; when "
            "another executor is clearly faster than the declared one on this machine, the "
            "declaration (or the profile) deserves a second look."
        ),
        example="concadvisor lint --probe --probe-budget 5",
        fix="Switch to the measured fastest executor, or correct the profile.",
    ),
    _code(
        "CA351",
        "probe-failed",
        "warning",
        "The target could not be measured",
        guidance="G7",
        message="cannot probe TARGET: REASON",
        rationale=(
            "--probe was asked for but the target could not be imported or run; the "
            "declaration is then checked by the rules only."
        ),
        example="concadvisor lint --probe",
        fix="Make the target importable from the config file's directory with no arguments.",
    ),
    # -- CA40x: resolving the target --------------------------------------------------------
    _code(
        "CA401",
        "invalid-target-spec",
        "error",
        "The target is not of the form 'pkg.mod:func' or 'path/file.py:func'",
        guidance="G7",
        message="target 'SPEC' is not 'pkg.mod:func', 'path/to/file.py:func' or 'mod:Class.method'",
        rationale="lint and the probe both resolve targets from this form.",
        example='target = "app.images.make_thumbnail"',
        fix='Separate the module and the function with a colon: "app.images:make_thumbnail".',
    ),
    _code(
        "CA402",
        "target-module-not-found",
        "error",
        "The target's module cannot be found",
        guidance="G7",
        message="target module 'MOD' not found (searched: the config's directory, src/, sys.path)",
        rationale=(
            "The module is looked up without importing it, from the directory of the file "
            "that declares it (and its src/), then sys.path: a typo or a moved module makes "
            "the declaration stale."
        ),
        example='target = "app.imagez:make_thumbnail"',
        fix="Point the target at an existing module.",
    ),
    _code(
        "CA403",
        "target-not-found",
        "error",
        "The target's module has no such function or method",
        guidance="G7",
        message="'NAME' is not defined in MODULE (did you mean 'OTHER'?)",
        rationale="A renamed or removed function makes the declaration describe nothing.",
        example='target = "app.images:make_thumbnails"',
        fix="Point the target at a function defined in the module.",
    ),
    _code(
        "CA404",
        "target-module-unparsable",
        "error",
        "The target's module cannot be read or parsed",
        guidance="G7",
        message="cannot analyse MODULE: REASON",
        rationale="The code checks read the module with `ast`; a syntax error stops them.",
        example="def broken(:\n    pass",
        fix="Fix the syntax error (or the encoding) of the module.",
    ),
    # -- CA41x: what the target code does ---------------------------------------------------
    _code(
        "CA410",
        "blocking-call-in-coroutine",
        "error",
        "A blocking call inside an async def target",
        guidance="G11",
        message="blocking call CALL() inside async def NAME stalls every coroutine on the loop",
        rationale=(
            "A coroutine yields to the event loop only at await; a synchronous sleep, HTTP "
            "request, subprocess or file/socket call blocks the whole loop for its duration. "
            "Calls directly awaited, and calls inside nested sync functions (which may be sent "
            "to a thread), are not reported."
        ),
        example="async def fetch(url):\n    time.sleep(1)\n    return requests.get(url)",
        fix=(
            "Use the async equivalent (asyncio.sleep, httpx.AsyncClient, "
            "asyncio.create_subprocess_exec) or wrap the call in asyncio.to_thread."
        ),
    ),
    _code(
        "CA411",
        "unpicklable-process-target",
        "error",
        "A lambda, nested function or closure declared for a process pool",
        guidance="G5",
        message="target NAME is a lambda|nested function|closure: a process pool cannot pickle it",
        rationale=(
            "pickle sends functions by qualified name; lambdas, nested functions and closures "
            "have no importable name, so submitting them to a process pool fails."
        ),
        example="square = lambda x: x * x  # declared executor = 'processes'",
        fix="Define the target as a module-level def (use functools.partial for bound values).",
    ),
    _code(
        "CA412",
        "async-target-sync-executor",
        "warning",
        "An async def target declared with a synchronous executor",
        guidance="G10",
        message="async def NAME declared executor = 'E': each call needs its own event loop",
        rationale=(
            "Calling a coroutine function from a thread, a process or a plain loop only "
            "creates a coroutine object; running it takes an event loop per call "
            "(asyncio.run), which wastes what async offers."
        ),
        example="async def fetch(url): ...  # declared executor = 'threads'",
        fix="Declare executor = 'asyncio', or make the target a plain def.",
    ),
    _code(
        "CA413",
        "sync-target-asyncio",
        "warning",
        "A plain def target declared for asyncio",
        guidance="G11",
        message="def NAME is not a coroutine function but executor = 'asyncio'",
        rationale=(
            "A plain function called from a coroutine runs on the event loop thread and "
            "blocks it; asyncio only overlaps work that awaits."
        ),
        example="def fetch(url): ...  # declared executor = 'asyncio'",
        fix="Make the target async def, or run it with asyncio.to_thread (that is threads).",
    ),
    _code(
        "CA414",
        "deprecated-get-event-loop",
        "warning",
        "asyncio.get_event_loop() outside a running loop",
        guidance="G10",
        message="asyncio.get_event_loop() outside a coroutine is deprecated",
        rationale=(
            "With no running loop, get_event_loop() warns from Python 3.12 and raises from "
            "3.14; asyncio.run() creates, runs and closes the loop."
        ),
        example="loop = asyncio.get_event_loop()\nloop.run_until_complete(main())",
        fix="Use asyncio.run(main()); inside a coroutine use asyncio.get_running_loop().",
    ),
    _code(
        "CA415",
        "process-pool-without-main-guard",
        "error",
        "A process pool started at import time, outside `if __name__ == '__main__':`",
        guidance="G5",
        message="CALL at module level without an `if __name__ == '__main__':` guard",
        rationale=(
            "With the spawn and forkserver start methods (the default on Windows and macOS, "
            "and on Linux from 3.14) each worker re-imports the module, starting pools "
            "recursively or failing with RuntimeError."
        ),
        example="pool = ProcessPoolExecutor()\nresults = list(pool.map(work, items))",
        fix="Move the pool into a function called under `if __name__ == '__main__':`.",
    ),
)

CODES_BY_ID: dict[str, LintCode] = {c.id: c for c in CODES}


def code(code_id: str) -> LintCode:
    """The documented code ``code_id`` (a KeyError here is a bug in the linter)."""
    return CODES_BY_ID[code_id]


register_codes(CODES)
