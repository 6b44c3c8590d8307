"""Bad inputs give findings or exit 2 with a clear line -- never a traceback."""

from __future__ import annotations

import os
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from concadvisor.lint import lint_paths
from concadvisor.lint.document import MAX_BYTES

from conftest import run_cli

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


# -- bounds that must not refuse legitimate input (the faults: test_fault_matrix.py) ------

_TASK = '[tasks.t]\nworkload = "io"\nexecutor = "threads"\n'


def test_a_legitimately_dotted_document_is_not_refused(tmp_path: Path) -> None:
    keys = ".".join(["k"] * 63)
    (tmp_path / "concadvisor.toml").write_text(f"[x]\n{keys} = 1\nf = 1.5\n" + _TASK)
    assert run_cli("lint", cwd=tmp_path).stdout.count("CA301") == 0


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


def test_targets_inside_the_project_still_resolve(tmp_path: Path) -> None:
    project = _outside_project(tmp_path)
    (project / "concadvisor.toml").write_text(_TASK + 'target = "inside.py:g"\n')
    proc = run_cli("lint", cwd=project)
    assert "CA403 [error] 'g' is not defined in inside.py" in proc.stdout
