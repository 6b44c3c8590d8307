"""concadvisor lint: findings, positions, settings, discovery and --probe (with a fake)."""

from __future__ import annotations

import ast
import builtins
import json
import keyword
import os
import re
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from concadvisor import Executor, detect_environment
from concadvisor.executors import available
from concadvisor.lint import LintOptions, lint_paths, probing
from concadvisor.lint.gitignore import Ignorer
from concadvisor.lint.settings import Selection

from conftest import ROOT, one_line_error, run_cli

CASES = ROOT / "tests" / "data" / "lint" / "cases"
DEMO = ROOT / "examples" / "lint-demo"
_EXPECT = re.compile(r"#\s*expect:\s*(CA\d{3}(?:\s*,\s*CA\d{3})*)")


def expectations(root: Path) -> set[tuple[str, int, str]]:
    """(path relative to root, line, code) for every inline ``# expect: CODE`` marker."""
    found: set[tuple[str, int, str]] = set()
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".toml", ".py") or not path.is_file():
            continue
        rel = path.relative_to(root).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = _EXPECT.search(line)
            if match:
                for code in match.group(1).split(","):
                    found.add((rel, number, code.strip()))
    return found


def lint_here(root: Path, options: LintOptions | None = None) -> Any:
    old = Path.cwd()
    os.chdir(root)
    try:
        return lint_paths(["."], options)
    finally:
        os.chdir(old)


def test_every_inline_expectation_and_nothing_else() -> None:
    result = lint_here(CASES)
    got = {(d.location.path, d.location.line, d.code) for d in result.diagnostics}
    assert got == expectations(CASES)


def test_positions_of_inline_tables_and_array_elements() -> None:
    result = lint_here(CASES)
    by_code = {
        (d.location.path, d.code, d.location.line): d.location.column for d in result.diagnostics
    }
    # `executer` inside an inline table, and "CA9" as the second element of a list
    assert by_code[("types/concadvisor.toml", "CA302", 5)] == 47
    assert by_code[("pyproject.toml", "CA303", 5)] == 20
    # ast columns are converted from UTF-8 bytes to code points
    assert by_code[("src/pkg/aio.py", "CA416", 14)] == 12


_RULE_IDS = re.compile(r"\bCA[125-8]\d\d\b")


_RANK_COUNT = re.compile(r"(ranks \d+ of )(\d+)")


def redact_rule_ids(text: str) -> str:
    """Engine rule ids named in CA310/CA311 messages follow the rule catalogue, which other
    work extends; the lint codes, positions and the rest of each message must not move."""
    return _RULE_IDS.sub("CA___", re.sub(r"\((CA\d{3}(, )?)+\)", "(CA___)", text))


def test_demo_matches_expected_file() -> None:
    proc = run_cli("lint", cwd=DEMO)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""
    expected = (DEMO / "EXPECTED.txt").read_text(encoding="utf-8")
    # EXPECTED.txt was written on an interpreter without InterpreterPoolExecutor; a ranking
    # lists the executors the running interpreter has (one more on 3.14+).
    ranked = len(available(detect_environment()))
    assert {int(count) for _, count in _RANK_COUNT.findall(proc.stdout)} == {ranked}
    assert redact_rule_ids(_RANK_COUNT.sub(r"\1N", proc.stdout)) == redact_rule_ids(
        _RANK_COUNT.sub(r"\1N", expected)
    )
    assert "env/" not in proc.stdout  # a virtualenv (pyvenv.cfg): never walked


def test_select_ignore_and_fail_on_from_the_command_line() -> None:
    only = run_cli("lint", "--select", "CA41", "--ignore", "CA410,CA414", cwd=DEMO)
    codes = {line.split()[1] for line in only.stdout.splitlines()[:-1]}
    assert codes == {"CA411", "CA412", "CA413", "CA415", "CA416", "CA417", "CA418"}
    assert only.returncode == 1
    warnings = run_cli("lint", "--select", "CA311,CA320", "--fail-on", "error", cwd=DEMO)
    assert "CA311" in warnings.stdout and "CA320" in warnings.stdout
    assert warnings.returncode == 0  # warnings only, below fail-on
    clean = run_cli("lint", "--select", "CA326", cwd=DEMO)
    assert clean.returncode == 0
    assert clean.stdout.startswith("No findings")


