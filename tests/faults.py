"""The fault matrix's one helper: run a :class:`Case` in an empty directory, record what
the contract promises, and check it.

For every row, :func:`run_case` records the same four things: the exit code, the shape of
stderr (how many lines, no "Traceback"), the wall time (against ``--budget`` + 1 s for
probe cases, against a plain limit otherwise) and the processes left 2 s after the exit;
:func:`judge` also checks them.  With ``CONCADVISOR_MATRIX_SUMMARY=FILE`` each judged case
appends one JSON line to FILE, and ``python tests/faults.py summary FILE`` prints the
totals (cases, passed, orphans, tracebacks, overruns): the matrix counts, not a person.
Every run carries a unique environment marker that the CLI, the probe's runner, pool
workers and anything they fork inherit, so leftovers are found exactly, without confusing
our processes with anyone else's.  Each run gets its own HOME and calibration cache in its
directory: the user's real cache is never touched.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

MARK = "CONCADVISOR_MATRIX_MARK"
#: A file name: every judged case appends its record there (see :func:`summary`).
SUMMARY = "CONCADVISOR_MATRIX_SUMMARY"
LINUX = sys.platform.startswith("linux")
SETPRIV = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")
#: The matrix's promise: a probe returns within --budget + this (DESIGN.md allows 3 s).
PROBE_SLACK = 1.0
#: How long after the exit a process may still be dying (SIGKILL lands asynchronously).
REAP_SECONDS = 2.0
#: The placeholder for the case's directory in arguments and file contents.
TMP = "{tmp}"

Setup = Callable[[Path], None]

#: Set to a module's name (with :data:`INTERRUPT_IMPORT_HOOK` on the path as
#: ``sitecustomize``): Ctrl-C lands the moment that module's import starts.
INTERRUPT_IMPORT = "CONCADVISOR_MATRIX_INTERRUPT_IMPORT"
#: A ``sitecustomize`` that sends this process SIGINT as the import of
#: ``$CONCADVISOR_MATRIX_INTERRUPT_IMPORT`` begins (once: the variable is removed, so no
#: child inherits it) and says on stderr, at exit, if that import was cut short.
INTERRUPT_IMPORT_HOOK = f"""\
import atexit, os, signal, sys

_name = os.environ.pop({INTERRUPT_IMPORT!r}, None)


class _InterruptWhenImported:
    def find_spec(self, fullname, path=None, target=None):
        if fullname == _name:
            sys.meta_path.remove(self)
            signal.raise_signal(signal.SIGINT)
        return None


def _check():
    if _name not in sys.modules:
        sys.stderr.write(f"the import of {{_name}} was cut short or never made\\n")


if _name:
    sys.meta_path.insert(0, _InterruptWhenImported())
    atexit.register(_check)
