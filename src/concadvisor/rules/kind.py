"""CA1xx -- the kind of work, the GIL and the CPUs: which executors can speed it up at all."""

from __future__ import annotations

from ._helpers import ASYNCIO, INTERPRETERS, PROCESSES, SERIAL, THREADS, only
from .base import Facts, Fired, Rule, Score, Veto, Warn, fire
from .thresholds import CPU_DOMINANT_FRACTION

_SIMPLEST = fire(
    "One thread is the simplest model: no locks, no pickling, no event loop; every "
    "other model has to earn its complexity.",
    Score(SERIAL, 1),
)


_OVERLAP_SCORES = (Score(THREADS, 3), Score(ASYNCIO, 3), Score(PROCESSES, 1))
_GIL_SERIALISES = fire(
    "Pure-Python CPU work on an interpreter with a GIL: only one thread runs bytecode at "
    "a time, so threads cannot speed it up.",
    Veto(THREADS),
)

_NO_COROUTINES_FOR_CPU = fire(
    "Coroutines run on one thread and switch only at 'await': CPU work gets no "
    "parallelism and blocks the event loop.",
    Veto(ASYNCIO),
)

_ONE_USABLE_CPU = fire(
    "Only one usable CPU (affinity or container quota): no executor can speed up CPU "
    "work; processes, sub-interpreters and threads only add overhead.",
    Veto(PROCESSES),
    Veto(THREADS),
    Veto(INTERPRETERS),
)


# Effects that never change are built once (a rule that fires builds only its message).
_PROCESSES_FOR_CPU = (Score(PROCESSES, 4),)


def _simplest_first(f: Facts) -> Fired | None:
    return _SIMPLEST


def _io_overlaps_waiting(f: Facts) -> Fired | None:
    if not (f.does_io and f.many):
        return None
    return Fired(
        f"The work waits on I/O and {f.tasks} tasks can wait at the same time: threads or "
        "coroutines overlap the waiting.",
        _OVERLAP_SCORES,
    )


def _gil_serialises_python_cpu(f: Facts) -> Fired | None:
    if f.workload != "cpu" or not f.gil_bound:
        return None
    return _GIL_SERIALISES


def _processes_for_cpu(f: Facts) -> Fired | None:
    if f.workload != "cpu" or not f.many or f.cpus < 2 or not f.gil_bound:
        return None
    return Fired(
        f"CPU-bound Python code: each process has its own interpreter and GIL, so "
        f"{min(f.cpus, f.tasks)} processes can compute in parallel on {f.cpus} usable CPUs.",
        _PROCESSES_FOR_CPU,
    )


def _threads_for_native_cpu(f: Facts) -> Fired | None:
    if not f.does_cpu or not f.many or f.cpus < 2 or not f.profile.releases_gil:
        return None
    if f.free_threaded:
        return None  # CA105 says it for every kind of CPU work
    weight = 5 if f.workload == "cpu" else 2
    return fire(
        "The CPU work runs in native code that releases the GIL: threads run it in parallel "
        "and, unlike processes, pickle nothing.",
        Score(THREADS, weight),
        Score(PROCESSES, 2 if f.workload == "cpu" else 0),
    )


def _free_threaded_build(f: Facts) -> Fired | None:
    if not f.free_threaded or not f.does_cpu or not f.many or f.cpus < 2:
        return None
    weight = 5 if f.workload == "cpu" else 2
    return fire(
        "Free-threaded interpreter (no GIL, PEP 703): threads run Python code in parallel "
        "and share memory without pickling.",
        Score(THREADS, weight),
        Score(PROCESSES, 2 if f.workload == "cpu" else 0),
    )


def _no_coroutines_for_cpu(f: Facts) -> Fired | None:
    if f.workload != "cpu":
        return None
    return _NO_COROUTINES_FOR_CPU


def _one_usable_cpu(f: Facts) -> Fired | None:
    if f.cpus != 1 or f.workload != "cpu":
        return None
    return _ONE_USABLE_CPU


def _cpu_fraction_contradicts_workload(f: Facts) -> Fired | None:
    fraction = f.profile.cpu_fraction
    if fraction is None:
        return None
    if f.workload == "io" and fraction >= CPU_DOMINANT_FRACTION:
        found = f"workload 'io' but cpu_fraction {fraction:.2f}: the task mostly computes"
    elif f.workload == "cpu" and fraction < CPU_DOMINANT_FRACTION:
        found = f"workload 'cpu' but cpu_fraction {fraction:.2f}: the task mostly waits"
    else:
        return None
    return fire(
        f"The profile contradicts itself ({found}).",
        Warn(f"{found}; declare workload 'mixed' or measure again with `concadvisor probe`."),
    )


#: What a profile cannot tell: whether the task's extension modules load in a sub-interpreter.
SUBINTERPRETER_CAVEAT = (
    "InterpreterPoolExecutor needs every extension module the task imports to support "
    "sub-interpreters: modules without multi-phase initialisation (readline and _curses in "
    "the standard library, many third-party ones) raise ImportError there, and a profile "
    "cannot know which you use. Run `concadvisor probe` under Python 3.14+ to check."
)


def _interpreter_pool(f: Facts) -> Fired | None:
    if not f.environment.has_interpreter_pool or f.workload != "cpu" or not f.gil_bound:
        return None
    if not f.many or f.cpus < 2:
        return None
    return fire(
        f"CPU-bound Python code on Python 3.14+: each sub-interpreter of an "
        f"InterpreterPoolExecutor has its own GIL, so {min(f.cpus, f.tasks)} of them can "
        f"compute in parallel on {f.cpus} usable CPUs, inside one process.",
        Score(INTERPRETERS, 4),
        Warn(SUBINTERPRETER_CAVEAT, when=only(INTERPRETERS)),
    )


