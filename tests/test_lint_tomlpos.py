"""The TOML position scanner against tomllib: same key paths, each at its written key."""

from __future__ import annotations

import json
import sys
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from concadvisor.lint.tomlpos import scan_positions

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

KEYS = st.sampled_from(
    ["workload", "tasks", "a", "b-c", "x_1", "1", "with space", "dot.ted", "é", 'q"uote', "#h"]
)
SCALARS = st.one_of(
    st.integers(-(10**6), 10**6),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(
        st.sampled_from(list("ab #=[]{}.,'\"\\\n\té")),
        max_size=12,
    ),
)


def _key(name: str) -> str:
    if name and all(c.isascii() and (c.isalnum() or c in "-_") for c in name):
        return name
    return json.dumps(name, ensure_ascii=False)


def _string(value: str, style: int) -> str:
    if style == 1 and "'" not in value and "\n" not in value:
        return f"'{value}'"
    if style == 2 and "'''" not in value and not value.endswith("'"):
        return f"'''\n{value}'''"
    if style == 3:
        body = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"""\n{body}"""'
    return json.dumps(value, ensure_ascii=False)


def _value(value: Any, draw: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, int) else repr(float(value))
    if isinstance(value, str):
        return _string(value, draw(st.integers(0, 3)))
    if isinstance(value, list):
        sep = draw(st.sampled_from([", ", ",\n  ", " , # c\n  "]))
        return "[" + sep.join(_value(v, draw) for v in value) + "]"
    items = ", ".join(f"{_key(k)} = {_value(v, draw)}" for k, v in value.items())
    return "{" + items + "}"


def _emit(table: dict[str, Any], prefix: list[str], draw: Any, out: list[str]) -> None:
    """Emit ``table`` under header ``prefix`` with varied syntax."""
    subtables: list[tuple[str, dict[str, Any]]] = []
    arrays: list[tuple[str, list[dict[str, Any]]]] = []
    for key, value in table.items():
        if isinstance(value, dict) and value and draw(st.booleans()):
            subtables.append((key, value))
            continue
        if (
            isinstance(value, list)
            and value
            and all(isinstance(v, dict) and v for v in value)
            and draw(st.booleans())
        ):
            arrays.append((key, value))  # as an array of tables
            continue
        comment = draw(st.sampled_from(["", "  # note", " #[x]"]))
        if isinstance(value, dict) and value and draw(st.booleans()):
            # dotted keys
            for sub, inner in value.items():
                out.append(f"{_key(key)} . {_key(sub)} = {_value(inner, draw)}{comment}")
        else:
            out.append(f"{_key(key)} = {_value(value, draw)}{comment}")
    for key, value in subtables:
        path = [*prefix, _key(key)]
        out.append("")
        out.append(f"[{'.'.join(path)}]  # table")
        _emit(value, path, draw, out)
    for key, elements in arrays:
        path = [*prefix, _key(key)]
        for element in elements:
            out.append(f"[[ {'.'.join(path)} ]]")
            _emit(element, path, draw, out)


def _flat(data: Any, prefix: tuple[Any, ...] = ()) -> set[tuple[Any, ...]]:
    paths: set[tuple[Any, ...]] = set()
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for key, value in items:
        path = (*prefix, key)
        paths.add(path)
        if isinstance(value, (dict, list)):
            paths |= _flat(value, path)
    return paths


documents = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(KEYS, children, max_size=4),
        st.lists(st.dictionaries(KEYS, children, min_size=1, max_size=3), min_size=1, max_size=3),
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.dictionaries(KEYS, documents, max_size=5), draw=st.data())
def test_scanner_finds_exactly_tomllib_paths_at_their_keys(data: dict[str, Any], draw: Any) -> None:
    lines: list[str] = []
    _emit(data, [], draw.draw, lines)
    text = "\n".join(lines) + "\n"
    parsed = tomllib.loads(text)
    assert parsed == data  # the emitter itself is right
    positions = scan_positions(text).positions
    assert set(positions) == _flat(parsed)
    source = text.splitlines()
    for path, (line, column) in positions.items():
        last = path[-1]
        written = source[line - 1][column - 1 :]
        if isinstance(last, str):
            assert written.startswith(("[", _key(last))), (path, written)


def test_headers_arrays_of_tables_multiline_strings_and_comments() -> None:
    text = (
        "# [tool.concadvisor.tasks.fake]\n"
        "[tool.concadvisor]\n"
        'select = ["CA3",  # comment ]\n'
        '  "CA4"]\n'
        "[tool.concadvisor.tasks.api]  # the API\n"
        'doc = """\n'
        "[tool.concadvisor.tasks.inside]\n"
        'executor = "x"\n'
        '"""""\n'
        "lit = '''a ''\n"
        "'''\n"
        'executor = "threads"\n'
        '"quoted.key" = 1\n'
        "[[arr]]\n"
        "k = 1\n"
        "[[arr]]\n"
        "k = 2\n"
    )
    assert tomllib.loads(text)["tool"]["concadvisor"]["tasks"]["api"]["executor"] == "threads"
    pos = scan_positions(text)
    task = ("tool", "concadvisor", "tasks", "api")
    assert pos.exact(task) == (5, 1)
    assert pos.exact((*task, "executor")) == (12, 1)
    assert pos.exact((*task, "quoted.key")) == (13, 1)
    assert pos.exact(("tool", "concadvisor", "select", 1)) == (4, 3)
    assert pos.exact(("tool", "concadvisor", "tasks", "inside")) is None
    assert pos.exact(("arr", 1, "k")) == (17, 1)
    assert pos.find((*task, "missing", "deeper")) == (5, 1)
    assert pos.find(("nowhere",)) == (1, 1)


def test_crlf_and_unicode_columns() -> None:
    text = '[t]\r\n"é" = { "ключ" = 1, b = 2 }\r\n'
    assert tomllib.loads(text) == {"t": {"é": {"ключ": 1, "b": 2}}}
    pos = scan_positions(text)
    assert pos.exact(("t", "é", "b")) == (2, 21)


def test_garbage_never_raises() -> None:
    assert scan_positions("[[[ = = ]]}").find(("a",)) == (1, 1)
    assert scan_positions("a = " + "[" * 5000 + "]" * 5000).find(("a", 0)) == (1, 6)
