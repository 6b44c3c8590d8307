"""Parsing TOML from users, with the bounds that keep its cost linear in the input's size.

``tomllib`` is fine on ordinary documents, but two inputs escape it:

- a dotted key or table header with many parts (``a.a.a....b = 1``) costs time and memory
  quadratic in the number of parts (a 39 KiB line: 23 s and 2.3 GiB).  Keys longer than
  :data:`MAX_KEY_PARTS` parts are refused before parsing; no configuration needs more than a
  handful (``tool.concadvisor.tasks.NAME.field`` is five).
- an integer literal longer than Python's integer-string limit (4300 digits by default,
  ``sys.get_int_max_str_digits``) raises a bare :class:`ValueError` instead of
  ``TOMLDecodeError``.

Every failure is a :class:`TomlInputError` with a one-line message (``invalid TOML: ...``
or what was refused) and, where known, the 1-based line and column.
"""

from __future__ import annotations

import re
import sys
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

__all__ = ["MAX_KEY_PARTS", "TomlInputError", "parse_toml"]

#: A dotted key or header with more parts than this is refused before parsing.
MAX_KEY_PARTS = 64

_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
# Tokens of a line, for counting chained "part . part . part" runs: a run of characters that
# are neither a dot nor white space, a dot (with the blanks around it), other white space.
_CHAIN_TOKEN = re.compile(r"[^.\s]+|[ \t]*\.[ \t]*|\s+")


class TomlInputError(ValueError):
    """TOML that cannot be (or is not) parsed; ``line``/``column`` are 1-based."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def _position(text: str, offset: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def find_long_dotted_key(text: str, limit: int = MAX_KEY_PARTS) -> int | None:
    """The offset of a chain of more than ``limit`` dot-separated parts, or None.

    Lexical and conservative: it does not know where strings and comments are, so it may
    also stop at such a chain inside a string or comment -- never misses one in a key.
    Linear: only lines with more than ``limit`` dots are tokenised, and the scan of a line
    stops at the first chain that is too long.
    """
    line_start = 0
    for line in text.split("\n"):
        if line.count(".") >= limit:
            parts = chain_start = 0
            after_dot = False  # the previous token was a dot that followed a part
            for token in _CHAIN_TOKEN.finditer(line):
                piece = token.group()
                if piece.isspace() or ("." in piece and not parts):
                    parts, after_dot = 0, False
                elif "." in piece:
                    if after_dot:  # "a..b": no part between the dots
                        parts = 0
                    after_dot = bool(parts)
                else:
                    if not after_dot:
                        parts, chain_start = 0, token.start()
                    parts += 1
                    after_dot = False
                    if parts > limit:
                        return line_start + chain_start
        line_start += len(line) + 1
    return None


def _long_integer(text: str) -> int | None:
    limit = getattr(sys, "get_int_max_str_digits", lambda: 4300)()
    match = re.search(rf"(?<![0-9_])[0-9_]{{{limit + 1},}}", text)
    return match.start() if match else None


def parse_toml(text: str) -> dict[str, Any]:
    """``tomllib.loads(text)``, bounded; raises :class:`TomlInputError`."""
    offset = find_long_dotted_key(text)
    if offset is not None:
        line, column = _position(text, offset)
        raise TomlInputError(
            f"a dotted key or table header has more than {MAX_KEY_PARTS} parts "
            "(refused: parsing it costs quadratic time)",
            line,
            column,
        )
    try:
        document: dict[str, Any] = tomllib.loads(text)
        return document
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _TOML_POSITION.search(message)
        line, column = (int(found.group(1)), int(found.group(2))) if found else (1, 1)
        message = _TOML_POSITION.sub("", message).strip()
        raise TomlInputError(f"invalid TOML: {message}", line, column) from None
    except RecursionError:
        raise TomlInputError("invalid TOML: nested too deeply to parse") from None
    except ValueError:
        # Python refuses to convert an integer literal this long (CVE-2020-10735).
        at = _long_integer(text)
        line, column = _position(text, at) if at is not None else (1, 1)
        limit = getattr(sys, "get_int_max_str_digits", lambda: 4300)()
        message = f"an integer literal has more than {limit} digits (Python's conversion limit)"
        raise TomlInputError(message, line, column) from None