RULES: tuple[Rule, ...] = (
    Rule(
        id="CA100",
        name="simplest-first",
        title="Start from one thread",
        guidance="G3",
        rationale=(
            "A single thread has no synchronisation problems and no inter-process "
            "communication. It gets a small head start so that a pool must bring a real "
            "gain before it is recommended, and it wins ties."
        ),
        example="any profile -> serial +1",
        effect="score: serial +1",
        check=_simplest_first,
    ),
    Rule(
        id="CA101",
        name="io-overlaps-waiting",
        title="Overlap the waiting of I/O-bound tasks",
        guidance="G8",
        rationale=(
            "While a task waits on the network or disk, another can run. Threads (G4) and "
            "coroutines (G6) both overlap the waiting; processes also do, at a higher price."
        ),
        example="workload='io', tasks=50 -> threads +3, asyncio +3, processes +1",
        effect="score: threads +3, asyncio +3, processes +1",
        check=_io_overlaps_waiting,
    ),
    Rule(
        id="CA102",
        name="gil-serialises-python-cpu",
        title="Threads cannot speed up pure-Python CPU work under the GIL",
        guidance="G4",
        rationale=(
            "Only one thread holds the GIL and runs Python bytecode at a time. Correction to "
            "G1, which claims threads run CPU work in parallel: that holds only for native "
            "code that releases the GIL or on a free-threaded build."
        ),
        example="workload='cpu', releases_gil=False on a GIL build -> threads vetoed",
        effect="veto: threads",
        check=_gil_serialises_python_cpu,
    ),
    Rule(
        id="CA103",
        name="processes-for-cpu",
        title="Processes for CPU-bound Python code",
        guidance="G5",
        rationale=(
            "Each process has its own interpreter and GIL, so CPU-bound Python code runs in "
            "parallel on every usable CPU (G5, G8)."
        ),
        example="workload='cpu', tasks=100, cpus=4 -> processes +4",
        effect="score: processes +4",
        check=_processes_for_cpu,
    ),
    Rule(
        id="CA104",
        name="threads-for-native-cpu",
        title="Threads for native CPU work that releases the GIL",
        guidance="G5",
        rationale=(
            "Correction to G5: when the CPU work runs in native code that releases the GIL "
            "(NumPy, hashlib, zlib, many compiled extensions), threads get the same "
            "parallelism as processes without pickling arguments and results."
        ),
        example="workload='cpu', releases_gil=True, tasks=16 -> threads +5, processes +2",
        effect="score: threads +5, processes +2 (mixed work: threads +2, processes +0)",
        check=_threads_for_native_cpu,
    ),
    Rule(
        id="CA105",
        name="free-threaded-build",
        title="Threads on a free-threaded interpreter",
        guidance="G1",
        rationale=(
            "On a free-threaded build (python3.13t/3.14t, sys._is_gil_enabled() is False) "
            "threads run Python code in parallel: G1's claim holds there, and threads avoid "
            "the start-up and pickling costs of processes."
        ),
        example="workload='cpu', free_threaded=True, tasks=8 -> threads +5, processes +2",
        effect="score: threads +5, processes +2 (mixed work: threads +2, processes +0)",
        check=_free_threaded_build,
    ),
    Rule(
        id="CA106",
        name="no-coroutines-for-cpu",
        title="Coroutines do not parallelise CPU work",
        guidance="G6",
        rationale=(
            "Coroutines are cooperative and run on one thread: CPU-bound work gets no "
            "parallelism and stalls every other coroutine on the loop (G6, G7)."
        ),
        example="workload='cpu' -> asyncio vetoed",
        effect="veto: asyncio",
        check=_no_coroutines_for_cpu,
    ),
    Rule(
        id="CA107",
        name="one-usable-cpu",
        title="One usable CPU: nothing speeds up CPU work",
        guidance="G3",
        rationale=(
            "Usable CPUs are not os.cpu_count(): CPU affinity and container quotas (cgroup "
            "cpu.max) limit them. With one, parallel CPU work is impossible and pools only "
            "add overhead."
        ),
        example="workload='cpu', cpus=1 -> processes, threads and interpreters vetoed",
        effect="veto: processes, threads, interpreters",
        check=_one_usable_cpu,
    ),
    Rule(
        id="CA108",
        name="cpu-fraction-contradicts-workload",
        title="The measured CPU share contradicts the declared workload",
        guidance="G7",
        rationale=(
            "The choice hinges on whether the task computes or waits (G7). A profile that "
            "declares 'io' but spends most of its time on the CPU (or the reverse) will get "
            "advice for the wrong kind of work."
        ),
        example="workload='io', cpu_fraction=0.9 -> warning",
        effect="warning",
        check=_cpu_fraction_contradicts_workload,
    ),
    Rule(
        id="CA109",
        name="interpreter-pool",
        title="Sub-interpreters run CPU-bound Python in parallel (Python 3.14+)",
        guidance="G5",
        rationale=(
            "PEP 734 adds concurrent.futures.InterpreterPoolExecutor in 3.14: each "
            "sub-interpreter has its own GIL, so CPU-bound Python code runs in parallel "
            "inside one process, scored like processes (CA103); their costs decide between "
            "the two (CA507). Extension modules without sub-interpreter support refuse to "
            "load there, which no profile can tell: the warning says so."
        ),
        example="workload='cpu', tasks=8 on Python 3.14 -> interpreters +4, warning",
        effect="score: interpreters +4; warning (when interpreters are recommended)",
        check=_interpreter_pool,
    ),
)
