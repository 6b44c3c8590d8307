"""The outside fault matrix (issue 14), one row per case, each in an empty directory.

F1-F20 are the problems the matrix found; the "known" rows are those listed with them.
Every row is judged by :func:`faults.judge` on the same four things: the exit code,
stderr's shape (one line or none, never a traceback), the wall time and the processes
left behind.  The next attack starts from this table: add a row.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from faults import (
    INTERRUPT_IMPORT,
    INTERRUPT_IMPORT_HOOK,
    LINUX,
    Case,
    Interrupt,
    Outcome,
    case_record,
    judge,
    summary,
    unprivileged_available,
)

pytestmark = pytest.mark.skipif(not LINUX, reason="counts processes through /proc")

OK = frozenset({0})
FINDINGS = frozenset({1})
USAGE = frozenset({2})
INTERRUPTED = frozenset({130})
QUIET = frozenset({0})
ONE_LINE = frozenset({1})
TASK = '[tasks.t]\nworkload = "io"\nexecutor = "threads"\n'
CPU_TASK = '[tasks.t]\nworkload = "cpu"\ntasks = 100\ntask_seconds = 0.1\nexecutor = "threads"\n'
HANG = "import time\ndef f():\n    time.sleep(3600)\n"
QUICK = "def f():\n    return 1\n"
ESCAPE = """\
import os, time
_d = set()
def f():
    if os.getpid() not in _d:
        _d.add(os.getpid())
        if os.fork() == 0:
            os.setsid()
            os.fork() or time.sleep(30)
            os._exit(0)
    return 1
"""
CLOSE_ALL = "import os, time\ndef f():\n    os.closerange(0, 1024)\n    time.sleep(3600)\n"
FORGE = """\
import json, os
def f():
    line = json.dumps({"event": "trial", "executor": "processes", "round": 1,
                       "wall": 0.0, "cpu": 0, "queued": 0}) + "\\n"
    for fd in [1, *range(3, 11)]:
        try:
            os.write(fd, line.encode() + b"\\x00\\xff garbage\\n")
        except OSError:
            pass
    return 1
"""
GARBAGE_STDOUT = """\
import os, sys
def f():
    print('{"event": "result", "fastest": "processes"}')
    os.write(1, b"\\xff\\xfe\\x00 not a protocol line\\n")
    return 1
"""
ENDLESS = """\
import itertools
def f(x):
    return x
def inputs():
    return ((i,) for i in itertools.count())