@pytest.mark.parametrize(
    "args",
    [("--select", "CA999"), ("--ignore", "XX1"), ("no/such/dir",), ("--format", "xml")],
)
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    proc = run_cli("lint", *args, cwd=DEMO)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip()


def test_config_settings_apply_per_file(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    task = '[tasks.t]\nworkload = "cpu"\ntasks = 500\ncpus = 4\nexecutor = "threads"\n'
    (tmp_path / "a" / "concadvisor.toml").write_text('ignore = ["CA310"]\n' + task)
    (tmp_path / "b" / "concadvisor.toml").write_text('fail-on = "error"\n' + task)
    result = lint_here(tmp_path)
    assert [(d.location.path, d.code) for d in result.diagnostics] == [
        ("b/concadvisor.toml", "CA310")
    ]
    assert result.exit_code == 1


def test_fail_on_error_in_config_makes_warnings_pass(tmp_path: Path) -> None:
    (tmp_path / "concadvisor.toml").write_text(
        'fail-on = "error"\n[tasks.t]\nworkload = "io"\ntasks = 50\nexecutor = "threads"\n'
        'shared_state = "mutable"\n'
    )
    result = lint_here(tmp_path)
    assert [d.code for d in result.diagnostics] == ["CA323"]
    assert result.exit_code == 0


def test_selection_most_specific_wins() -> None:
    selection = Selection(select=("CA", "CA311"), ignore=("CA31",))
    assert selection.enabled("CA311")
    assert not selection.enabled("CA310")
    assert selection.enabled("CA410")
    assert not selection.enabled("CA410", ("CA4",))


def test_gitignore_patterns() -> None:
    rules = Ignorer()
    rules.add("build/\n*.tmp\n!keep.tmp\n/top.toml\ndocs/**/gen\n# comment\n", "")
    rules.add("local.toml\n", "sub")
    assert rules.ignored("build", is_dir=True)
    assert not rules.ignored("build", is_dir=False)
    assert rules.ignored("a/b/x.tmp", is_dir=False)
    assert not rules.ignored("a/keep.tmp", is_dir=False)
    assert rules.ignored("top.toml", is_dir=False)
    assert not rules.ignored("a/top.toml", is_dir=False)
    assert rules.ignored("docs/x/y/gen", is_dir=True)
    assert rules.ignored("sub/local.toml", is_dir=False)
    assert not rules.ignored("local.toml", is_dir=False)


def test_discovery_skips_vcs_venvs_node_modules_and_ignored(tmp_path: Path) -> None:
    bad = '[tasks.x]\nworkload = "nope"\n'
    for directory in (".git", "node_modules/pkg", "env", "ignored", "deep/ignored"):
        (tmp_path / directory).mkdir(parents=True)
        (tmp_path / directory / "concadvisor.toml").write_text(bad)
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr\n")
    (tmp_path / ".gitignore").write_text("ignored/\n")
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "concadvisor.toml").write_text(bad)
    os.symlink(tmp_path, tmp_path / "kept" / "loop")  # a directory symlink loop
    result = lint_here(tmp_path)
    assert {d.location.path for d in result.diagnostics} == {"kept/concadvisor.toml"}


