"""The one target grammar, as the probe and lint both see it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from concadvisor.errors import TargetError
from concadvisor.lint.targets import parse_target as lint_parse
from concadvisor.targetspec import TargetSpec, parse_target

NAME = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)
DOTTED = st.lists(NAME, min_size=1, max_size=4).map(".".join)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pkg.mod:func", TargetSpec("pkg.mod", ("func",), False)),
        ("pkg.mod:Class.method", TargetSpec("pkg.mod", ("Class", "method"), False)),
        ("path/to/file.py:func", TargetSpec("path/to/file.py", ("func",), True)),
        ("file.py:Jobs.run", TargetSpec("file.py", ("Jobs", "run"), True)),
        ("/abs/job.py:run", TargetSpec("/abs/job.py", ("run",), True)),
        (r"C:\src\job.py:run", TargetSpec(r"C:\src\job.py", ("run",), True)),
        ("  mod:f  ", TargetSpec("mod", ("f",), False)),
        ("café:naïve", TargetSpec("café", ("naïve",), False)),
    ],
)
def test_accepts(text: str, expected: TargetSpec) -> None:
    assert parse_target(text) == expected
    assert lint_parse(text) == expected  # lint uses the very same grammar


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nocolon", "expected MODULE:FUNCTION"),
        (":func", "module part before ':' is empty"),
        ("mod:", "is not a name"),
        ("mod:1func", "is not a name"),
        ("mod:a..b", "is not a name"),
        ("bad-module:func", "neither a dotted module"),
        ("pkg/mod:func", r"is a path without '\.py': write 'pkg/mod\.py:func' .* 'pkg\.mod:func'"),
        (r"pkg\mod:func", "is a path without '.py'"),
    ],
)
def test_rejects_with_one_message(text: str, message: str) -> None:
    with pytest.raises(TargetError, match=message) as caught:
        parse_target(text)
    assert "\n" not in str(caught.value)
    assert lint_parse(text) is None


@given(DOTTED, DOTTED)
def test_dotted_targets_round_trip(module: str, attribute: str) -> None:
    spec = parse_target(f"{module}:{attribute}")
    assert (spec.module, spec.qualname, spec.is_path) == (module, attribute, False)
    assert parse_target(str(spec)) == spec


@given(st.text(max_size=60))
def test_total_over_any_text(text: str) -> None:
    """Any string parses or raises TargetError with one line: never another exception."""
    try:
        spec = parse_target(text)
    except TargetError as exc:
        message = str(exc)
    else:
        message = ""
        assert parse_target(str(spec)) == spec
        assert spec.is_path == spec.module.endswith(".py")
    if message:
        assert "\n" not in message or "\n" in text or "\r" in text
        assert lint_parse(text) is None
