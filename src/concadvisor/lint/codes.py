"""Every code ``concadvisor lint`` can report: documentation plus the message it emits.

Families: ``CA30x`` the file and its schema, ``CA31x`` the declared executor against the
advice, ``CA32x`` inconsistent or hazardous profiles, ``CA35x`` measurements (``--probe``);
``CA40x`` resolving a profile's ``target`` (and reading modules), ``CA41x``/``CA42x`` what
the code does (CA410 and CA416-CA419: blocking calls in any coroutine, by kind; CA414 and
CA420: ``get_event_loop()`` by target version; CA421 a lambda or nested pool initializer).
Codes are
never renumbered or reused.  Each code is a module constant that emits its own documented
message (``CA322.finding(location)``, ``CA320.finding(location, workers=9, cpus=8)``): call
sites never spell a code or a message.  Nothing is registered on import:
:mod:`concadvisor.registry` lists these tuples next to the engine's rule families.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..rules.base import CodeDoc
from .diagnostics import Diagnostic, Location, Severity
from .knowledge import Kind

__all__ = [
    "BLOCKING_CODES",
    "CODES",
    "CODES_BY_ID",
    "PROFILE_CODES",
    "TARGET_CODES",
    "LintCode",
    "Severity",
    "code",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class LintCode(CodeDoc):
    """A lint code: documentation, default severity, a "use instead" text and the message.

    ``message`` is a :meth:`str.format` template with named fields (``{workers}``); the
    documentation shows it as the code's effect, and :meth:`finding` fills it in, so what
    lint prints is what the docs say.
    """

    severity: Severity
    fix: str
    message: str
    #: The template's field names, checked against every call's arguments.
    fields: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        CodeDoc.__post_init__(self)
        names = {name for _, name, _, _ in string.Formatter().parse(self.message) if name}
        object.__setattr__(self, "fields", frozenset(names))

    def render(self, **values: object) -> str:
        """The message with its fields filled in (a mismatch is a bug in the linter)."""
        if values.keys() != self.fields:
            raise TypeError(f"{self.id} message takes {sorted(self.fields)}, got {sorted(values)}")
        return self.message.format(**values)

    def finding(
        self,
        location: Location,
        *,
        task: str | None = None,
        related: tuple[Location, ...] = (),
        **values: object,
    ) -> Diagnostic:
        """A finding of this code at ``location`` with its default severity."""
        return Diagnostic(location, self.id, self.render(**values), self.severity, task, related)


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
        message=message,
    )


# -- CA30x: the file and its schema ----------------------------------------------------

CA301 = _code(
    "CA301",
    "invalid-toml",
    "error",
    "The file is not valid TOML",
    guidance="G7",
    message="invalid TOML: {problem}",
    rationale=(
        "A file that does not parse declares nothing: every task in it goes unchecked. "
        "The finding points at the line and column the TOML parser stopped at."
    ),
    example='[tool.concadvisor.tasks.api]\nworkload = "io\n',
    fix="Fix the TOML syntax at the reported position (TOML files must be UTF-8).",
)

CA302 = _code(
    "CA302",
    "unknown-field",
    "error",
    "A task or setting uses a key concadvisor does not know",
    guidance="G7",
    message="unknown {kind} '{key}' in {where}{hint}",
    rationale=(
        "A misspelt key is silently ignored by most tools, so the profile says something "
        "other than what its author meant; TaskProfile forbids unknown fields for that "
        "reason, and lint says which field was probably meant."
    ),
    example='[tool.concadvisor.tasks.api]\nworkload = "io"\nexecuter = "threads"',
    fix="Rename the key to a TaskProfile field or one of lint's keys: executor, workers, target, "
    "ignore, args, kwargs, inputs, setup.",
)

CA303 = _code(
    "CA303",
    "invalid-value",
    "error",
    "A key has the wrong type or an invalid value",
    guidance="G7",
    message="{key}: {problem}",
    rationale=(
        "Profiles are validated strictly (no '5' -> 5 coercion), so a value of the wrong "
        "type or out of range is reported where it is written instead of being "
        "reinterpreted."
    ),
    example='[tasks.api]\nworkload = "io"\nexecutor = "threads"\ntasks = "many"',
    fix="Use a value of the documented type and range (see `concadvisor schema`).",
)

CA304 = _code(
    "CA304",
    "missing-field",
    "error",
    "A task declares no workload or no executor",
    guidance="G7",
    message="'{key}' is required: declare {what}",
    rationale=(
        "Without the workload there is nothing to advise on; without the executor there "
        "is nothing to check the advice against."
    ),
    example='[tasks.api]\nworkload = "io"',
    fix='Add the key, e.g. executor = "threads".',
)


# -- CA31x: the declared executor against the advice -----------------------------------

CA310 = _code(
    "CA310",
    "executor-not-viable",
    "error",
    "The declared executor cannot work well for this profile",
    guidance="G8",
    message=(
        "executor = '{declared}' is not viable for this profile: vetoed by {vetoes}; "
        "recommended: {recommended} ({rules})"
    ),
    rationale=(
        "A rule of the advice engine vetoed the declared executor: under the profile as "
        "declared it cannot speed the work up or cannot run it at all (threads for "
        "pure-Python CPU work under the GIL, processes for unpicklable callables, "
        "coroutines without async libraries...)."
    ),
    example='[tasks.thumbs]\nworkload = "cpu"\ntasks = 500\nexecutor = "threads"',
    fix="Switch to the recommended executor, or correct the profile if it is wrong.",
)

CA311 = _code(
    "CA311",
    "executor-not-recommended",
    "warning",
    "The declared executor works but is not the recommended one",
    guidance="G13",
    message=(
        "executor = '{declared}' is not the recommended executor: {recommended} is ({rules});"
        " {declared} ranks {place} of {count}"
    ),
    rationale=(
        "The declared executor is viable, but the rules rank another one higher for this "
        "profile; the finding names it and the rules behind it so the choice can be "
        "revisited or the profile corrected."
    ),
    example=(
        '[tasks.crawl]\nworkload = "io"\ntasks = 5000\nasync_libraries = true\nexecutor = "threads"'
    ),
    fix="Use the recommended executor, or ignore CA311 for this task with a reason.",
)


# -- CA32x: inconsistent or hazardous profiles ------------------------------------------

CA320 = _code(
    "CA320",
    "workers-above-cpus",
    "warning",
    "More worker processes than usable CPUs for CPU-bound work",
    guidance="G5",
    message=(
        "workers = {workers} exceeds the {cpus} usable CPUs for CPU-bound work in processes; "
        "use at most {cpus}"
    ),
    rationale=(
        "CPU-bound processes cannot run more at once than there are usable CPUs "
        "(affinity, cgroup quota); extra processes add start-up, memory and switching "
        "for no gain."
    ),
    example='[tasks.render]\nworkload = "cpu"\nexecutor = "processes"\nworkers = 64\ncpus = 8',
    fix="Use at most as many workers as usable CPUs (or leave workers out).",
)

CA321 = _code(
    "CA321",
    "many-tasks-on-threads",
    "warning",
    "Thousands of tasks on threads without a bounded pool",
    guidance="G2",
    message=(
        "{tasks} tasks on threads {pool}: declare workers <= {bound}, or use asyncio with "
        "async libraries"
    ),
    rationale=(
        "Each OS thread costs a stack and pre-emptive switches; thousands of them at "
        "once thrash. A bounded pool, or coroutines when async libraries exist, handle "
        "that scale."
    ),
    example='[tasks.fetch]\nworkload = "io"\ntasks = 5000\nexecutor = "threads"',
    fix="Declare a bounded pool (workers = 32) or move to asyncio with async libraries.",
)

CA322 = _code(
    "CA322",
    "asyncio-without-async-libraries",
    "warning",
    "asyncio declared for I/O without async-capable libraries",
    guidance="G9",
    message=(
        "executor = 'asyncio' but async_libraries = false: synchronous I/O in a coroutine "
        "blocks the loop; use async libraries or threads"
    ),
    rationale=(
        "Coroutines overlap waiting only when the I/O itself is awaitable; synchronous "
        "libraries called from a coroutine block every other coroutine on the loop."
    ),
    example='[tasks.db]\nworkload = "io"\nexecutor = "asyncio"\nasync_libraries = false',
    fix="Use async libraries (httpx, asyncpg, aiofiles) or run the I/O in threads.",
)

CA323 = _code(
    "CA323",
    "mutable-state-on-threads",
    "warning",
    "Threads share mutable state",
    guidance="G4",
    message=(
        "threads with shared_state = 'mutable': writes race unless each is guarded by a lock;"
        " pass results back instead"
    ),
    rationale=(
        "Pre-emptive threads interleave between any two bytecodes (and truly in parallel "
        "on free-threaded builds): unsynchronised writes to shared objects race."
    ),
    example='[tasks.count]\nworkload = "io"\nexecutor = "threads"\nshared_state = "mutable"',
    fix="Guard shared writes with a Lock, or pass results back instead of sharing state.",
)

CA324 = _code(
    "CA324",
    "processes-not-picklable",
    "error",
    "Processes declared for work that cannot be pickled",
    guidance="G5",
    message=(
        "executor = 'processes' but picklable = false: a process pool cannot send the "
        "callable, its arguments or results"
    ),
    rationale=(
        "A process pool pickles the callable, its arguments and its results; what does "
        "not pickle fails at submission."
    ),
    example='[tasks.cb]\nworkload = "cpu"\nexecutor = "processes"\npicklable = false',
    fix="Make the callable a module-level function with picklable arguments, or use threads.",
)

CA325 = _code(
    "CA325",
    "mutable-state-on-processes",
    "warning",
    "Processes declared with mutable shared state",
    guidance="G5",
    message=(
        "processes with shared_state = 'mutable': each process writes its own copy; return "
        "results and combine them in the parent"
    ),
    rationale=(
        "Processes share no memory: writes to a global in a worker change that worker's "
        "copy only, so the result silently differs from the serial run."
    ),
    example=('[tasks.tally]\nworkload = "cpu"\nexecutor = "processes"\nshared_state = "mutable"'),
    fix="Return results and combine them in the parent, or use a Manager/shared memory.",
)

CA326 = _code(
    "CA326",
    "workers-on-serial",
    "warning",
    "A pool size declared for serial execution",
    guidance="G3",
    message="workers = {workers} but executor = 'serial' runs one task at a time",
    rationale="One thread runs one task at a time; a pool size above 1 contradicts it.",
    example='[tasks.job]\nworkload = "io"\nexecutor = "serial"\nworkers = 8',
    fix="Remove workers, or declare the executor that actually runs them.",
)


# -- CA35x: measurements ----------------------------------------------------------------

CA350 = _code(
    "CA350",
    "probe-contradicts-executor",
    "warning",
    "The measurement contradicts the declared executor",
    guidance="G7",
    message="measured: {fastest} fastest ({speedup}x serial), declared {declared} {outcome}",
    rationale=(
        "With --probe the target runs under every executor within a small budget; when "
        "another executor is clearly faster than the declared one on this machine, the "
        "declaration (or the profile) deserves a second look."
    ),
    example="concadvisor lint --probe --probe-budget 5",
    fix="Switch to the measured fastest executor, or correct the profile.",
)

CA351 = _code(
    "CA351",
    "probe-failed",
    "warning",
    "The target could not be measured",
    guidance="G7",
    message="cannot probe {target}: {reason}",
    rationale=(
        "--probe was asked for but the target could not be imported or run; the "
        "declaration is then checked by the rules only."
    ),
    example="concadvisor lint --probe",
    fix="Make the target importable from the config file's directory with no arguments.",
)


# -- CA40x: resolving the target --------------------------------------------------------

CA401 = _code(
    "CA401",
    "invalid-target-spec",
    "error",
    "The target is not of the form 'pkg.mod:func' or 'path/file.py:func'",
    guidance="G7",
    message=("target {spec} is not 'pkg.mod:func', 'path/to/file.py:func' or 'mod:Class.method'"),
    rationale="lint and the probe both resolve targets from this form.",
    example='target = "app.images.make_thumbnail"',
    fix='Separate the module and the function with a colon: "app.images:make_thumbnail".',
)

CA402 = _code(
    "CA402",
    "target-module-not-found",
    "error",
    "The target's module cannot be found",
    guidance="G7",
    message="target {kind} '{module}' not found ({searched})",
    rationale=(
        "The module is looked up without importing it, from the directory of the file "
        "that declares it (and its src/), then sys.path: a typo or a moved module makes "
        "the declaration stale."
    ),
    example='target = "app.imagez:make_thumbnail"',
    fix="Point the target at an existing module.",
)

CA403 = _code(
    "CA403",
    "target-not-found",
    "error",
    "The target's module has no such function or method",
    guidance="G7",
    message="'{name}' is not defined in {where}{hint}",
    rationale="A renamed or removed function makes the declaration describe nothing.",
    example='target = "app.images:make_thumbnails"',
    fix="Point the target at a function defined in the module.",
)

CA404 = _code(
    "CA404",
    "target-module-unparsable",
    "error",
    "The target's module cannot be read or parsed",
    guidance="G7",
    message="cannot analyse {module} (target of task {owner}): {reason}",
    rationale="The code checks read the module with `ast`; a syntax error stops them.",
    example="def broken(:\n    pass",
    fix="Fix the syntax error (or the encoding) of the module.",
)

CA405 = _code(
    "CA405",
    "module-too-large",
    "warning",
    "A Python module too large to check",
    guidance="G11",
    message=(
        "{module} was not checked: {size} bytes, above the {limit}-byte limit on the modules "
        "lint reads"
    ),
    rationale=(
        "Parsing costs time and memory in proportion to a module's size (a 10 MB module took "
        "38 s and 2 GB), and modules that large are generated, not written: lint skips them "
        "instead of stalling, and says so, since their coroutines go unchecked."
    ),
    example="# a 3 MB generated module of tables",
    fix="Leave generated modules out of the linted paths (.gitignore), or split the module.",
)


# -- CA41x: what the target code does ---------------------------------------------------

_BLOCKING_MESSAGE = (
    "blocking call {call}() inside async def {function}{via} stalls every coroutine on the "
    "loop; use {instead}"
)
_BLOCKING_RATIONALE = (
    "A coroutine yields to the event loop only at await; a synchronous {what} call blocks "
    "the whole loop -- every other coroutine -- for its duration. Every async def under the "
    "linted paths is checked, no declaration needed, and so are the project's own sync "
    "functions it calls: the chain is in the message and in the related locations. Awaited "
    "calls, functions handed to a thread (asyncio.to_thread(f), loop.run_in_executor(None, "
    "f)) and nested sync defs and lambdas are not reported."
)


def _blocking_code(id: str, name: str, title: str, what: str, example: str, fix: str) -> LintCode:
    return _code(
        id,
        name,
        "error",
        title,
        guidance="G11",
        message=_BLOCKING_MESSAGE,
        rationale=_BLOCKING_RATIONALE.format(what=what),
        example=example,
        fix=fix,
    )


CA410 = _blocking_code(
    "CA410",
    "blocking-call-in-coroutine",
    "A blocking call inside an async def (sleep, input, configured names)",
    "sleep, console input or configured `blocking`",
    "async def poll():\n    time.sleep(1)\n    name = input()",
    "await asyncio.sleep(...); await asyncio.to_thread(input); for a configured name, its "
    "async equivalent or asyncio.to_thread.",
)

CA411 = _code(
    "CA411",
    "unpicklable-process-target",
    "error",
    "A lambda, nested function or closure declared for a process pool",
    guidance="G5",
    message=(
        "target {function} is {what}: a process pool cannot pickle it; define it as a "
        "module-level def"
    ),
    rationale=(
        "pickle sends functions by qualified name; lambdas, nested functions and closures "
        "have no importable name, so submitting them to a process pool fails."
    ),
    example="square = lambda x: x * x  # declared executor = 'processes'",
    fix="Define the target as a module-level def (use functools.partial for bound values).",
)

CA412 = _code(
    "CA412",
    "async-target-sync-executor",
    "warning",
    "An async def target declared with a synchronous executor",
    guidance="G10",
    message=(
        "async def {function} declared executor = '{executor}': each call needs its own event"
        " loop (asyncio.run); declare 'asyncio' or make it a def"
    ),
    rationale=(
        "Calling a coroutine function from a thread, a process or a plain loop only "
        "creates a coroutine object; running it takes an event loop per call "
        "(asyncio.run), which wastes what async offers."
    ),
    example="async def fetch(url): ...  # declared executor = 'threads'",
    fix="Declare executor = 'asyncio', or make the target a plain def.",
)

CA413 = _code(
    "CA413",
    "sync-target-asyncio",
    "warning",
    "A plain def target declared for asyncio",
    guidance="G11",
    message=(
        "def {function} is not a coroutine function but executor = 'asyncio': it would block "
        "the event loop; make it async def or use threads"
    ),
    rationale=(
        "A plain function called from a coroutine runs on the event loop thread and "
        "blocks it; asyncio only overlaps work that awaits."
    ),
    example="def fetch(url): ...  # declared executor = 'asyncio'",
    fix="Make the target async def, or run it with asyncio.to_thread (that is threads).",
)

CA414 = _code(
    "CA414",
    "deprecated-get-event-loop",
    "warning",
    "asyncio.get_event_loop() outside a running loop",
    guidance="G10",
    message=(
        "asyncio.get_event_loop() outside a coroutine is deprecated (warns from 3.12, raises "
        "from 3.14); use asyncio.run(), or get_running_loop() in a coroutine"
    ),
    rationale=(
        "With no running loop, get_event_loop() warns from Python 3.12 and raises from "
        "3.14; asyncio.run() creates, runs and closes the loop."
    ),
    example="loop = asyncio.get_event_loop()\nloop.run_until_complete(main())",
    fix="Use asyncio.run(main()); inside a coroutine use asyncio.get_running_loop().",
)

CA420 = _code(
    "CA420",
    "get-event-loop-raises",
    "error",
    "asyncio.get_event_loop() outside a running loop, on a target Python that raises (3.14+)",
    guidance="G10",
    message=(
        "asyncio.get_event_loop() outside a coroutine raises RuntimeError on Python "
        "{version} (target-version) when no event loop is set; use asyncio.run(), or "
        "asyncio.get_running_loop() in a coroutine"
    ),
    rationale=(
        "From Python 3.14 get_event_loop() no longer creates a loop when none is set: it "
        "raises RuntimeError (it warned from 3.12; for older targets CA414 is that warning). "
        "Inside an async def a loop is running, so it is not reported there (though "
        "get_running_loop() says what is meant), nor in the project's sync functions that "
        "its coroutines call."
    ),
    example="loop = asyncio.get_event_loop()\nloop.run_until_complete(main())",
    fix="Use asyncio.run(main()); inside a coroutine use asyncio.get_running_loop().",
)

CA415 = _code(
    "CA415",
    "process-pool-without-main-guard",
    "error",
    "A process pool started at import time, outside `if __name__ == '__main__':`",
    guidance="G5",
    message=(
        "{call}() at module level without an `if __name__ == '__main__':` guard: spawned "
        "workers re-import the module and start it again"
    ),
    rationale=(
        "With the spawn and forkserver start methods (the default on Windows and macOS, "
        "and on Linux from 3.14) each worker re-imports the module, starting pools "
        "recursively or failing with RuntimeError."
    ),
    example="pool = ProcessPoolExecutor()\nresults = list(pool.map(work, items))",
    fix="Move the pool into a function called under `if __name__ == '__main__':`.",
)

CA416 = _blocking_code(
    "CA416",
    "blocking-http-in-coroutine",
    "A synchronous HTTP or cloud SDK call inside an async def",
    "HTTP (requests, httpx.Client, urllib3, urllib) or cloud SDK (boto3)",
    "async def fetch(url):\n    session = requests.Session()\n    return session.get(url)",
    "Use httpx.AsyncClient or aiohttp (aioboto3 for AWS), or await asyncio.to_thread(...).",
)

CA417 = _blocking_code(
    "CA417",
    "blocking-subprocess-in-coroutine",
    "A synchronous subprocess start or wait inside an async def",
    "subprocess (subprocess.run, Popen, os.system, os.spawn*, os.wait*)",
    'async def build():\n    subprocess.run(["make"], check=True)',
    "await asyncio.create_subprocess_exec(...) and await proc.wait()/communicate().",
)

CA418 = _blocking_code(
    "CA418",
    "blocking-file-in-coroutine",
    "Synchronous file or filesystem I/O inside an async def",
    "file or filesystem (open, file objects, pathlib, os.path, os, shutil, glob)",
    "async def load(path):\n    with open(path) as f:\n        return f.read()",
    "Use aiofiles, anyio.open_file or anyio.Path, or await asyncio.to_thread(...).",
)

CA419 = _blocking_code(
    "CA419",
    "blocking-network-in-coroutine",
    "A synchronous socket, DNS or database call inside an async def",
    "socket, DNS or database driver (sqlite3, psycopg2, pymysql, redis)",
    'async def count(db):\n    conn = sqlite3.connect(db)\n    return conn.execute("select 1")',
    "Use asyncio streams, loop.getaddrinfo, or an async driver (aiosqlite, asyncpg, "
    "redis.asyncio); else await asyncio.to_thread(...).",
)

CA421 = _code(
    "CA421",
    "unpicklable-pool-initializer",
    "error",
    "A lambda or nested function as a process pool's initializer",
    guidance="G5",
    message="{call}(initializer=...) is {what}: {consequence}; define it as a module-level def",
    rationale=(
        "A worker's initializer travels with the worker: fork copies it and never pickles "
        "it, forkserver and spawn pickle it by qualified name, which a lambda or nested "
        "function lacks. So it works under fork -- Linux's default up to 3.13 -- and fails "
        "with PicklingError under forkserver (Linux's default from 3.14) and spawn (macOS, "
        "Windows). Checked on 3.13 and 3.14; the message follows lint's target-version. "
        "A lambda given to submit() or map() fails under every start method (CA411)."
    ),
    example="ProcessPoolExecutor(2, initializer=lambda: setup(config))",
    fix="Define the initializer as a module-level def; pass values with initargs.",
)

#: Which code reports a blocking call of each kind of the knowledge base.
BLOCKING_CODES: Mapping[Kind, LintCode] = {
    "sleep": CA410,
    "input": CA410,
    "configured": CA410,
    "http": CA416,
    "cloud": CA416,
    "subprocess": CA417,
    "file": CA418,
    "path": CA418,
    "socket": CA419,
    "dns": CA419,
    "database": CA419,
}

#: CA3xx: the declaration (file, schema, advice, hazards, measurements).
PROFILE_CODES: tuple[LintCode, ...] = (
    CA301,
    CA302,
    CA303,
    CA304,
    CA310,
    CA311,
    CA320,
    CA321,
    CA322,
    CA323,
    CA324,
    CA325,
    CA326,
    CA350,
    CA351,
)
#: CA4xx: the target code.
TARGET_CODES: tuple[LintCode, ...] = (
    CA401,
    CA402,
    CA403,
    CA404,
    CA405,
    CA410,
    CA411,
    CA412,
    CA413,
    CA414,
    CA415,
    CA416,
    CA417,
    CA418,
    CA419,
    CA420,
    CA421,
)
CODES: tuple[LintCode, ...] = (*PROFILE_CODES, *TARGET_CODES)
CODES_BY_ID: dict[str, LintCode] = {c.id: c for c in CODES}


def code(code_id: str) -> LintCode:
    """The documented code ``code_id`` (a KeyError here is a bug in the linter)."""
    return CODES_BY_ID[code_id]