def test_explicit_file_is_linted_even_if_ignored(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.toml\n")
    target = tmp_path / "other.toml"
    target.write_text('[tasks.x]\nworkload = "io"\n')
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        result = lint_paths(["other.toml"])
    finally:
        os.chdir(old)
    assert [d.code for d in result.diagnostics] == ["CA304"]


def _fake_probe(fastest: str | None, declared_speedup: float, status: str = "ok") -> Any:
    calls: list[dict[str, Any]] = []

    def probe_target(target: str, **kwargs: Any) -> Any:
        calls.append({"target": target, **kwargs})
        if target.endswith(":explode"):
            from concadvisor.errors import TargetError

            raise TargetError("cannot import 'pkg.gone'")
        results = [
            SimpleNamespace(executor=Executor.SERIAL, status="ok", speedup=1.0, reason=None),
            SimpleNamespace(
                executor=Executor.THREADS, status=status, speedup=declared_speedup, reason="boom"
            ),
            SimpleNamespace(executor=Executor.PROCESSES, status="ok", speedup=3.5, reason=None),
        ]
        return SimpleNamespace(
            fastest=Executor(fastest) if fastest else None,
            results=results,
            verdict="contradicted",
        )

    probe_target.calls = calls  # type: ignore[attr-defined]
    return probe_target


@pytest.mark.parametrize(
    ("fastest", "declared_speedup", "status", "expected"),
    [
        ("processes", 1.0, "ok", ["CA350"]),
        ("processes", 3.2, "ok", []),  # within noise of the fastest
        ("processes", 0.0, "timeout", ["CA350"]),
        ("threads", 1.0, "ok", []),
        (None, 1.0, "ok", []),
    ],
)
def test_probe_findings(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fastest: str | None,
    declared_speedup: float,
    status: str,
    expected: list[str],
) -> None:
    (tmp_path / "concadvisor.toml").write_text(
        '[tasks.t]\nworkload = "io"\ntasks = 20\nexecutor = "threads"\nworkers = 4\n'
        'target = "work.py:run"\n'
    )
    (tmp_path / "work.py").write_text("def run():\n    return 1\n")
    fake = _fake_probe(fastest, declared_speedup, status)
    monkeypatch.setattr(probing, "_load_probe", lambda: fake)
    result = lint_here(tmp_path, LintOptions(probe=True, probe_budget=2.0))
    assert [d.code for d in result.diagnostics] == expected
    assert fake.calls[0]["budget"] == 2.0
    assert fake.calls[0]["workers"] == 4
    assert Path(fake.calls[0]["cwd"]) == tmp_path
    if expected:
        assert result.diagnostics[0].location.line == 4  # the executor key


def test_probe_failure_and_missing_probe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "concadvisor.toml").write_text(
        '[tasks.t]\nworkload = "io"\ntasks = 20\nexecutor = "threads"\ntarget = "work.py:explode"\n'
    )
    (tmp_path / "work.py").write_text("def explode():\n    raise SystemExit\n")
    monkeypatch.setattr(probing, "_load_probe", lambda: _fake_probe("threads", 1.0))
    result = lint_here(tmp_path, LintOptions(probe=True))
    assert [(d.code, d.location.line) for d in result.diagnostics] == [("CA351", 5)]
    assert "cannot import" in result.diagnostics[0].message
    monkeypatch.setattr(probing, "_load_probe", lambda: None)
    result = lint_here(tmp_path, LintOptions(probe=True))
    assert [d.code for d in result.diagnostics] == ["CA351"]


def test_probe_is_not_loaded_without_the_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom() -> None:
        raise AssertionError("probe loaded without --probe")

    monkeypatch.setattr(probing, "_load_probe", boom)
    shutil.copytree(CASES / "scripts", tmp_path / "scripts")
    (tmp_path / "concadvisor.toml").write_text(
        '[tasks.t]\nworkload = "io"\ntasks = 5000\nasync_libraries = true\n'
        'executor = "asyncio"\ntarget = "scripts/poll.py:poll_all"\n'
    )
    assert lint_here(tmp_path).diagnostics == ()


@pytest.mark.slow
def test_probe_end_to_end_with_the_real_probe(tmp_path: Path) -> None:
    (tmp_path / "concadvisor.toml").write_text(
        '[tasks.naps]\nworkload = "io"\ntasks = 8\nexecutor = "serial"\ntarget = "naps.py:nap"\n'
    )
    (tmp_path / "naps.py").write_text("import time\n\n\ndef nap():\n    time.sleep(0.02)\n")
    proc = run_cli(
        "lint", "--probe", "--probe-budget", "2", "--format", "json", cwd=tmp_path, timeout=60
    )
    assert "Traceback" not in proc.stderr
    assert proc.returncode in (0, 1), proc.stderr
    codes = {f["code"] for f in __import__("json").loads(proc.stdout)["findings"]}
    # serial is viable for 8 short I/O tasks but threads overlap the waiting: the rules say
    # CA311, and the measurement, if it completes, says CA350
    assert codes <= {"CA311", "CA350", "CA351"}
    assert "CA311" in codes


# -- blocking calls in every coroutine (CA410, CA416-CA419) ------------------------------

COROUTINES = ROOT / "tests" / "data" / "lint" / "coroutines"


def test_every_coroutine_expectation_and_nothing_else() -> None:
    """Every kind of the knowledge base and every interprocedural case, each with a twin
    (awaited, offloaded, pure, nested sync def) that must stay silent; no task declared."""
    result = lint_here(COROUTINES)
    got = {(d.location.path, d.location.line, d.code) for d in result.diagnostics}
    assert got == expectations(COROUTINES)
    assert result.tasks == 0


