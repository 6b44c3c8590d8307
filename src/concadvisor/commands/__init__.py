"""CLI subcommands: one module each, listed in :data:`COMMANDS` and wired by :mod:`concadvisor.cli`.

The table below is all that top-level ``concadvisor --help`` needs, so that it imports no
command module; the chosen command's module is imported on dispatch.  Each module follows
:class:`CommandModule`: ``add_arguments(parser)`` and ``run(args) -> int`` (the exit code).
Errors meant for the user are raised as :class:`UsageError` (exit 2) or the library's own
errors.  Keep this module free of heavy imports: every command pays for it.
"""

from __future__ import annotations

#: ``typing.TYPE_CHECKING`` without importing typing, dataclasses or pathlib, which every
#: command (``--version`` included) would pay for (mypy honours any constant of that name).
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from pathlib import Path
    from typing import Protocol

__all__ = ["COMMANDS", "Command", "UsageError", "check_output_path"]


class UsageError(Exception):
    """Bad command-line input: reported on one line, exit code 2."""


if TYPE_CHECKING:

    class CommandModule(Protocol):
        """What a module under ``concadvisor.commands`` provides (checked by mypy below)."""

        def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

        def run(self, args: argparse.Namespace) -> int: ...


class Command:
    """One subcommand: its name (also its module's), one line for the list, its help page."""

    __slots__ = ("description", "help", "name")

    def __init__(self, name: str, *, help: str, description: str) -> None:
        self.name = name
        self.help = help
        self.description = description

    def __repr__(self) -> str:
        return f"Command({self.name!r})"

    @property
    def module_name(self) -> str:
        return f"{__name__}.{self.name}"


#: Every subcommand, in the order ``concadvisor --help`` lists them.
COMMANDS: tuple[Command, ...] = (
    Command(
        "demo",
        help="measure canonical workloads under all four executors on this machine",
        description="""\
Measure canonical workloads -- pure-Python CPU, GIL-releasing native CPU, blocking I/O
(sleep and HTTP against a loopback server this command starts), async I/O, 2,000 concurrent
connections, a mixed async+CPU pipeline, tiny tasks and large payloads -- under serial,
threads, processes and asyncio, and show for each what the guidance predicts and whether
this machine agrees. Servers bind to 127.0.0.1 and stop by themselves.

examples:
  concadvisor demo
  concadvisor demo --budget 30 --only cpu-python native-cpu
  concadvisor demo --markdown demo.md --json demo.json --plot demo.png
""",
    ),
    Command(
        "advise",
        help="recommend an executor for a task profile",
        description="""\
Recommend serial, threads, processes or asyncio for a task profile, with the ranking, the
rules that fired (ids, guidance), warnings and a runnable snippet.

examples:
  concadvisor advise --workload io --async-libraries --tasks 1000
  concadvisor advise --workload cpu --tasks 200 --task-seconds 0.05
  concadvisor advise --profile profile.toml --json
  concadvisor advise --profile pyproject.toml --task thumbnailer
""",
    ),
    Command(
        "probe",
        help="measure a function under serial, threads, processes and asyncio",
        description="""\
Run a short, isolated calibration of a function under serial, threads, processes and
asyncio (interleaved rounds, medians), infer its task profile from what was measured, ask
for a recommendation on that profile, and say whether the measurements confirm it.

TARGET is pkg.module:func, pkg.module:Class.method or path/to/file.py:func.  Profile flags
and --profile override measured fields (e.g. --refactor-tolerance high).

exit codes: 0 completed (any verdict); 1 the function failed under serial or under every
executor; 2 usage error; 130 interrupted.

examples:
  concadvisor probe examples/workloads.py:cpu_bound --budget 5
  concadvisor probe mypkg.jobs:fetch --args '["https://example.org"]' --json
  concadvisor probe mypkg.jobs:resize --inputs mypkg.jobs:sample_images --plot speed.png
""",
    ),
    Command(
        "lint",
        help="check declared task profiles (pyproject.toml, concadvisor.toml) and their targets",
        description="""\
Find [tool.concadvisor.tasks.NAME] tables in pyproject.toml and [tasks.NAME] tables in
concadvisor.toml under PATHS (default: .), and report, at file:line:col, where a declared
executor contradicts the advice, where a profile is invalid or hazardous, and where the
target code undermines the choice (blocking calls in coroutines, lambdas sent to a process
pool, process pools without a __main__ guard...). 'concadvisor rules CA3xx' explains a code.

exit codes: 0 no findings at or above fail-on, 1 findings, 2 usage error or unreadable input

examples:
  concadvisor lint
  concadvisor lint src/ --format github
  concadvisor lint --select CA3 --ignore CA311 --fail-on error
  concadvisor lint --format sarif > concadvisor.sarif
  concadvisor lint --probe --probe-budget 5
  concadvisor lint --schema concadvisor > concadvisor.schema.json
""",
    ),
    Command(
        "calibrate",
        help="measure this machine's concurrency costs (start-up, dispatch, IPC, switches)",
        description="""\
Measure what concurrency costs on this machine and interpreter -- process pool start-up
per start method, thread pool start-up, per-task dispatch (threads, processes, asyncio),
pickling + IPC throughput, thread vs coroutine hand-off -- and cache the figures, so that
`concadvisor advise` predicts each executor's speedup from them instead of built-in
defaults. Takes at most --budget seconds (15 by default), and says what did not fit in
them; run it on an otherwise idle machine.

The cache is a JSON file under $CONCADVISOR_CACHE_DIR, else $XDG_CACHE_HOME/concadvisor or
~/.cache/concadvisor (~/Library/Caches/concadvisor on macOS, %LOCALAPPDATA% on Windows).

examples:
  concadvisor calibrate
  concadvisor calibrate --budget 5 --json
  concadvisor calibrate --show
""",
    ),
    Command(
        "rules",
        help="list the rules and lint codes, or explain one (or a guidance section)",
        description="""\
Without arguments, list every rule and lint code. With a CODE, explain it: what it does,
why, an example, and the guidance section it encodes. With a guidance id (G1-G13), print
that section: what the classic advice says, the correction, and the codes that encode it.

examples:
  concadvisor rules
  concadvisor rules CA103
  concadvisor rules G4
  concadvisor rules --guidance
  concadvisor rules --markdown > docs/rules.md
  concadvisor rules --guidance --markdown -o docs/guidance.md
""",
    ),
    Command(
        "schema",
        help="print the JSON schema of a task profile",
        description="""\
Print the JSON schema (draft 2020-12) of a TaskProfile: point your editor at it for
completion and validation of profile files. With --for, the schema of a whole
concadvisor.toml or of pyproject.toml's [tool.concadvisor] table (task tables included)
for lint configurations (see docs/lint.md).

examples:
  concadvisor schema > concadvisor-profile.schema.json
  concadvisor schema --for concadvisor > concadvisor.schema.json
""",
    ),
)

if TYPE_CHECKING:
    from . import advise, calibrate, demo, lint, probe, rules, schema

    # mypy checks each command module against the protocol.
    _CHECKED: tuple[CommandModule, ...] = (demo, advise, probe, lint, calibrate, rules, schema)


def check_output_path(option: str, path: Path) -> None:
    """Refuse an output file that cannot be written, before spending time measuring."""
    if path.is_dir():
        raise UsageError(f"{option} {path}: is a directory, expected a file name")
    if not path.parent.is_dir():
        raise UsageError(f"{option} {path}: directory {path.parent} does not exist")
