"""Bad inputs give findings or exit 2 with a clear line -- never a traceback."""

from __future__ import annotations

import json
import os
import shutil
import string
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from concadvisor.lint import lint_paths
from concadvisor.lint.document import MAX_BYTES

from conftest import ROOT, run_cli

FIELDS = [
    "workload",
    "executor",
    "workers",
    "target",
    "ignore",
    "tasks",
    "task_seconds",
    "cpus",
    "picklable",
    "shared_state",
    "async_libraries",
    "select",
    "fail-on",
    "name",
]
TOML_VALUES = st.sampled_from(
    [
        '"io"',
        '"cpu"',
        '"threads"',
        '"processes"',
        '"asyncio"',
        "0",
        "-3",
        "10",
        "1e999",
        "nan",
        "true",
        "[]",
        '["CA310"]',
        "[1, 2]",
        "{}",
        "{ a = 1 }",
        "1979-05-27",
        '"pkg.mod:f"',
        '"x.py:f"',
        '":"',
        '"a:b.c.d"',
        '"\\u0000"',
    ]
)


def _lint(tmp: Path) -> int:
    old = Path.cwd()
    os.chdir(tmp)
    try:
        result = lint_paths(["."])
    finally:
        os.chdir(old)
    assert all(d.location.line >= 1 and d.location.column >= 1 for d in result.diagnostics)
    return result.exit_code


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=300))
def test_random_bytes(tmp_path_factory: pytest.TempPathFactory, raw: bytes) -> None:
    tmp = tmp_path_factory.mktemp("bytes")
    (tmp / "concadvisor.toml").write_bytes(raw)
    assert _lint(tmp) in (0, 1)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(alphabet=string.printable + "é\x00", max_size=200),
)
def test_random_text(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    tmp = tmp_path_factory.mktemp("text")
    (tmp / "pyproject.toml").write_text("[tool.concadvisor]\n" + text, encoding="utf-8")
    assert _lint(tmp) in (0, 1)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    tasks=st.dictionaries(
        st.sampled_from(["a", "b", "c d", "é"]),
        st.dictionaries(st.sampled_from(FIELDS), TOML_VALUES, max_size=8),
        max_size=3,
    ),
    module=st.sampled_from(
        [
            "",
            "def f(:\n",
            "async def f():\n    import time; time.sleep(1)\n",
            "f = lambda: 0\n",
            "\xff\xfe",
            "x = 1\n" * 3,
        ]
    ),
)
def test_wrong_types_everywhere(
    tmp_path_factory: pytest.TempPathFactory, tasks: dict[str, dict[str, str]], module: str
) -> None:
    tmp = tmp_path_factory.mktemp("types")
    lines: list[str] = []
    for name, fields in tasks.items():
        lines.append(f'[tasks."{name}"]')
        lines.extend(f'"{key}" = {value}' for key, value in fields.items())
    (tmp / "concadvisor.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp / "x.py").write_text(module, encoding="utf-8", errors="surrogateescape")
    (tmp / "pkg").mkdir()
    (tmp / "pkg" / "mod.py").write_text(module, encoding="utf-8", errors="surrogateescape")
    assert _lint(tmp) in (0, 1)


def _bad_project(tmp_path: Path, kind: str) -> Path:
    target = tmp_path / "concadvisor.toml"
    if kind == "non-utf8":
        target.write_bytes(b'[tasks.a]\nworkload = "\xff\xfe"\n')
    elif kind == "huge":
        with target.open("wb") as handle:
            handle.truncate(MAX_BYTES + 1)
    elif kind == "many-tasks":
        target.write_text(
            "".join(
                f'[tasks.t{i}]\nworkload = "io"\ntasks = 50\nexecutor = "threads"\n'
                for i in range(3000)
            )
        )
    elif kind == "deep":
        target.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    elif kind == "deep-tables":
        target.write_text("[" + ".".join(["k"] * 5000) + "]\nx = 1\n")
    elif kind == "symlink-loop":
        target.symlink_to(target)
    elif kind == "dangling":
        target.symlink_to(tmp_path / "nowhere.toml")
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "dir-loop":
        (tmp_path / "sub").mkdir()
        (tmp_path / "sub" / "up").symlink_to(tmp_path)
        target.write_text('[tasks.a]\nworkload = "io"\ntasks = 50\nexecutor = "threads"\n')
    return tmp_path


@pytest.mark.parametrize(
    ("kind", "codes", "finding"),
    [
        ("non-utf8", {1}, {"CA301"}),
        ("huge", {1}, {"CA301"}),
        ("many-tasks", {0}, None),
        ("deep", {1}, {"CA301"}),
        # tomllib reports the deep header as an unknown setting; tomli (3.10) recurses: CA301
        ("deep-tables", {1}, {"CA301", "CA302"}),
        ("symlink-loop", {2}, None),
        ("dangling", {2}, None),
        ("dir-loop", {0}, None),
    ],
)
def test_hand_made_bad_inputs_through_the_cli(
    tmp_path: Path, kind: str, codes: set[int], finding: set[str] | None
) -> None:
    project = _bad_project(tmp_path, kind)
    proc = run_cli("lint", ".", cwd=project)
    assert proc.returncode in codes, (proc.stdout[-500:], proc.stderr[-500:])
    assert "Traceback" not in proc.stderr
    if proc.returncode == 2:
        assert proc.stderr.startswith("concadvisor: error: ")
        assert len(proc.stderr.strip().splitlines()) == 1
    if finding is not None:
        assert any(f": {code} [" in proc.stdout for code in finding)


def test_fifo_explicitly_is_a_clear_error_not_a_hang(tmp_path: Path) -> None:
    _bad_project(tmp_path, "fifo")
    proc = run_cli("lint", "concadvisor.toml", cwd=tmp_path, timeout=20)
    assert proc.returncode == 2
    assert "not a regular file" in proc.stderr


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "concadvisor.toml").write_text('[tasks.a]\nworkload = "io"\n')
    real_open = Path.open

    def deny(self: Path, *args: object, **kwargs: object) -> object:
        if self.name == "concadvisor.toml":
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", deny)
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        result = lint_paths(["."])
    finally:
        os.chdir(old)
    assert result.exit_code == 2
    assert result.input_errors == (
        f"{tmp_path / 'concadvisor.toml'}: cannot read (Permission denied)",
    )