def test_chain_through_project_helpers_is_in_message_and_related() -> None:
    result = lint_here(COROUTINES)
    (found,) = [
        d
        for d in result.diagnostics
        if d.location.path.endswith("service.py") and d.location.line == 11
    ]
    assert found.code == "CA418"
    assert "(fetch() → load_config() → read_json() → open())" in found.message
    assert [(r.path, r.line) for r in found.related] == [
        ("proj/app/config.py", 13),
        ("proj/app/config.py", 8),
    ]


def _lint_source(tmp_path: Path, source: str, config: str = "") -> list[tuple[int, str]]:
    (tmp_path / "mod.py").write_text(source, encoding="utf-8")
    if config:
        (tmp_path / "concadvisor.toml").write_text(config, encoding="utf-8")
    result = lint_here(tmp_path)
    return sorted((d.location.line, d.code) for d in result.diagnostics)


def _knowledge_cases() -> list[tuple[str, str]]:
    from concadvisor.lint.codes import BLOCKING_CODES
    from concadvisor.lint.knowledge import FUNCTIONS

    return [(name, BLOCKING_CODES[entry.kind].id) for name, entry in sorted(FUNCTIONS.items())]


@pytest.mark.parametrize(("name", "code"), _knowledge_cases())
def test_every_table_function_is_found_through_an_alias_and_silent_when_offloaded(
    tmp_path: Path, name: str, code: str
) -> None:
    module, _, attr = name.rpartition(".")
    if module == "builtins":
        call, imports = attr, ""
    else:
        call, imports = f"alias_.{attr}", f"import {module} as alias_\n"
    source = (
        f"import asyncio\n{imports}\n\nasync def direct():\n    {call}()\n\n\n"
        f"async def offloaded():\n    await asyncio.to_thread({call})\n\n\n"
        f"async def awaited():\n    await {call}()\n\n\n"
        f"async def nested():\n    def later():\n        {call}()\n    return later\n"
    )
    assert _lint_source(tmp_path, source) == [(imports.count("\n") + 5, code)]


def test_configured_blocking_and_not_blocking(tmp_path: Path) -> None:
    source = (
        "import os.path\nimport mylib\n\n\nasync def f():\n"
        "    mylib.fetch()\n    os.path.exists('x')\n"
    )
    assert _lint_source(tmp_path, source) == [(7, "CA418")]
    config = 'blocking = ["mylib.fetch"]\nnot-blocking = ["os.path.exists"]\n'
    assert _lint_source(tmp_path, source, config) == [(6, "CA410")]


def test_bad_blocking_setting_is_a_ca303(tmp_path: Path) -> None:
    found = _lint_source(tmp_path, "", 'blocking = "mylib.fetch"\n')
    assert found == [(1, "CA303")]


def test_declared_async_target_keeps_task_ignore_and_declaration(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import time\n\n\nasync def job():\n    time.sleep(1)\n\n\n"
        "async def other():\n    time.sleep(1)\n",
        encoding="utf-8",
    )
    (tmp_path / "concadvisor.toml").write_text(
        '[tasks.job]\nworkload = "io"\nexecutor = "asyncio"\nasync_libraries = true\n'
        'tasks = 100\ntarget = "app:job"\nignore = ["CA410"]\n',
        encoding="utf-8",
    )
    result = lint_here(tmp_path)
    blocking = [(d.location.line, d.task) for d in result.diagnostics if d.code == "CA410"]
    assert blocking == [(9, None)]  # job's own finding is ignored by its task


def test_each_file_is_parsed_once_whatever_the_number_of_tasks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ast as ast_module

    (tmp_path / "app.py").write_text(
        "import time\n\n\nasync def job():\n    time.sleep(1)\n", encoding="utf-8"
    )
    tasks = "".join(
        f'[tasks.t{i}]\nworkload = "io"\nexecutor = "asyncio"\ntarget = "app:job"\n'
        for i in range(20)
    )
    (tmp_path / "concadvisor.toml").write_text(tasks, encoding="utf-8")
    parsed: list[str] = []
    real_parse = ast_module.parse

    def counting_parse(source: Any, filename: str = "<unknown>", *args: Any, **kw: Any) -> Any:
        parsed.append(str(filename))
        return real_parse(source, filename, *args, **kw)

    monkeypatch.setattr(ast_module, "parse", counting_parse)
    lint_here(tmp_path)
    assert [p for p in parsed if p.endswith("app.py")] == [str(tmp_path / "app.py")]


