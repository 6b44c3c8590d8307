"""asyncio.get_event_loop() by the target Python: CA420 from 3.14, CA414 before."""

from __future__ import annotations

from pathlib import Path

import pytest

from concadvisor.lint import LintOptions, lint_paths

_MODULE = """import asyncio


def main():
    return asyncio.get_event_loop()


async def job():
    return asyncio.get_event_loop()
"""


def _codes(root: Path) -> list[tuple[str, int, str]]:
    result = lint_paths([str(root)], LintOptions(base=root))
    return [(d.code, d.location.line, d.severity) for d in result.diagnostics]


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("3.10", ("CA414", 5, "warning")),
        ("3.12", ("CA414", 5, "warning")),
        ("py313", ("CA414", 5, "warning")),
        ("3.14", ("CA420", 5, "error")),
        ("3.15", ("CA420", 5, "error")),
    ],
)
def test_target_version_picks_the_code(
    tmp_path: Path, version: str, expected: tuple[str, int, str]
) -> None:
    (tmp_path / "concadvisor.toml").write_text(f'target-version = "{version}"\n', "utf-8")
    (tmp_path / "app.py").write_text(_MODULE, encoding="utf-8")
    assert _codes(tmp_path) == [expected]  # never line 9, inside the coroutine


def test_requires_python_sets_the_target(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nrequires-python = ">=3.14"\n\n[tool.concadvisor]\n', "utf-8"
    )
    (tmp_path / "app.py").write_text(_MODULE, encoding="utf-8")
    [(code, _, _)] = _codes(tmp_path)
    assert code == "CA420"
    message = lint_paths([str(tmp_path)]).diagnostics[0].message
    assert "raises RuntimeError on Python 3.14" in message and "get_running_loop()" in message


def test_a_helper_called_from_a_coroutine_in_another_module_is_silent(tmp_path: Path) -> None:
    (tmp_path / "concadvisor.toml").write_text('target-version = "3.14"\n', "utf-8")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("", "utf-8")
    (tmp_path / "pkg" / "loops.py").write_text(
        "import asyncio\n\n\ndef current():\n    return asyncio.get_event_loop()\n\n\n"
        "def unused():\n    return asyncio.get_event_loop()\n",
        encoding="utf-8",
    )
    (tmp_path / "pkg" / "main.py").write_text(
        "from .loops import current\n\n\nasync def run():\n    current()\n", "utf-8"
    )
    found = lint_paths([str(tmp_path)], LintOptions(base=tmp_path)).diagnostics
    assert [(d.location.path, d.location.line, d.code) for d in found] == [
        ("pkg/loops.py", 9, "CA420")
    ]
