"""A ``.gitignore`` matcher for discovery: the pattern syntax of gitignore(5).

Supported: comments and blank lines, ``!`` negation, trailing ``/`` (directories only),
patterns anchored by a ``/`` (at the start or in the middle), ``*``, ``?``, ``[...]``, and
``**`` (leading ``**/``, trailing ``/**``, middle ``/**/``).  The last matching pattern
wins; patterns of a deeper ``.gitignore`` come later.  As in git, nothing inside an ignored
directory is looked at (discovery prunes it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["IgnoreRule", "Ignorer", "parse_gitignore"]


@dataclass(frozen=True, slots=True)
class IgnoreRule:
    base: str  # directory of the .gitignore, POSIX, relative to the walk's root ("" = root)
    regex: re.Pattern[str]
    negated: bool
    dir_only: bool


def _translate(pattern: str) -> str:
    """gitignore glob -> regex body matching a path relative to the .gitignore's directory."""
    anchored = "/" in pattern.rstrip("/")
    pattern = pattern.lstrip("/")
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append("/.*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif char == "*":
            out.append("[^/]*")
            i += 1
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[":
            end = pattern.find("]", i + 2 if pattern[i + 1 : i + 2] in ("!", "]") else i + 1)
            if end == -1:
                out.append(re.escape(char))
                i += 1
                continue
            body = pattern[i + 1 : end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end + 1
        elif char == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(char))
            i += 1
    body = "".join(out)
    return body if anchored else f"(?:.*/)?{body}"


def parse_gitignore(text: str, base: str) -> list[IgnoreRule]:
    rules: list[IgnoreRule] = []
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if not line or line.startswith("#"):
            continue
        # Trailing spaces are ignored unless escaped.
        stripped = line.rstrip(" ")
        if stripped.endswith("\\") and len(stripped) < len(line):
            stripped += " "
        line = stripped
        negated = line.startswith("!")
        if negated or line.startswith(("\\!", "\\#")):
            line = line[1:]
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        try:
            regex = re.compile(_translate(line) + r"\Z", re.DOTALL)
        except re.error:
            continue  # git ignores patterns it cannot use; so do we
        rules.append(IgnoreRule(base, regex, negated, dir_only))
    return rules


class Ignorer:
    """Accumulates the rules of the ``.gitignore`` files met while walking."""

    def __init__(self) -> None:
        self.rules: list[IgnoreRule] = []

    def add(self, text: str, base: str) -> None:
        self.rules.extend(parse_gitignore(text, base))

    def ignored(self, rel: str, is_dir: bool) -> bool:
        """Whether ``rel`` (POSIX, relative to the walk's root) is ignored."""
        verdict = False
        for rule in self.rules:
            if rule.dir_only and not is_dir:
                continue
            if rule.base:
                if not rel.startswith(rule.base + "/"):
                    continue
                sub = rel[len(rule.base) + 1 :]
            else:
                sub = rel
            if rule.regex.match(sub):
                verdict = not rule.negated
        return verdict

    def copy(self) -> Ignorer:
        """A copy for a subtree (rules added under it do not leak to siblings)."""
        copy = Ignorer()
        copy.rules = list(self.rules)
        return copy