def test_code_facts_feed_the_profile(tmp_path: Path) -> None:
    """A lambda target is not picklable and an async def target is already async, whether
    or not the table says so; a declared value wins."""
    (tmp_path / "app.py").write_text(
        "square = lambda x: x * x\n\n\nasync def fetch():\n    return 1\n", encoding="utf-8"
    )
    tasks = (
        '[tasks.sq]\nworkload = "cpu"\ntasks = 500\ntask_seconds = 0.05\n'
        'executor = "processes"\ntarget = "app:square"\n\n'
        '[tasks.declared]\nworkload = "cpu"\ntasks = 500\ntask_seconds = 0.05\n'
        'executor = "processes"\ntarget = "app:square"\npicklable = true\n'
    )
    (tmp_path / "concadvisor.toml").write_text(tasks, encoding="utf-8")
    result = lint_here(tmp_path)
    by_task = {(d.task, d.code) for d in result.diagnostics}
    assert ("sq", "CA324") in by_task
    assert ("declared", "CA324") not in by_task


_IDENTIFIERS = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(
    lambda name: not keyword.iskeyword(name) and name not in dir(builtins)
)


@given(alias=_IDENTIFIERS, variable=_IDENTIFIERS, depth=st.integers(0, 3))
@settings(max_examples=60, deadline=None)
def test_findings_do_not_depend_on_the_names_chosen(alias: str, variable: str, depth: int) -> None:
    """Whatever the alias and variable names, a session's method is found through the
    import; the same call inside ``depth`` nested sync defs is not on the loop."""
    from concadvisor.lint.blocking import Knowledge, module_facts
    from concadvisor.lint.callgraph import coroutine_findings

    assume(alias != variable)
    nested = "".join(f"{'    ' * (i + 1)}def inner{i}():\n" for i in range(depth))
    indent = "    " * (depth + 1)
    source = (
        f"import requests as {alias}\n\n\nasync def main():\n"
        f"    {variable} = {alias}.Session()\n{nested}{indent}{variable}.get('u')\n"
    )
    facts = module_facts(ast.parse(source), Path("mod.py"), Knowledge())
    found = [(f.chain[0].line, f.hit.kind) for f in coroutine_findings([facts])]
    assert found == ([(6, "http")] if depth == 0 else [])


@pytest.mark.parametrize("select", ["5", '["XYZ"]'])
def test_lint_invalid_select_does_not_silence_everything(tmp_path: Path, select: str) -> None:
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.concadvisor]\nselect = {select}\n[tool.concadvisor.tasks.a]\nworkload = "io"\n'
        'executor = "threads"\nworkers = -1\n'
    )
    proc = run_cli("lint", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout
    codes = {finding["code"] for finding in json.loads(proc.stdout)["findings"]}
    assert "CA303" in codes


@pytest.mark.parametrize("value", ["", ","])
def test_lint_empty_select_flag_is_a_usage_error(tmp_path: Path, value: str) -> None:
    proc = run_cli("lint", "--select", value, cwd=tmp_path)
    assert proc.returncode == 2
    assert "--select" in one_line_error(proc)


def _failing_report(status: str) -> object:
    from types import SimpleNamespace

    from concadvisor import Executor

    results = [
        SimpleNamespace(executor=Executor.SERIAL, status=status, speedup=None, reason="boom"),
        SimpleNamespace(
            executor=Executor.THREADS, status="skipped", speedup=None, reason="not measured"
        ),
    ]
    return SimpleNamespace(fastest=None, results=results, verdict="inconclusive", exit_code=1)


@pytest.mark.parametrize("status", ["failed", "timeout"])
def test_lint_probe_reports_a_target_that_cannot_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: str
) -> None:
    (tmp_path / "concadvisor.toml").write_text(
        '[tasks.t]\nworkload = "io"\ntasks = 20\nexecutor = "threads"\ntarget = "work.py:run"\n'
    )
    (tmp_path / "work.py").write_text("def run():\n    raise SystemExit\n")
    monkeypatch.setattr(probing, "_load_probe", lambda: lambda *a, **k: _failing_report(status))
    monkeypatch.chdir(tmp_path)
    result = lint_paths(["."], LintOptions(probe=True))
    assert [(d.code, d.location.line) for d in result.diagnostics] == [("CA351", 5)]
    assert status in result.diagnostics[0].message