# -- issue 14: faults found in review, each reproduced through the real CLI -------------------

_TASK = '[tasks.t]\nworkload = "io"\nexecutor = "threads"\n'


def _one_line_error(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 2, (proc.stdout[-300:], proc.stderr[-300:])
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("concadvisor: error: ")


@pytest.mark.skipif(
    shutil.which("setpriv") is None or os.geteuid() != 0, reason="needs root and setpriv"
)
def test_unreadable_subdirectory_is_an_input_error_not_a_crash() -> None:
    # Not under tmp_path: pytest's base directory is private to root, and lint walks
    # absolute paths, which an unprivileged user must be able to traverse.
    with tempfile.TemporaryDirectory() as name:
        home = Path(name)
        home.chmod(0o755)
        project = home / "p"
        (project / "locked").mkdir(parents=True)
        (project / "concadvisor.toml").write_text(_TASK)
        (project / "locked").chmod(0)
        command = [
            *("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"),
            *(sys.executable, "-m", "concadvisor", "lint", "p"),
        ]
        # the session's calibration cache is root's: give the unprivileged user its own
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "CONCADVISOR_CACHE_DIR": name}
        try:
            proc = subprocess.run(
                command, capture_output=True, text=True, cwd=home, env=env, timeout=60, check=False
            )
        finally:
            (project / "locked").chmod(0o755)
    _one_line_error(proc)
    assert "locked: cannot list (Permission denied)" in proc.stderr
    assert "CA311" in proc.stdout  # the readable part is still linted


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        (_TASK + "tasks = " + "9" * 5000 + "\n", "4:9", "more than 4300 digits"),
        ("[tasks.t]\n" + "a." * 20000 + "b = 1\n", "2:1", "more than 64 parts"),
        ("[" + "a . " * 100 + "b]\nx = 1\n", "1:1", "more than 64 parts"),
    ],
)
def test_oversized_literals_and_keys_are_findings(
    tmp_path: Path, text: str, position: str, words: str
) -> None:
    (tmp_path / "concadvisor.toml").write_text(text)
    proc = run_cli("lint", cwd=tmp_path, timeout=30)  # the long key took 23 s and 2.3 GiB
    assert proc.returncode == 1, proc.stderr
    assert f"concadvisor.toml:{position}: CA301 [error] " in proc.stdout
    assert words in proc.stdout
    # advise --profile reads the same file through the same bounds
    advice = run_cli("advise", "--profile", "concadvisor.toml", cwd=tmp_path, timeout=30)
    _one_line_error(advice)
    assert words in advice.stderr


