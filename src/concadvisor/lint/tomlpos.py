"""Where each key of a TOML document is written: key path -> (line, column).

``tomllib`` parses but keeps no positions, and the formatting-preserving libraries on PyPI
(tomlkit) expose no line numbers either.  This is a small scanner for *already valid* TOML
(``tomllib`` has accepted the text first) that walks the same syntax -- table headers, arrays
of tables, dotted and quoted keys, inline tables, arrays, every string form including
multi-line ones, comments -- and records where each key path is first defined.  Keys of
more than ``MAX_KEY_PARTS`` parts stop the scan (the document loader refuses them first).  It never
decides validity, so it can stay small; ``tests/test_lint_tomlpos.py`` checks on generated
documents that it finds exactly the key paths ``tomllib`` returns, at positions where that
key is written.

Paths are tuples of keys and array indexes, as in the parsed data: ``("tool",
"concadvisor", "tasks", "api", "workload")`` or ``(..., "ignore", 0)``.  A table defined by a
header points at the header's ``[``; a key at its (last) key part; an array element at its
first character.  Lines and columns are 1-based; columns count code points.
"""

from __future__ import annotations

import bisect
import contextlib
import re
from dataclasses import dataclass

from ..toml_input import MAX_KEY_PARTS

__all__ = ["KeyPath", "KeyPositions", "scan_positions"]

KeyPath = tuple["str | int", ...]

_SKIP = re.compile(r"(?:[ \t\r\n]|#[^\n]*)*")
_INLINE_WS = re.compile(r"[ \t]*")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_BASIC = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_LITERAL = re.compile(r"'[^'\n]*'")
_ML_BASIC = re.compile(r'"""(?:[^"\\]|\\[\s\S]|"{1,2}(?!"))*"{3,5}')
_ML_LITERAL = re.compile(r"'''(?:[^']|'{1,2}(?!'))*'{3,5}")
# Numbers, booleans, dates and times (a local date-time may contain one space).
_BARE_VALUE = re.compile(r"[^,\]}\s#]+(?: [0-9][^,\]}\s#]*)?")
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|x([0-9A-Fa-f]{2})|(.))")
_SIMPLE_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", "e": "\x1b"}


class _ScanError(Exception):
    """The text is not what the scanner expects (tomllib would have refused it)."""


def _unescape(body: str) -> str:
    def replace(match: re.Match[str]) -> str:
        hex_digits = match.group(1) or match.group(2) or match.group(3)
        if hex_digits:
            return chr(int(hex_digits, 16))
        char = match.group(4)
        return _SIMPLE_ESCAPES.get(char, char)

    return _ESCAPE.sub(replace, body)