"""


@functools.cache
def unprivileged_available() -> bool:
    """Cases run as nobody need root (to switch), setpriv, and an interpreter that nobody
    can run (a pyenv Python under /root is not: its shared library is out of reach)."""
    if not (LINUX and os.geteuid() == 0 and shutil.which("setpriv") is not None):
        return False
    try:
        done = subprocess.run(
            [*SETPRIV, sys.executable, "-c", "import concadvisor"],
            capture_output=True,
            timeout=30,
            check=False,
            cwd="/",
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@dataclass(frozen=True)
class Interrupt:
    """A signal sent ``after`` seconds, to the process or (as a terminal does) its group."""

    after: float
    signum: int = signal.SIGKILL
    group: bool = False


@dataclass(frozen=True)
class Case:
    """One row of the matrix: a setup, a command and what it must do."""

    name: str
    #: the arguments after ``python -m concadvisor``; ``{tmp}`` is the case's directory
    argv: tuple[str, ...]
    #: files written before the run (path relative to the directory: text or bytes)
    files: Mapping[str, str | bytes] = field(default_factory=dict)
    #: anything files cannot say (FIFOs, symlinks, permissions), after the files
    setup: Setup | None = None
    #: exit codes that are right; a negative one is death by that signal
    codes: frozenset[int] = frozenset({2})
    #: allowed counts of non-empty stderr lines
    stderr_lines: frozenset[int] = frozenset({1})
    #: probe cases: the wall time is at most this + PROBE_SLACK (+ the interpreter start-up)
    budget: float | None = None
    #: probe cases: seconds allowed past the budget (documented where a row needs more)
    slack: float = PROBE_SLACK
    #: any case: the wall time is at most this many seconds
    limit: float = 30.0
    stdout_has: tuple[str, ...] = ()
    stdout_lacks: tuple[str, ...] = ()
    stderr_has: tuple[str, ...] = ()
    #: stdout must decode strictly with this encoding
    stdout_encoding: str = "utf-8"
    env: Mapping[str, str] = field(default_factory=dict)
    interrupt: Interrupt | None = None
    #: run as nobody through setpriv (the directory is then world-readable, outside pytest's)
    unprivileged: bool = False
    #: the working directory, relative to the case's directory
    cwd: str = "."
    #: remove the working directory once the process is in it
    delete_cwd: bool = False
    #: write stdout to this file (/dev/full) instead of capturing it
    stdout_path: str | None = None
    slow: bool = False


@dataclass
class Outcome:
    """What one run did: the four things every row is judged on, and its output."""

    code: int | None  # None: it did not exit at all (killed by the harness)
    seconds: float
    startup: float  # what importing the command took just before (budgeted cases only)
    stdout: bytes
    stderr: str
    leftovers: list[int]

    def allowed(self, case: Case) -> float:
        """The most seconds this run may take: the limit, and budget + slack for a probe."""
        if case.budget is None:
            return case.limit
        return min(case.limit, case.budget + case.slack + self.startup)

    def overrun(self, case: Case) -> bool:
        return self.seconds > self.allowed(case)

    def check(self, case: Case) -> None:
        context = f"{case.name}: code {self.code}, {self.seconds:.1f} s"
        context += f" (start-up {self.startup:.1f} s)\n{self.stderr[-2000:]}"
        assert self.code is not None, f"did not exit: {context}"
        assert self.code in case.codes, context
        assert "Traceback" not in self.stderr, context
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        assert len(lines) in case.stderr_lines, context
        allowed = self.allowed(case)
        assert not self.overrun(case), f"overrun ({allowed:.1f} s allowed): {context}"
        assert self.leftovers == [], f"processes left behind {self.leftovers}: {context}"
        stdout = self.stdout.decode(case.stdout_encoding)  # strict: raises if not
        for text in case.stdout_has:
            assert text in stdout, f"{text!r} not in stdout: {stdout[-2000:]}"
        for text in case.stdout_lacks:
            assert text not in stdout, f"{text!r} in stdout: {stdout[-2000:]}"
        for text in case.stderr_has:
            assert text in self.stderr, f"{text!r} not in stderr: {context}"


def marked_processes(mark: str, variable: str = MARK) -> list[int]:
    """Live (not zombie) processes whose environment sets ``variable`` to ``mark``."""
    if not LINUX:
        return []
    found: list[int] = []
    needle = f"{variable}={mark}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rpartition(")")[2].split()[0]
        except (OSError, IndexError):
            continue
        if needle in environ and state not in ("Z", "X"):
            found.append(int(entry.name))
    return found


def _leftovers(mark: str) -> list[int]:
    deadline = time.monotonic() + REAP_SECONDS
    left = marked_processes(mark)
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = marked_processes(mark)
    for pid in left:  # never leave them to the next case
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    return left


def _environment(home: Path, mark: str, extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "CONCADVISOR_TRACEBACK"}
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([venv_bin, env.get("PATH", "")])
    env[MARK] = mark
    env["COLUMNS"] = "100"
    env["HOME"] = str(home)
    env["XDG_CACHE_HOME"] = str(home / ".cache")
    env["CONCADVISOR_CACHE_DIR"] = str(home / "cache")
    env.update(extra)
    return env


def startup_seconds(command: str) -> float:
    """Seconds this machine needs, right now, to import what runs before the probe's clock.

    The probe's budget starts once the CLI and the command are imported (DESIGN.md: "the
    whole probe, start-up included" is the runner's start-up).  On a shared, loaded machine
    that import alone takes 0.2-2 s, which no budget governs; measured just before the run,
    under the same load, it is what "budget + 1 s" cannot include.
    """
    modules = f"concadvisor.cli, concadvisor.commands.{command}, concadvisor.probing.session"
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", f"import {modules}"], timeout=60, check=True)
    return time.monotonic() - started


def _prepare(case: Case, tmp: Path) -> None:
    (tmp / "cache").mkdir()
    for name, content in case.files.items():
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content.replace(TMP, str(tmp)))
    if case.setup is not None:
        case.setup(tmp)


def _unlock(tmp: Path) -> None:
    """Give back what a setup took away, so the directory can be removed."""
    for root, dirs, _ in os.walk(tmp):  # top-down: a directory is opened before its walk
        for name in dirs:
            with contextlib.suppress(OSError):
                os.chmod(os.path.join(root, name), 0o755, follow_symlinks=False)


def _execute(case: Case, tmp: Path) -> Outcome:
    mark = uuid.uuid4().hex
    startup = startup_seconds(case.argv[0]) if case.budget is not None else 0.0
    command = [sys.executable, "-m", "concadvisor", *(a.replace(TMP, str(tmp)) for a in case.argv)]
    if case.unprivileged:
        command = [*SETPRIV, *command]
    cwd = tmp / case.cwd
    preexec = (lambda: os.rmdir(os.getcwd())) if case.delete_cwd else None
    stdout_file = open(case.stdout_path, "wb") if case.stdout_path else None  # noqa: SIM115
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            command,
            cwd=cwd,
            env=_environment(tmp, mark, case.env),
            stdin=subprocess.DEVNULL,
            stdout=stdout_file or subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own group: killpg is a terminal's Ctrl-C
            preexec_fn=preexec,  # after the chdir, before the exec
        )
        if case.interrupt is not None:
            time.sleep(case.interrupt.after)
            with contextlib.suppress(ProcessLookupError):
                if case.interrupt.group:
                    os.killpg(proc.pid, case.interrupt.signum)
                else:
                    proc.send_signal(case.interrupt.signum)
        wait = case.limit + (case.budget or 0) + 30
        code: int | None
        try:
            out, err = proc.communicate(timeout=wait)
            code = proc.returncode
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            code = None
    finally:
        if stdout_file is not None:
            stdout_file.close()
    seconds = time.monotonic() - started
    return Outcome(
        code, seconds, startup, out or b"", err.decode("utf-8", "replace"), _leftovers(mark)
    )


def run_case(case: Case, tmp_path: Path) -> Outcome:
    """Run ``case`` in an empty directory (``tmp_path``, or a world-readable one for nobody)."""
    if not case.unprivileged:
        _prepare(case, tmp_path)
        return _execute(case, tmp_path)
    # pytest's base directory is private to root: nobody could not even reach its files
    home = Path(tempfile.mkdtemp(prefix="concadvisor-matrix-"))
    try:
        home.chmod(0o755)
        _prepare(case, home)
        (home / "cache").chmod(0o777)
        return _execute(case, home)
    finally:
        _unlock(home)
        shutil.rmtree(home, ignore_errors=True)


def case_record(case: Case, outcome: Outcome, failure: str | None) -> dict[str, object]:
    past = None if case.budget is None else outcome.seconds - outcome.startup - case.budget
    return {
        "name": case.name,
        "slow": case.slow,
        "passed": failure is None,
        "code": outcome.code,
        "seconds": round(outcome.seconds, 3),
        "past_budget": None if past is None else round(past, 3),
        "allowed": round(outcome.allowed(case), 3),
        "overrun": outcome.overrun(case),
        "traceback": "Traceback" in outcome.stderr,
        "orphans": len(outcome.leftovers),
        "failure": None if failure is None else failure.splitlines()[0][:300],
    }


def judge(case: Case, tmp_path: Path) -> Outcome:
    """Run ``case``, check it and, with ``$CONCADVISOR_MATRIX_SUMMARY``, record it."""
    outcome = run_case(case, tmp_path)
    failure: str | None = None
    try:
        outcome.check(case)
    except AssertionError as exc:
        failure = str(exc) or "assertion failed"
        raise
    finally:
        path = os.environ.get(SUMMARY)
        if path:
            with open(path, "a", encoding="utf-8") as out:
                out.write(json.dumps(case_record(case, outcome, failure)) + "\n")
    return outcome


def summary(path: Path) -> str:
    """The totals of the records in ``path``, as a markdown table (and what failed)."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    budgeted = [row["past_budget"] for row in rows if row["past_budget"] is not None]
    orphaned = [row for row in rows if row["orphans"]]
    most_past = f"{max(budgeted):.2f}" if budgeted else "-"
    lines = [
        "| cases | passed | failed | orphans (processes / cases) | tracebacks | overruns "
        "| most seconds past the budget (probe rows) |",
        "|---|---|---|---|---|---|---|",
        f"| {len(rows)} | {sum(row['passed'] for row in rows)} "
        f"| {sum(not row['passed'] for row in rows)} "
        f"| {sum(row['orphans'] for row in orphaned)} / {len(orphaned)} "
        f"| {sum(row['traceback'] for row in rows)} | {sum(row['overrun'] for row in rows)} "
        f"| {most_past} |",
    ]
    failures = [f"- {row['name']}: {row['failure']}" for row in rows if not row["passed"]]
    return "\n".join([*lines, "", *failures] if failures else lines) + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "summary":
        sys.exit("usage: python tests/faults.py summary FILE")
    sys.stdout.write(summary(Path(sys.argv[2])))
