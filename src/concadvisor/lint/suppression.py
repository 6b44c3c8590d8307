"""Suppressing findings the way ruff does: ``# noqa`` comments and ``per-file-ignores``.

- ``# noqa`` at the end of a line hides every concadvisor finding on that line;
  ``# noqa: CA410, CA416`` only those codes (or code prefixes, as ``select`` takes them).
  Codes of other tools in the same comment (``# noqa: E501, CA410``) are allowed and
  ignored, so ``# noqa: E501`` alone hides nothing of ours.
- ``# concadvisor: noqa`` on a line of its own hides the whole file's findings;
  ``# concadvisor: noqa: CA41`` only those codes.
- Both work in Python modules and in TOML configuration files (a TOML comment is also
  ``#``).  Matching is on the physical line of the finding's start, like flake8 and ruff:
  a ``# noqa`` inside a string literal on that line counts too.
- ``per-file-ignores`` (a setting) maps glob patterns, relative to the configuration
  file's directory, to code selectors: ``{"tests/*" = ["CA41"], "legacy.py" = ["CA"]}``.
  ``*`` matches across ``/``; a pattern without ``/`` also matches the file's name alone;
  a pattern naming a directory covers what is below it.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Exemption",
    "file_noqa",
    "line_noqa",
    "matches_pattern",
    "suppressed_by",
]

#: A noqa comment with an optional code list, anywhere on the line (any case, as ruff).
_NOQA = re.compile(r"#\s*noqa\b(?P<colon>\s*:(?P<codes>[^#]*))?", re.IGNORECASE)
#: The file-level comment (concadvisor, colon, noqa) alone on its line, optional codes.
_FILE_NOQA = re.compile(
    r"^[ \t]*#[ \t]*concadvisor[ \t]*:[ \t]*noqa\b(?:[ \t]*:(?P<codes>[^#\n]*))?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_CODE = re.compile(r"[A-Za-z]+[0-9]*")

#: Lines longer than this are not searched for a comment (a minified or generated line).
_MAX_LINE = 10_000


@dataclass(frozen=True, slots=True)
class Exemption:
    """What a noqa comment hides: every code (``codes`` None), or the codes that start with
    one of ``codes`` -- maybe none, when the comment lists only other tools' codes."""

    codes: tuple[str, ...] | None

    def hides(self, code: str) -> bool:
        return self.codes is None or any(code.startswith(selector) for selector in self.codes)


def _exemption(codes_text: str | None) -> Exemption:
    if codes_text is None or not _CODE.search(codes_text):
        return Exemption(None)  # a bare noqa, or one with an empty list: every code
    ours = (code.upper() for code in _CODE.findall(codes_text))
    return Exemption(tuple(code for code in ours if code.startswith("CA")))


def line_noqa(line: str) -> Exemption | None:
    """What a ``# noqa`` comment on ``line`` hides (None: there is none)."""
    if "#" not in line or len(line) > _MAX_LINE:
        return None
    found = None
    for found in _NOQA.finditer(line):  # noqa: B007 -- the last one decides
        continue
    if found is None:
        return None
    return _exemption(found.group("codes") if found.group("colon") is not None else None)


def file_noqa(text: str) -> Exemption | None:
    """The file-level ``# concadvisor: noqa`` of ``text``, if any (the first one)."""
    found = _FILE_NOQA.search(text)
    return None if found is None else _exemption(found.group("codes"))


def suppressed_by(code: str, line: str | None, whole_file: Exemption | None) -> bool:
    """Whether a finding of ``code`` on ``line`` (its text; None when unknown) is hidden."""
    if whole_file is not None and whole_file.hides(code):
        return True
    exemption = None if line is None else line_noqa(line)
    return exemption is not None and exemption.hides(code)


def matches_pattern(path: Path, root: Path, pattern: str) -> bool:
    """Whether ``path`` (a file under ``root``) matches a ``per-file-ignores`` glob."""
    try:
        rel = Path(os.path.relpath(path, root)).as_posix()
    except ValueError:  # another drive
        return False
    if rel.startswith("../"):
        return False
    pattern = pattern.strip().removeprefix("./")
    if not pattern:
        return False
    directory = pattern.rstrip("/")
    if fnmatch.fnmatchcase(rel, pattern) or fnmatch.fnmatchcase(rel, f"{directory}/*"):
        return True
    return "/" not in pattern and fnmatch.fnmatchcase(path.name, pattern)
