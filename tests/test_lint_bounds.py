"""Lint's bounds: modules above the size limit are skipped with a finding (CA405), and a
run leaves the garbage collector as it found it."""

from __future__ import annotations

import gc
import json
from pathlib import Path

from concadvisor.lint import LintOptions, lint_paths
from concadvisor.lint.gcpause import paused_gc
from concadvisor.lint.targets import MAX_MODULE_BYTES

from conftest import ROOT, run_cli

_BLOCKING = "import time\n\n\nasync def job():\n    time.sleep(1)\n"


def _huge(path: Path) -> None:
    """A module just above the limit, with a blocking coroutine that must go unchecked."""
    filler = "# generated\n" * (MAX_MODULE_BYTES // 12 + 1)
    path.write_text(_BLOCKING + filler, encoding="utf-8")
    assert path.stat().st_size > MAX_MODULE_BYTES


def test_a_module_above_the_limit_is_skipped_with_ca405(tmp_path: Path) -> None:
    _huge(tmp_path / "tables.py")
    (tmp_path / "small.py").write_text(_BLOCKING, encoding="utf-8")
    proc = run_cli("lint", "--format", "json", ".", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    found = {(f["path"], f["code"]): f for f in json.loads(proc.stdout)["findings"]}
    assert set(found) == {("tables.py", "CA405"), ("small.py", "CA410")}
    message = found[("tables.py", "CA405")]["message"]
    assert f"above the {MAX_MODULE_BYTES}-byte limit" in message
    assert found[("tables.py", "CA405")]["severity"] == "warning"


def test_ca405_can_be_ignored_like_any_code(tmp_path: Path) -> None:
    _huge(tmp_path / "tables.py")
    result = lint_paths([str(tmp_path)], LintOptions(ignore=("CA405",)))
    assert result.diagnostics == ()


def test_a_declared_target_too_large_is_one_ca404_not_also_ca405(tmp_path: Path) -> None:
    _huge(tmp_path / "app.py")
    (tmp_path / "concadvisor.toml").write_text(
        '[tasks.t]\nworkload = "io"\nexecutor = "asyncio"\ntarget = "app:job"\n',
        encoding="utf-8",
    )
    result = lint_paths([str(tmp_path)], LintOptions(base=tmp_path))
    codes = [(d.code, d.location.path) for d in result.diagnostics]
    assert ("CA404", "app.py") in codes
    assert not any(code == "CA405" for code, _ in codes)
    ca404 = next(d for d in result.diagnostics if d.code == "CA404")
    assert "too large to lint" in ca404.message


def test_a_run_restores_the_collector() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()  # a caller's disabled collector stays disabled
    try:
        lint_paths([str(ROOT / "examples" / "lint-demo" / "app")])
        assert not gc.isenabled()
    finally:
        gc.enable()