"""
SLOW_ROUNDS = "import time\ndef f():\n    time.sleep(0.4)\n"
FORGED_NAME = (
    '[tasks."x\\u001b[2J\\u2028\\u202e\\n::error file=README.md,line=1::forged"]\n'
    'workload = "io"\nexecutor = "threads"\nbogus = 1\n'
)
NOT_UTF8_DIR = os.fsdecode(b"bad\xffdir")
RAW_CONTROLS = ("\x1b", "\u2028", "\u202e", "\n::error file=README.md")
NOT_STALLED = ("hangs", "stall")


def _probe_target(source: str, name: str = "t") -> dict[str, str]:
    return {f"{name}.py": source}


def _empty_subdirectory(tmp: Path) -> None:
    (tmp / "d").mkdir()


def _locked_subdirectory(tmp: Path) -> None:
    (tmp / "p" / "locked").mkdir(parents=True)
    (tmp / "p" / "concadvisor.toml").write_text(TASK)
    (tmp / "p" / "locked").chmod(0)


def _outside_project(tmp: Path) -> None:
    (tmp / "outside").mkdir()
    (tmp / "outside" / "x.py").write_text("def secret_function():\n    pass\n")
    project = tmp / "proj"
    (project / "pkg").mkdir(parents=True)
    (project / "pkg" / "__init__.py").write_text("")
    (project / "pkg" / "mod.py").symlink_to(tmp / "outside" / "x.py")
    (project / "link.py").symlink_to(tmp / "outside" / "x.py")


def _pathological_gitignore(tmp: Path) -> None:
    (tmp / ".git").mkdir()
    (tmp / ".gitignore").write_text("*a*a*a*a*a*a*a*a*a*a*a*a*b\n")
    (tmp / ("a" * 40)).mkdir()


def _cache_file(tmp: Path) -> Path:
    from concadvisor.costs.machine import machine_fingerprint

    return tmp / "cache" / f"costs-{machine_fingerprint()}.json"


def _cache_fifo(tmp: Path) -> None:
    os.mkfifo(_cache_file(tmp))


def _cache_dev_zero(tmp: Path) -> None:
    _cache_file(tmp).symlink_to("/dev/zero")


def _cache_directory(tmp: Path) -> None:
    _cache_file(tmp).mkdir()


def _cache_dir_is_a_file(tmp: Path) -> None:
    (tmp / "cache").rmdir()
    (tmp / "cache").write_text("")


def _rows() -> list[Case]:
    rows = [
        # -- probe ---------------------------------------------------------------------
        Case(
            "F1 a killed probe takes its runner along",
            ("probe", "h:f", "--budget", "8"),
            files=_probe_target(HANG, "h"),
            interrupt=Interrupt(after=3),
            codes=frozenset({-signal.SIGKILL}),
            stderr_lines=frozenset({0}),
            slow=True,
        ),
        Case(
            "F1 a warm-up call that never returns ends within the budget",
            ("probe", "h:f", "--budget", "3"),
            files=_probe_target(HANG, "h"),
            codes=FINDINGS,
            stderr_lines=QUIET,
            budget=3,  # the warm-up may use the grace; the kill and the report fit after it
            slow=True,
        ),
        Case(
            "F2 a grandchild that leaves the group neither hangs nor survives",
            ("probe", "d:f", "--budget", "3"),
            files=_probe_target(ESCAPE, "d"),
            codes=OK,
            stderr_lines=QUIET,
            budget=3,
            slow=True,
        ),
        Case(
            "F2 the same through lint --probe",
            ("lint", "--probe", "--probe-budget", "2"),
            files={
                "d.py": ESCAPE,
                "concadvisor.toml": TASK.replace('"io"', '"cpu"') + 'target = "d:f"\n',
            },
            codes=frozenset({0, 1}),
            stderr_lines=frozenset({1}),  # lint's progress line for the probed task
            budget=2,
            stdout_lacks=NOT_STALLED,
            slow=True,
        ),
        Case(
            "F4 closing every descriptor then hanging keeps the deadline",
            ("probe", "c:f", "--budget", "1"),
            files=_probe_target(CLOSE_ALL, "c"),
            codes=FINDINGS,
            stderr_lines=QUIET,
            budget=1,
            stdout_has=("descriptors",),
            slow=True,
        ),
        Case(
            "F12 an import that raises KeyboardInterrupt is a usage error, at once",
            ("probe", "k:f", "--budget", "20"),
            files=_probe_target("raise KeyboardInterrupt\n", "k"),
            stderr_has=("concadvisor: error: cannot import 'k:f': KeyboardInterrupt",),
            limit=10,  # not the budget, waiting for a "hang"
            slow=True,
        ),
        Case(
            "F14 forged events and garbage on fd 1 and 3..10 are refused",
            ("probe", "t:f", "--budget", "3", "--json"),
            files=_probe_target(FORGE),
            # 1: the executor that met the forgery is not measured ("event pipe" in the
            # report); 2: met before any executor ran, the probe is refused (one line)
            codes=frozenset({1, 2}),
            stderr_lines=frozenset({0, 1}),
            budget=3,
            stdout_lacks=('"fastest": "',),
            slow=True,
        ),
        Case(
            "F14 what the function prints to stdout is not a result",
            # a budget that leaves a round even when a loaded machine (or 3.14's slower
            # start) takes a second to start the runner: the case is about the pipe
            ("probe", "t:f", "--budget", "4", "--json"),
            files=_probe_target(GARBAGE_STDOUT),
            codes=OK,
            stderr_lines=QUIET,
            budget=4,
            stdout_lacks=('"fastest": "processes"}\n',),
            slow=True,
        ),
        Case(
            "F16 probe in a deleted working directory",
            ("probe", "x:f"),
            setup=_empty_subdirectory,
            cwd="d",
            delete_cwd=True,
            stderr_has=("the current directory no longer exists",),
        ),
        Case(
            "F18 a tiny budget is not an import that hung",
            ("probe", "t:f", "--budget", "0.01"),
            files=_probe_target(QUICK),
            codes=frozenset({0, 1, 2}),
            stderr_lines=frozenset({0, 1}),
            budget=0.01,
            stdout_lacks=NOT_STALLED,
            slow=True,
        ),
        Case(
            "F18 a round cut by the budget is not a stall",
            ("probe", "t:f", "--budget", "1.5"),
            files=_probe_target(SLOW_ROUNDS),
            codes=frozenset({0, 1}),
            stderr_lines=QUIET,
            budget=1.5,
            stdout_lacks=NOT_STALLED,
            slow=True,
        ),
        Case(
            "F18 1024 workers is not a stall",
            ("probe", "t:f", "--budget", "2", "--workers", "1024"),
            files=_probe_target(QUICK),
            codes=frozenset({0, 1}),
            stderr_lines=QUIET,
            budget=2,  # a pool start is cut at the budget itself, not after the grace
            stdout_lacks=NOT_STALLED,
            slow=True,
        ),
        Case(
            "known: an endless --inputs factory is cut",
            ("probe", "t:f", "--inputs", "t:inputs", "--budget", "3", "--json"),
            files=_probe_target(ENDLESS),
            codes=OK,
            stderr_lines=QUIET,
            budget=3,
            stdout_has=("took the first",),
            slow=True,
        ),
        # -- lint ----------------------------------------------------------------------
        Case(
            "F3 a pathological .gitignore pattern is bounded",
            ("lint",),
            files={"concadvisor.toml": TASK},
            setup=_pathological_gitignore,
            codes=frozenset({0, 1}),
            stderr_lines=QUIET,
            limit=10,
        ),
        Case(
            "F5 an unreadable subdirectory is an input error, the rest is linted",
            ("lint", "p"),
            setup=_locked_subdirectory,
            unprivileged=True,
            stderr_has=("locked: cannot list (Permission denied)",),
            stdout_has=("CA311",),
        ),
        Case(
            "F8 a key of 20000 parts is a finding, quickly",
            ("lint",),
            files={"concadvisor.toml": "[tasks.t]\n" + "a." * 20000 + "b = 1\n"},
            codes=FINDINGS,
            stderr_lines=QUIET,
            stdout_has=("concadvisor.toml:2:1: CA301 [error] ", "more than 64 parts"),
            limit=10,
        ),
        Case(
            "F8 a header of 100 parts is a finding",
            ("lint",),
            files={"concadvisor.toml": "[" + "a . " * 100 + "b]\nx = 1\n"},
            codes=FINDINGS,
            stderr_lines=QUIET,
            stdout_has=("concadvisor.toml:1:1: CA301 [error] ", "more than 64 parts"),
            limit=10,
        ),
        Case(
            "F8 advise --profile reads the long key through the same bounds",
            ("advise", "--profile", "concadvisor.toml"),
            files={"concadvisor.toml": "[tasks.t]\n" + "a." * 20000 + "b = 1\n"},
            stderr_has=("more than 64 parts",),
            limit=10,
        ),
        Case(
            "F16 lint in a deleted working directory",
            ("lint",),
            setup=_empty_subdirectory,
            cwd="d",
            delete_cwd=True,
            stderr_has=("no longer exists",),
        ),
        Case(
            "known: lint output to a full disk",
            ("lint",),
            files={"concadvisor.toml": CPU_TASK},
            stdout_path="/dev/full",
            stderr_has=("cannot write the output: No space left on device",),
        ),
        # -- advise and the other commands ----------------------------------------------
        Case(
            "F7 a task count of 2**1024",
            ("advise", "--workload", "cpu", "--task-seconds", "1", "--tasks", str(2**1024)),
            stderr_has=("invalid profile: tasks: expected a value <= ",),
        ),
        Case(
            "F19 advise into an ascii stdout",
            ("advise", "--workload", "cpu"),
            env={"PYTHONIOENCODING": "ascii"},
            codes=OK,
            stderr_lines=QUIET,
            stdout_encoding="ascii",
        ),
        # -- calibrate -----------------------------------------------------------------
        Case(
            "F11 a killed calibrate takes every child down",
            ("calibrate", "--budget", "3"),
            interrupt=Interrupt(after=2),
            codes=frozenset({-signal.SIGKILL}),
            stderr_lines=frozenset({0}),
            slow=True,
        ),
        Case(
            "F11 a terminated calibrate takes every child down",
            ("calibrate", "--budget", "20"),
            interrupt=Interrupt(after=2, signum=signal.SIGTERM),
            codes=frozenset({-signal.SIGTERM, 143}),
            stderr_lines=frozenset({0, 1}),
            limit=10,
            slow=True,
        ),
        Case(
            "F17 calibrate --budget 1 returns within about 2 s",
            ("calibrate", "--budget", "1"),
            # 2: "the 1 s budget was too small to measure anything", on a loaded machine
            codes=frozenset({0, 2}),
            stderr_lines=frozenset({0, 1}),
            limit=2.5,
            slow=True,
        ),
        Case(
            "F20 Ctrl-C during calibrate is one line and 130",
            ("calibrate", "--budget", "20"),
            interrupt=Interrupt(after=2, signum=signal.SIGINT, group=True),
            codes=INTERRUPTED,
            stderr_has=("concadvisor: error: interrupted",),
            limit=10,
            slow=True,
        ),
    ]
    digits = TASK + "tasks = " + "9" * 5000 + "\n"
    rows.append(
        Case(
            "F6 5000 nines are a finding in lint",
            ("lint",),
            files={"concadvisor.toml": digits},
            codes=FINDINGS,
            stderr_lines=QUIET,
            stdout_has=("concadvisor.toml:4:9: CA301 [error] ", "more than 4300 digits"),
            limit=10,
        )
    )
    rows.append(
        Case(
            "F6 5000 nines are one line in advise --profile",
            ("advise", "--profile", "concadvisor.toml"),
            files={"concadvisor.toml": digits},
            stderr_has=("more than 4300 digits",),
            limit=10,
        )
    )
    for fmt in ("text", "github", "json", "sarif"):
        rows.append(
            Case(
                f"F9 control characters in a task name, --format {fmt}",
                ("lint", "--format", fmt),
                files={"concadvisor.toml": FORGED_NAME},
                codes=FINDINGS,
                stderr_lines=QUIET,
                # JSON may hold U+2028 raw (it is data), never an escape or a line start
                stdout_lacks=RAW_CONTROLS if fmt in ("text", "github") else RAW_CONTROLS[::3],
                stdout_has={
                    "text": ("x\\x1b[2J\\u2028\\u202e\\n::error",),
                    "github": ("x\\x1b[2J\\u2028\\u202e%0A::error",),
                    "json": ("x\\u001b[2J",),
                    "sarif": ("x\\u001b[2J",),
                }[fmt],
            )
        )
        for encoding in (None, "utf-8"):
            where = (
                '"uri": "bad%FFdir/concadvisor.toml"'
                if fmt == "sarif"
                else "bad\\\\xffdir/concadvisor.toml"
                if fmt == "json"
                else "bad\\xffdir/concadvisor.toml"
            )
            rows.append(
                Case(
                    f"F10 a directory name that is not UTF-8, --format {fmt}, "
                    f"PYTHONIOENCODING={encoding}",
                    ("lint", "--format", fmt),
                    files={f"{NOT_UTF8_DIR}/concadvisor.toml": CPU_TASK},
                    env={"PYTHONIOENCODING": encoding} if encoding else {},
                    codes=FINDINGS,
                    stderr_lines=QUIET,
                    stdout_has=("CA310", where),
                )
            )
    for target in (
        "../outside/x.py:secret_functio",
        "{tmp}/outside/x.py:secret_functio",
        "link.py:secret_functio",
        "pkg.mod:secret_functio",
    ):
        rows.append(
            Case(
                f"F15 a lint target outside the project: {target}",
                ("lint",),
                files={"proj/concadvisor.toml": TASK + f'target = "{target}"\n'},
                setup=_outside_project,
                cwd="proj",
                codes=FINDINGS,
                stderr_lines=QUIET,
                stdout_has=("CA402", "resolves outside the project"),
                stdout_lacks=("secret_function",),  # no "did you mean" from outside
            )
        )
    cache_commands: list[tuple[str, ...]] = [
        ("advise", "--workload", "io", "--tasks", "10"),
        ("calibrate", "--show"),
        ("lint",),
        ("probe", "t:f", "--budget", "3"),
    ]
    for label, special in [
        ("a FIFO", _cache_fifo),
        ("/dev/zero", _cache_dev_zero),
        ("a directory", _cache_directory),
    ]:
        for argv in cache_commands:
            probing = argv[0] == "probe"
            rows.append(
                Case(
                    f"F13 the cache is {label}: {' '.join(argv)}",
                    argv,
                    files={"t.py": QUICK, "concadvisor.toml": CPU_TASK},
                    setup=special,
                    codes=frozenset({0, 1}),
                    stderr_lines=frozenset({1}),
                    stderr_has=("CalibrationCacheWarning",),
                    budget=3 if probing else None,
                    limit=15,
                    slow=probing,
                )
            )
    for label, obstacle in [
        ("a directory", _cache_directory),
        ("a FIFO", _cache_fifo),
        ("under a file", _cache_dir_is_a_file),
    ]:
        rows.append(
            Case(
                f"F17 an unwritable cache ({label}) is refused before measuring",
                ("calibrate", "--budget", "30"),
                setup=obstacle,
                stderr_has=("cannot write the calibration cache",),
                limit=5,
            )
        )
    for argv in [
        ("rules",),
        ("rules", "--json"),
        ("calibrate", "--show"),
    ]:
        rows.append(
            Case(
                f"F19 {' '.join(argv)} into an ascii stdout",
                argv,
                env={"PYTHONIOENCODING": "ascii"},
                codes=OK,
                stderr_lines=QUIET,
                stdout_encoding="ascii",
            )
        )
    full_disk: list[tuple[str, ...]] = [
        ("rules",),
        ("rules", "--markdown"),
        ("schema",),
        ("advise", "--workload", "io"),
        ("--version",),
    ]
    for argv in full_disk:
        for unbuffered in (False, True):
            rows.append(
                Case(
                    f"known: {' '.join(argv)} to a full disk"
                    + (", unbuffered" if unbuffered else ""),
                    argv,
                    env={"PYTHONUNBUFFERED": "1"} if unbuffered else {},
                    stdout_path="/dev/full",
                    stderr_has=("concadvisor: error: cannot write the output: No space left",),
                )
            )
    early: list[tuple[str, ...]] = [
        ("advise", "--workload", "io", "--tasks", "10"),
        ("rules",),
        ("lint",),
        ("schema",),
        ("probe", "t:f", "--budget", "2"),
        ("calibrate", "--budget", "2"),
    ]
    for argv in early:
        for after in (0.2, 0.45, 0.7):
            rows.append(
                Case(
                    f"known: Ctrl-C after {after} s of {' '.join(argv)}",
                    argv,
                    files={"t.py": QUICK, "concadvisor.toml": CPU_TASK},
                    interrupt=Interrupt(after=after, signum=signal.SIGINT, group=True),
                    # 0/1: it had finished; -SIGINT: it came while Python was shutting down
                    codes=frozenset({0, 1, 130, -signal.SIGINT}),
                    stderr_lines=frozenset({0, 1}),
                    limit=10,
                    slow=True,
                )
            )
    # Ctrl-C at the moment pydantic_core's import begins (a Rust panic, not a
    # KeyboardInterrupt, when it lands inside its initialisation), and rich's: whether the
    # command's module or its run() imports them, the import ends first, then exit 130.
    during_import: list[tuple[str, tuple[str, ...]]] = [
        ("pydantic_core._pydantic_core", ("advise", "--workload", "io", "--tasks", "10")),
        ("pydantic_core._pydantic_core", ("probe", "t:f", "--budget", "2")),
        ("pydantic_core._pydantic_core", ("lint",)),
        ("pydantic_core._pydantic_core", ("calibrate", "--budget", "2")),
        ("pydantic_core._pydantic_core", ("calibrate", "--show")),
        ("pydantic_core._pydantic_core", ("rules",)),
        ("pydantic_core._pydantic_core", ("schema",)),
        ("pydantic_core._pydantic_core", ("demo", "--budget", "5")),
        ("rich.console", ("advise", "--workload", "io")),
        ("concadvisor.lint.runner", ("lint",)),
        ("rich.console", ("rules",)),
    ]
    for module, argv in during_import:
        rows.append(
            Case(
                f"known: Ctrl-C as {module} starts importing, {' '.join(argv)}",
                argv,
                files={
                    "t.py": QUICK,
                    "concadvisor.toml": CPU_TASK,
                    "sitecustomize.py": INTERRUPT_IMPORT_HOOK,
                },
                env={"PYTHONPATH": ".", INTERRUPT_IMPORT: module},
                codes=INTERRUPTED,
                limit=10,
            )
        )
    return rows


ROWS = _rows()


def _param(case: Case) -> object:
    marks = [pytest.mark.slow] if case.slow else []
    if case.unprivileged:
        marks.append(
            pytest.mark.skipif(
                not unprivileged_available(),
                reason="needs root, setpriv and a Python that nobody can run",
            )
        )
    if case.stdout_path and not Path(case.stdout_path).exists():
        marks.append(pytest.mark.skip(reason=f"needs {case.stdout_path}"))
    return pytest.param(case, id=case.name, marks=marks)


@pytest.mark.parametrize("case", [_param(case) for case in ROWS])
def test_fault_matrix(case: Case, tmp_path: Path) -> None:
    outcome = judge(case, tmp_path)
    if outcome.code == 130:  # an interrupt is always said in exactly these words
        assert outcome.stderr == "concadvisor: error: interrupted\n"


def test_the_table_has_one_name_per_row() -> None:
    names = [case.name for case in ROWS]
    assert len(names) == len(set(names))
    for fault in range(1, 21):
        assert any(name.startswith(f"F{fault} ") for name in names), f"F{fault} has no row"


def test_the_summary_counts_what_the_records_say(tmp_path: Path) -> None:
    """``CONCADVISOR_MATRIX_SUMMARY``: the totals come from the records, not by hand."""
    quick = Case("quick", ("rules",), codes=OK, stderr_lines=QUIET)
    probe = Case("probe", ("probe", "t:f"), budget=2)
    records = [
        case_record(quick, Outcome(0, 0.5, 0.0, b"", "", []), None),
        case_record(probe, Outcome(1, 3.9, 0.3, b"", "Traceback (most", [7, 8]), "overrun ..."),
    ]
    path = tmp_path / "matrix.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    table = summary(path).splitlines()
    assert table[2] == "| 2 | 1 | 1 | 2 / 1 | 1 | 1 | 1.60 |"
    assert table[-1] == "- probe: overrun ..."
