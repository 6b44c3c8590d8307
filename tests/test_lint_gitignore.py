"""The .gitignore matcher: git's semantics, in time linear in pattern x path."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from concadvisor.lint.gitignore import Ignorer, glob_match

from conftest import run_cli


def _char_ok(token: str, char: str) -> bool:
    if token == "?":
        return char != "/"
    if token.startswith("["):
        return char != "/" and char in token[1:-1]
    return token == char


def _oracle(pattern: str, path: str) -> bool:
    """Brute-force gitignore matching, straight from gitignore(5): exponential, tiny inputs."""
    anchored = "/" in pattern
    body = pattern.lstrip("/")
    if not anchored:
        body = "**/" + body
    # Tokenise: "**/" (zero or more directories), "/**" at the end, "*", "?", "[..]", chars.
    tokens: list[str] = []
    i = 0
    while i < len(body):
        if body.startswith("**/", i) and (i == 0 or body[i - 1] == "/"):
            tokens.append("**/")
            i += 3
        elif body.startswith("/**", i) and i + 3 == len(body):
            tokens.append("/**")
            i += 3
        elif body[i] == "[":
            end = body.index("]", i + 1)
            tokens.append(body[i : end + 1])
            i = end + 1
        else:
            tokens.append(body[i])
            i += 1

    @cache
    def match(t: int, p: int) -> bool:
        if t == len(tokens):
            return p == len(path)
        token = tokens[t]
        if token == "**/":
            # zero directories, or any run of whole directories ending in "/"
            return match(t + 1, p) or any(
                path[q] == "/" and match(t + 1, q + 1) for q in range(p, len(path))
            )
        if token == "/**":
            return path.startswith("/", p) and len(path) > p + 1
        if token == "*":
            return any(match(t + 1, q) for q in range(p, len(path) + 1) if "/" not in path[p:q])
        return p < len(path) and _char_ok(token, path[p]) and match(t + 1, p + 1)

    return match(0, 0)


_PIECE = st.sampled_from(["a", "b", "*", "?", "[ab]", "[b]"])
_SEGMENT = st.lists(_PIECE, min_size=1, max_size=4).map("".join)
PATTERNS = st.builds(
    lambda lead, segs, trail: lead + "/".join(segs) + trail,
    st.sampled_from(["", "/", "**/"]),
    st.lists(st.one_of(_SEGMENT, st.just("**")), min_size=1, max_size=3).filter(
        lambda segs: segs[0] != "**" and "**/**" not in "/".join(segs)
    ),
    st.sampled_from(["", "/**"]),
)
PATHS = st.lists(st.text("ab", min_size=1, max_size=4), min_size=1, max_size=4).map("/".join)


@given(pattern=PATTERNS, path=PATHS)
def test_matches_a_brute_force_reading_of_gitignore(pattern: str, path: str) -> None:
    assert glob_match(pattern, path) == _oracle(pattern, path), (pattern, path)


def test_backtracking_pattern_is_linear() -> None:
    # A backtracking regex (ours before, pathspec's today) needs hours for this.
    assert not glob_match("*a" * 30 + "*b", "a" * 60)
    assert glob_match("*a" * 30 + "*b", "a" * 60 + "b")


PATTERN_TABLE = [
    "*.tmp",
    "/top.toml",
    "docs/**/gen",
    "**/cache",
    "build/**",
    "a/*/c",
    "[!x]y.toml",
    "[a-c]?.py",
    "a**b",
    "\\#hash",
    "x\\*y",
]
PATH_TABLE = [
    "x.tmp",
    "d/x.tmp",
    "top.toml",
    "d/top.toml",
    "docs/gen",
    "docs/a/b/gen",
    "cache",
    "d/e/cache",
    "build/x",
    "build/x/y",
    "a/b/c",
    "a/b/d/c",
    "zy.toml",
    "xy.toml",
    "b1.py",
    "d1.py",
    "ab",
    "axb",
    "a/b",
    "#hash",
    "x*y",
    "xzy",
]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
@pytest.mark.parametrize("pattern", PATTERN_TABLE)
def test_agrees_with_git_check_ignore(tmp_path: Path, pattern: str) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text(pattern + "\n")
    proc = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin"],
        input="\n".join(PATH_TABLE) + "\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    by_git = set(proc.stdout.splitlines())
    assert by_git, "every pattern of the table matches some path"
    rules = Ignorer()
    rules.add(pattern + "\n", "")
    ours = {path for path in PATH_TABLE if rules.ignored(path, is_dir=False)}
    assert ours == by_git


@pytest.mark.slow
def test_catastrophic_pattern_does_not_hang_lint(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("*a" * 12 + "*b\n")
    (tmp_path / ("a" * 40)).mkdir()
    (tmp_path / "concadvisor.toml").write_text('[tasks.t]\nworkload="io"\nexecutor="threads"\n')
    proc = run_cli("lint", cwd=tmp_path, timeout=30)  # took hours before the fix
    assert proc.returncode == 1, proc.stderr
    assert "CA311" in proc.stdout
