"""Start-up: what each entry point imports, the lazy public API, the table of commands.

Timings are the business of benchmarks/bench_startup.py; these tests check the structure
that makes start-up cheap -- which modules a command loads -- and that laziness changed
nothing a user can see.
"""

from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from rich.syntax import Syntax

import concadvisor
from concadvisor import cli
from concadvisor.commands import COMMANDS
from concadvisor.render import SNIPPET_TAB_SIZE, python_code

from conftest import ROOT

#: Runs the CLI in-process with the given arguments, then prints the names in sys.modules.
_MODULES_AFTER = """
import sys
from concadvisor.cli import main
sys.stdout = open("/dev/null" if sys.platform != "win32" else "nul", "w")
try:
    main(sys.argv[1:])
except SystemExit:
    pass
sys.stdout.flush()
sys.stderr.write("\\nMODULES " + " ".join(sorted(sys.modules)) + "\\n")
"""


def _modules_after(*code_or_args: str, code: str = _MODULES_AFTER) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-c", code, *code_or_args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    line = proc.stderr.rsplit("\nMODULES ", 1)[1]
    return set(line.split())


def _loaded(modules: set[str], *packages: str) -> set[str]:
    """The packages of ``packages`` that ``modules`` contains (a package or any submodule)."""
    return {p for p in packages if any(m == p or m.startswith(p + ".") for m in modules)}


HEAVY = ("pydantic", "pydantic_core", "rich", "pygments", "markdown_it", "asyncio")
OURS = ("concadvisor.advice", "concadvisor.rules", "concadvisor.probing", "concadvisor.lint")


def test_import_concadvisor_imports_nothing_heavy() -> None:
    code = 'import sys, concadvisor\nsys.stderr.write("\\nMODULES " + " ".join(sys.modules))'
    modules = _modules_after(code=code)
    assert _loaded(modules, *HEAVY, *OURS, "multiprocessing", "concadvisor.render") == set()


@pytest.mark.parametrize("args", [("--version",), ("--help",)])
def test_version_and_help_import_no_pydantic_or_rich(args: tuple[str, ...]) -> None:
    modules = _modules_after(*args)
    assert _loaded(modules, *HEAVY, *OURS) == set()
    assert not any(m.startswith("concadvisor.commands.") for m in modules)


def test_a_commands_help_imports_its_flags_but_not_its_work() -> None:
    # advise's flags are generated from TaskProfile (pydantic); the engine waits for run().
    modules = _modules_after("advise", "--help")
    assert _loaded(modules, "rich", "asyncio", *OURS) == set()
    assert "concadvisor.commands.advise" in modules


def test_version_does_not_even_build_a_parser() -> None:
    assert _loaded(_modules_after("--version"), "argparse") == set()


