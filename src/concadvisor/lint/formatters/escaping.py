"""Making finding text safe for the place it is written to.

Task names, messages and file names come from the linted project.  Written raw, an escape
sequence in a task name reaches the terminal, and a newline followed by ``::error ...``
forges a workflow command in a CI log.  A file name that is not valid UTF-8 arrives as lone
surrogates (``os.fsdecode``), which no UTF-8 stream can encode.

- :func:`printable` (text and github formats): control characters, line and paragraph
  separators, bidirectional overrides and lone surrogates become visible escapes
  (``\\x1b``, ``\\n``, ``\\u202e``, ``\\xff`` for the undecodable byte 0xff).
- :func:`json_safe` (json and sarif): the JSON encoder escapes control characters itself;
  only lone surrogates need replacing, with the same ``\\xNN`` text.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["json_safe", "printable"]

# C0 and C1 controls, DEL, U+2028/U+2029, bidi embeddings/overrides/isolates, surrogates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the undecodable byte code - 0xDC00
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every character that could act on a terminal or log escaped."""
    return _UNSAFE.sub(_escape, text)


def json_safe(value: Any) -> Any:
    """``value`` (JSON data) with lone surrogates in its strings escaped as text."""
    if isinstance(value, str):
        return _SURROGATE.sub(_escape, value)
    if isinstance(value, dict):
        return {json_safe(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    return value