def test_a_legitimately_dotted_document_is_not_refused(tmp_path: Path) -> None:
    keys = ".".join(["k"] * 63)
    (tmp_path / "concadvisor.toml").write_text(f"[x]\n{keys} = 1\nf = 1.5\n" + _TASK)
    assert run_cli("lint", cwd=tmp_path).stdout.count("CA301") == 0


FORGED = (
    '[tasks."x\\u001b[2J\\u2028\\u202e\\n::error file=README.md,line=1::forged"]\n'
    'workload = "io"\nexecutor = "threads"\nbogus = 1\n'
)


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_control_characters_in_names_cannot_reach_the_terminal_or_log(
    tmp_path: Path, fmt: str
) -> None:
    (tmp_path / "concadvisor.toml").write_text(FORGED)
    proc = run_cli("lint", "--format", fmt, cwd=tmp_path)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert not any(line.startswith("::error file=README.md") for line in lines)
    assert not any(char in proc.stdout for char in "\x1b\u2028\u202e")
    newline = "\\n" if fmt == "text" else "%0A"  # github: inside the annotation, as documented
    assert f"x\\x1b[2J\\u2028\\u202e{newline}::error" in proc.stdout


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_control_characters_survive_json_formats_escaped(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "concadvisor.toml").write_text(FORGED)
    proc = run_cli("lint", "--format", fmt, cwd=tmp_path)
    assert "\x1b" not in proc.stdout and "\n::error" not in proc.stdout
    assert "x\x1b[2J" in proc.stdout.encode().decode("unicode_escape", "ignore")
    json.loads(proc.stdout)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
@pytest.mark.parametrize("encoding", [None, "utf-8"])
def test_every_format_survives_a_file_name_that_is_not_utf8(
    tmp_path: Path, fmt: str, encoding: str | None
) -> None:
    bad = tmp_path / os.fsdecode(b"bad\xffdir")
    bad.mkdir()
    (bad / "concadvisor.toml").write_text(
        '[tasks.t]\nworkload = "cpu"\ntasks = 100\ntask_seconds = 0.1\nexecutor = "threads"\n'
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    if encoding:
        env["PYTHONIOENCODING"] = encoding
    proc = subprocess.run(
        [sys.executable, "-m", "concadvisor", "lint", "--format", fmt],
        capture_output=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr.decode(errors="replace")
    out = proc.stdout.decode("utf-8")  # valid UTF-8 whatever the file name
    assert "CA310" in out
    if fmt == "sarif":
        assert '"uri": "bad%FFdir/concadvisor.toml"' in out
    else:
        assert "bad\\xffdir/concadvisor.toml" in out.replace("\\\\", "\\")


def _outside_project(tmp_path: Path) -> Path:
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "x.py").write_text("def secret_function():\n    pass\n")
    project = tmp_path / "proj"
    (project / "pkg").mkdir(parents=True)
    (project / "pkg" / "__init__.py").write_text("")
    (project / "pkg" / "mod.py").symlink_to(tmp_path / "outside" / "x.py")
    (project / "link.py").symlink_to(tmp_path / "outside" / "x.py")
    (project / "inside.py").write_text("def f():\n    pass\n")
    return project


@pytest.mark.parametrize(
    "target",
    [
        "../outside/x.py:secret_functio",
        "{tmp}/outside/x.py:secret_functio",
        "link.py:secret_functio",
        "pkg.mod:secret_functio",
    ],
)
def test_targets_outside_the_project_are_not_read(tmp_path: Path, target: str) -> None:
    project = _outside_project(tmp_path)
    target = target.format(tmp=tmp_path)
    (project / "concadvisor.toml").write_text(_TASK + f'target = "{target}"\n')
    proc = run_cli("lint", cwd=project)
    assert proc.returncode == 1
    assert "CA402" in proc.stdout and "resolves outside the project" in proc.stdout
    assert "secret_function" not in proc.stdout  # no "did you mean" from outside


def test_targets_inside_the_project_still_resolve(tmp_path: Path) -> None:
    project = _outside_project(tmp_path)
    (project / "concadvisor.toml").write_text(_TASK + 'target = "inside.py:g"\n')
    proc = run_cli("lint", cwd=project)
    assert "CA403 [error] 'g' is not defined in inside.py" in proc.stdout


def test_deleted_working_directory(tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    code = (
        "import os, sys; os.chdir(sys.argv[1]); os.rmdir(sys.argv[1]);"
        "from concadvisor.cli import main; sys.exit(main(['lint']))"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.run(
        [sys.executable, "-c", code, str(gone)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    _one_line_error(proc)
    assert "working directory no longer exists" in proc.stderr