def test_probe_gets_the_tables_args_kwargs_inputs_and_setup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "concadvisor.toml").write_text(
        '[tasks.t]\nworkload = "io"\ntasks = 20\nexecutor = "threads"\n'
        'target = "work.py:run"\nargs = [1, "x"]\nkwargs = { timeout = 2.5 }\n'
        'setup = "work.py:session"\n'
        '[tasks.u]\nworkload = "io"\ntasks = 20\nexecutor = "threads"\n'
        'target = "work.py:run"\ninputs = "work.py:items"\n'
    )
    (tmp_path / "work.py").write_text("def run(*a, **k):\n    return 1\n")
    fake = _fake_probe("threads", 1.0)
    monkeypatch.setattr(probing, "_load_probe", lambda: fake)
    result = lint_here(tmp_path, LintOptions(probe=True, probe_budget=2.0))
    assert [d.code for d in result.diagnostics] == []
    first, second = fake.calls
    assert (first["args"], first["kwargs"], first["inputs"]) == ((1, "x"), {"timeout": 2.5}, None)
    assert first["setup"] == "work.py:session"
    assert (second["args"], second["inputs"], second["setup"]) == ((), "work.py:items", None)
    progress = capsys.readouterr().err.splitlines()
    assert progress == [
        "concadvisor lint: probing task t (work.py:run), 2 s",
        "concadvisor lint: probing task u (work.py:run), 2 s",
    ]


@pytest.mark.parametrize(
    ("keys", "line", "message"),
    [
        ('args = "1"', 6, "args: expected an array of positional arguments, got str"),
        ("kwargs = [1]", 6, "kwargs: expected a table of keyword arguments, got list"),
        ('setup = "nocolon"', 6, "setup: expected 'pkg.mod:func'"),
        ("inputs = 3", 6, "inputs: expected 'pkg.mod:func'"),
        ('args = [1]\ninputs = "work.py:items"', 7, "inputs: give either inputs"),
    ],
)
def test_invalid_probe_keys_are_findings_at_the_key_and_nothing_is_probed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keys: str, line: int, message: str
) -> None:
    (tmp_path / "concadvisor.toml").write_text(
        f'[tasks.t]\nworkload = "io"\ntasks = 20\nexecutor = "threads"\ntarget = "work.py:run"\n'
        f"{keys}\n"
    )
    (tmp_path / "work.py").write_text("def run(*a, **k):\n    return 1\n")
    fake = _fake_probe("processes", 1.0)
    monkeypatch.setattr(probing, "_load_probe", lambda: fake)
    result = lint_here(tmp_path, LintOptions(probe=True))
    assert [(d.code, d.location.line) for d in result.diagnostics] == [("CA303", line)]
    assert message in result.diagnostics[0].message
    assert fake.calls == []


def test_the_schema_knows_the_probe_keys() -> None:
    from concadvisor.lint.schema import config_schema

    task = config_schema()["$defs"]["DeclaredTask"]["properties"]
    assert {"args", "kwargs", "inputs", "setup"} <= set(task)
    assert task["args"]["type"] == "array"
    assert task["kwargs"]["type"] == "object"


def test_initializer_message_follows_the_target_version(tmp_path: Path) -> None:
    from concadvisor.lint.codechecks import check_module
    from concadvisor.lint.targets import load_module

    path = tmp_path / "m.py"
    path.write_text(
        "from concurrent.futures import ProcessPoolExecutor\n"
        "def setup(): pass\n"
        "def main():\n"
        "    ProcessPoolExecutor(initializer=lambda: None)\n"
        "    ProcessPoolExecutor(initializer=setup)\n",
        encoding="utf-8",
    )
    source = load_module(path)
    old = [f for f in check_module(source, (3, 13)) if f.code.id == "CA421"]
    new = [f for f in check_module(source, (3, 14)) if f.code.id == "CA421"]
    assert len(old) == len(new) == 1  # the module-level def stays silent
    assert "only under fork" in old[0].message
    assert "forkserver on Linux" in new[0].message and "3.14" in new[0].message