@dataclass(frozen=True, slots=True)
class KeyPositions:
    """Positions of the key paths of one document, with a fallback to the nearest parent."""

    positions: dict[KeyPath, tuple[int, int]]

    def exact(self, path: KeyPath) -> tuple[int, int] | None:
        return self.positions.get(path)

    def find(self, path: KeyPath) -> tuple[int, int]:
        """The position of ``path``, else of its nearest recorded ancestor, else (1, 1)."""
        for end in range(len(path), 0, -1):
            found = self.positions.get(path[:end])
            if found is not None:
                return found
        return (1, 1)


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.found: dict[KeyPath, tuple[int, bool]] = {}
        self.array_tables: dict[KeyPath, int] = {}

    # -- helpers ----------------------------------------------------------------------------
    def _record(self, path: KeyPath, offset: int, explicit: bool) -> None:
        known = self.found.get(path)
        if known is None or (explicit and not known[1]):
            self.found[path] = (offset, explicit)

    def _skip(self) -> None:
        match = _SKIP.match(self.text, self.i)
        assert match is not None  # the pattern matches the empty string
        self.i = match.end()

    def _skip_inline(self) -> None:
        match = _INLINE_WS.match(self.text, self.i)
        assert match is not None
        self.i = match.end()

    def _peek(self) -> str:
        return self.text[self.i] if self.i < len(self.text) else ""

    def _expect(self, char: str) -> None:
        if self._peek() != char:
            raise _ScanError(f"expected {char!r} at offset {self.i}")
        self.i += 1

    def _match(self, pattern: re.Pattern[str]) -> str:
        match = pattern.match(self.text, self.i)
        if match is None or match.end() == self.i:
            raise _ScanError(f"unexpected text at offset {self.i}")
        self.i = match.end()
        return match.group()

    # -- grammar ----------------------------------------------------------------------------
    def scan(self) -> None:
        table: KeyPath = ()
        while True:
            self._skip()
            if self.i >= len(self.text):
                return
            if self._peek() == "[":
                table = self._header()
            else:
                self._keyval(table)

    def _key(self) -> list[tuple[str, int]]:
        parts: list[tuple[str, int]] = []
        while True:
            self._skip_inline()
            offset = self.i
            char = self._peek()
            if char == '"':
                name = _unescape(self._match(_BASIC)[1:-1])
            elif char == "'":
                name = self._match(_LITERAL)[1:-1]
            else:
                name = self._match(_BARE_KEY)
            parts.append((name, offset))
            if len(parts) > MAX_KEY_PARTS:
                # Recording every prefix of a longer key costs quadratic memory.
                raise _ScanError(f"key with more than {MAX_KEY_PARTS} parts at offset {offset}")
            self._skip_inline()
            if self._peek() != ".":
                return parts
            self.i += 1

    def _header(self) -> KeyPath:
        start = self.i
        array = self.text.startswith("[[", self.i)
        self.i += 2 if array else 1
        parts = self._key()
        self._expect("]")
        if array:
            self._expect("]")
        resolved: KeyPath = ()
        for index, (name, _) in enumerate(parts):
            resolved = (*resolved, name)
            last = index == len(parts) - 1
            if last and array:
                count = self.array_tables.get(resolved, 0)
                self.array_tables[resolved] = count + 1
                self._record(resolved, start, True)
                resolved = (*resolved, count)
                self._record(resolved, start, True)
            else:
                count = self.array_tables.get(resolved, 0)
                if count and not last:
                    resolved = (*resolved, count - 1)
                self._record(resolved, start, last)
        return resolved

    def _keyval(self, prefix: KeyPath) -> None:
        path = prefix
        parts = self._key()
        for index, (name, offset) in enumerate(parts):
            path = (*path, name)
            self._record(path, offset, index == len(parts) - 1)
        self._expect("=")
        self._skip_inline()
        self._value(path)

    def _value(self, path: KeyPath) -> None:
        text, i = self.text, self.i
        if text.startswith('"""', i):
            self._match(_ML_BASIC)
        elif text.startswith("'''", i):
            self._match(_ML_LITERAL)
        elif text.startswith('"', i):
            self._match(_BASIC)
        elif text.startswith("'", i):
            self._match(_LITERAL)
        elif text.startswith("[", i):
            self._array(path)
        elif text.startswith("{", i):
            self._inline_table(path)
        else:
            self._match(_BARE_VALUE)

    def _array(self, path: KeyPath) -> None:
        self.i += 1
        index = 0
        while True:
            self._skip()
            if self._peek() == "]":
                self.i += 1
                return
            element = (*path, index)
            self._record(element, self.i, True)
            self._value(element)
            self._skip()
            if self._peek() == ",":
                self.i += 1
                index += 1
                continue
            self._expect("]")
            return

    def _inline_table(self, path: KeyPath) -> None:
        self.i += 1
        while True:
            self._skip()
            if self._peek() == "}":
                self.i += 1
                return
            self._keyval(path)
            self._skip()
            if self._peek() == ",":
                self.i += 1
                continue
            self._expect("}")
            return


def scan_positions(text: str) -> KeyPositions:
    """Positions of every key path in ``text``, which ``tomllib`` has already accepted.

    Never raises: on text it cannot follow (or nesting too deep to recurse) it returns the
    positions found so far, and :meth:`KeyPositions.find` falls back to a parent or (1, 1).
    """
    scanner = _Scanner(text)
    with contextlib.suppress(_ScanError, RecursionError):
        scanner.scan()
    line_starts = [0, *(m.end() for m in re.finditer("\n", text))]
    positions: dict[KeyPath, tuple[int, int]] = {}
    for path, (offset, _) in scanner.found.items():
        line = bisect.bisect_right(line_starts, offset)
        positions[path] = (line, offset - line_starts[line - 1] + 1)
    return KeyPositions(positions)