@pytest.mark.parametrize("args", [("--version",), ("--help",)])
def test_the_real_entry_point_imports_no_pydantic_or_rich(args: tuple[str, ...]) -> None:
    """``python -m concadvisor`` as users run it, watched by ``-X importtime``."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "concadvisor", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()}
    assert "concadvisor.cli" in imported  # the watch works
    assert _loaded(imported, *HEAVY) == set()


@pytest.mark.parametrize(
    ("args", "absent"),
    [
        (("rules", "--json"), ("rich", "concadvisor.render", "asyncio")),
        (("rules", "--markdown"), ("rich", "concadvisor.render", "asyncio")),
        (("schema",), ("rich", "concadvisor.rules", "concadvisor.lint", "asyncio")),
        (("advise", "--workload", "io", "--json"), ("rich", "concadvisor.probing", "asyncio")),
        # text to a pipe: no colours, so no highlighting (pygments) and no Markdown
        (("advise", "--workload", "io"), ("pygments", "markdown_it", "concadvisor.probing")),
    ],
)
def test_commands_import_only_what_they_use(args: tuple[str, ...], absent: tuple[str, ...]) -> None:
    assert _loaded(_modules_after(*args), *absent) == set()


#: What ``concadvisor advise`` with flags does not need: a profile file's parsers, the
#: calibration document (no cache file here: conftest points the cache at an empty
#: directory), the probe's pools.  pickle and platform stay: multiprocessing (the start
#: methods) and the machine fingerprint need them, and pydantic imports platform itself.
ADVISE_NEEDS_NONE_OF = (
    "tomllib",
    "concadvisor.toml_input",
    "concadvisor.profile_files",
    "concadvisor.costs.document",
    "concurrent.futures",
    "logging",
)


@pytest.mark.parametrize("extra", [(), ("--json",)])
def test_advise_from_flags_imports_no_file_parser_nor_calibration_document(
    extra: tuple[str, ...],
) -> None:
    modules = _modules_after("advise", "--workload", "io", "--tasks", "10", *extra)
    assert "concadvisor.advice" in modules  # the watch works
    assert _loaded(modules, *ADVISE_NEEDS_NONE_OF) == set()


def test_advise_text_output_builds_no_result_model() -> None:
    """The text path prints a Recommendation it built itself: no validator or serializer of
    the result models is built (they are ``defer_build``); ``--json`` builds them."""
    code = _MODULES_AFTER.rsplit("sys.stderr.write", 1)[0] + (
        "from concadvisor import advice\n"
        "models = (advice.Recommendation, advice.Reason, advice.RankedExecutor, advice.Advisory)\n"
        "built = [m.__name__ for m in models if m.__pydantic_complete__]\n"
        'sys.stderr.write("\\nMODULES " + " ".join(built) + "\\n")\n'
    )
    assert _modules_after("advise", "--workload", "io", code=code) == set()
    built = _modules_after("advise", "--workload", "io", "--json", code=code)
    assert "Recommendation" in built


# -- the lazy public API ------------------------------------------------------------------


def _type_checking_imports() -> dict[str, str]:
    """name -> submodule, from the ``if TYPE_CHECKING:`` block of concadvisor/__init__.py."""
    tree = ast.parse(Path(concadvisor.__file__).read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for item in node.body:
                if isinstance(item, ast.ImportFrom) and item.level == 1 and item.module:
                    found.update({alias.name: item.module for alias in item.names})
    return found


def test_every_public_name_has_one_home_and_mypy_sees_the_same() -> None:
    homes = concadvisor._HOMES
    assert set(concadvisor.__all__) == set(homes) | {"__version__"}
    assert _type_checking_imports() == homes


@pytest.mark.parametrize("name", sorted(concadvisor._HOMES))
def test_a_lazy_name_is_the_object_of_its_home_module(name: str) -> None:
    import importlib

    home = importlib.import_module(f"concadvisor.{concadvisor._HOMES[name]}")
    assert getattr(concadvisor, name) is getattr(home, name)


def test_dir_lists_the_public_names_and_unknown_names_raise() -> None:
    assert set(concadvisor.__all__) <= set(dir(concadvisor))
    with pytest.raises(AttributeError, match="has no attribute 'nonexistent'"):
        _ = concadvisor.nonexistent  # type: ignore[attr-defined]


def test_star_import_gives_every_public_name() -> None:
    namespace: dict[str, object] = {}
    exec("from concadvisor import *", namespace)
    assert set(concadvisor.__all__) <= set(namespace)


# -- the table of commands ----------------------------------------------------------------


def test_the_table_names_each_command_once_and_every_module_follows_the_protocol() -> None:
    import importlib

    names = [command.name for command in COMMANDS]
    assert len(names) == len(set(names))
    for command in COMMANDS:
        module = importlib.import_module(command.module_name)
        assert callable(module.add_arguments) and callable(module.run), command.name
        assert command.help and command.description.endswith("\n"), command.name


def test_top_level_help_lists_every_command_in_table_order() -> None:
    text = cli.build_parser().format_help()
    found = [re.search(rf"^ {{4}}{command.name}\b", text, re.MULTILINE) for command in COMMANDS]
    positions = [match.start() if match else -1 for match in found]
    assert -1 not in positions and positions == sorted(positions)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_a_commands_help_shows_its_description_and_its_flags(command: object) -> None:
    from concadvisor.commands import Command

    assert isinstance(command, Command)
    parser = cli.build_parser(command.name)
    sub = parser._subparsers._group_actions[0].choices[command.name]  # type: ignore[union-attr]
    text = sub.format_help()
    assert command.description.splitlines()[0] in text
    assert len(sub._actions) > 1  # more than -h: the module added its flags


def test_an_unknown_command_is_a_usage_error_not_an_import(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["frobnicate"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err


def test_version_line_is_the_same_with_and_without_argparse(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["--version"]) == 0
    fast = capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["--version"])
    assert capsys.readouterr().out == fast == f"concadvisor {concadvisor.__version__}\n"


# -- the snippet without colours ----------------------------------------------------------

_code_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r")
    | st.sampled_from("\n\t "),
    max_size=300,
)


@given(source=_code_text, width=st.integers(min_value=8, max_value=200))
def test_plain_snippet_prints_the_same_characters_as_syntax(source: str, width: int) -> None:
    """Skipping pygments on a console without colours must not change one character."""

    def printed(renderable: object, console_file: io.StringIO) -> str:
        Console(file=console_file, width=width, color_system=None).print(renderable, soft_wrap=True)
        return console_file.getvalue()

    plain = python_code(Console(file=io.StringIO(), color_system=None), source)
    highlighted = Syntax(
        source, "python", theme="ansi_dark", background_color="default", tab_size=SNIPPET_TAB_SIZE
    )
    assert printed(plain, io.StringIO()) == printed(highlighted, io.StringIO())


def test_a_console_with_colours_still_highlights() -> None:
    console = Console(file=io.StringIO(), color_system="truecolor", force_terminal=True)
    assert isinstance(python_code(console, "x = 1\n"), Syntax)
