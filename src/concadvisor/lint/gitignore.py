"""A ``.gitignore`` matcher for discovery: the pattern syntax of gitignore(5), in linear time.

Supported: comments and blank lines, ``!`` negation, trailing ``/`` (directories only),
patterns anchored by a ``/`` (at the start or in the middle), ``*``, ``?``, ``[...]`` (with
``!`` or ``^`` negation and ranges), ``\\`` escapes, and ``**`` (leading ``**/``, trailing
``/**``, middle ``/**/``; any other ``**`` is an ordinary ``*``, as in git).  The last
matching pattern wins; patterns of a deeper ``.gitignore`` come later.  As in git, nothing
inside an ignored directory is looked at (discovery prunes it).

Why not regular expressions (or ``pathspec``, which compiles to them): a pattern such as
``*a*a*a*a*a*a*a*a*a*a*a*a*b`` makes a backtracking regex engine take exponential time on a
name of forty ``a``, so one line of a repository's ``.gitignore`` could hang ``lint``.  Here
a pattern is a list of path segments, each a list of tokens, and both levels are matched with
the classic greedy wildcard algorithm (on a mismatch, resume after the last star, one step
further): at most ``len(pattern) * len(path)`` steps.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["IgnoreRule", "Ignorer", "glob_match", "parse_gitignore"]


@dataclass(frozen=True, slots=True)
class _Class:
    """``[...]``: single characters and ranges, possibly negated; never matches ``/``."""

    items: tuple[tuple[str, str], ...]  # inclusive ranges; a single character is (c, c)
    negated: bool

    def matches(self, char: str) -> bool:
        inside = any(low <= char <= high for low, high in self.items)
        return inside != self.negated


_STAR = "*"  # a token: any run of characters within one segment
_ANY = "?"  # a token: any one character


@dataclass(frozen=True, slots=True)
class _Literal:
    """A literal character, wrapped so that it never equals :data:`_STAR` or :data:`_ANY`."""

    char: str


Segment = tuple["str | _Literal | _Class", ...]
_GLOBSTAR: Segment = (_STAR, _STAR)  # a whole ``**`` segment: any number of segments


def _parse_class(pattern: str, start: int) -> tuple[_Class, int] | None:
    """The class opened at ``pattern[start] == '['`` and the index after it; None if unclosed."""
    i = start + 1
    negated = i < len(pattern) and pattern[i] in "!^"
    if negated:
        i += 1
    items: list[tuple[str, str]] = []
    first = True
    while i < len(pattern):
        char = pattern[i]
        if char == "]" and not first:
            return _Class(tuple(items), negated), i + 1
        first = False
        if char == "\\" and i + 1 < len(pattern):
            i += 1
            char = pattern[i]
        if pattern.startswith("-", i + 1) and i + 2 < len(pattern) and pattern[i + 2] != "]":
            high = pattern[i + 2]
            if high == "\\" and i + 3 < len(pattern):
                high = pattern[i + 3]
                i += 1
            items.append((char, high))
            i += 3
        else:
            items.append((char, char))
            i += 1
    return None


def _tokens(segment: str) -> Segment:
    out: list[str | _Literal | _Class] = []
    i = 0
    while i < len(segment):
        char = segment[i]
        if char == "*":
            if not out or out[-1] != _STAR:  # runs of stars are one star
                out.append(_STAR)
            i += 1
        elif char == "?":
            out.append(_ANY)
            i += 1
        elif char == "[" and (parsed := _parse_class(segment, i)) is not None:
            out.append(parsed[0])
            i = parsed[1]
        elif char == "\\" and i + 1 < len(segment):
            out.append(_Literal(segment[i + 1]))
            i += 2
        else:
            out.append(_Literal(char))
            i += 1
    return tuple(out)


def _token_matches(token: str | _Literal | _Class, char: str) -> bool:
    if isinstance(token, _Literal):
        return token.char == char
    if isinstance(token, _Class):
        return char != "/" and token.matches(char)
    return token == _ANY


def _segment_matches(tokens: Segment, name: str) -> bool:
    """Greedy wildcard matching of one path segment: O(len(tokens) * len(name))."""
    t = n = 0
    star_t, star_n = -1, 0
    while n < len(name):
        if t < len(tokens) and tokens[t] == _STAR:
            star_t, star_n = t, n
            t += 1
        elif t < len(tokens) and _token_matches(tokens[t], name[n]):
            t += 1
            n += 1
        elif star_t >= 0:
            star_n += 1
            t, n = star_t + 1, star_n
        else:
            return False
    while t < len(tokens) and tokens[t] == _STAR:
        t += 1
    return t == len(tokens)


def _path_matches(segments: tuple[Segment, ...], parts: list[str]) -> bool:
    """The same algorithm one level up: a ``**`` segment stands for any run of segments."""
    s = p = 0
    star_s, star_p = -1, 0
    while p < len(parts):
        if s < len(segments) and segments[s] == _GLOBSTAR:
            star_s, star_p = s, p
            s += 1
        elif s < len(segments) and _segment_matches(segments[s], parts[p]):
            s += 1
            p += 1
        elif star_s >= 0:
            star_p += 1
            s, p = star_s + 1, star_p
        else:
            return False
    while s < len(segments) and segments[s] == _GLOBSTAR:
        s += 1
    return s == len(segments)


def _compile(pattern: str) -> tuple[Segment, ...]:
    """A gitignore pattern (no ``!``, no trailing ``/``) -> segments relative to its base."""
    anchored = "/" in pattern
    pieces = pattern.lstrip("/").split("/")
    segments: list[Segment] = []
    for index, piece in enumerate(pieces):
        if piece == "**":
            if segments and segments[-1] == _GLOBSTAR:
                segments.pop()  # "**/**" is one "**"
            if index == len(pieces) - 1 and segments:
                # trailing "/**": everything inside, not the directory itself
                segments.append(_tokens("*"))
            segments.append(_GLOBSTAR)
        else:
            segments.append(_tokens(piece))
    if not anchored:
        segments.insert(0, _GLOBSTAR)
    return tuple(segments)


def glob_match(pattern: str, path: str) -> bool:
    """Whether the gitignore ``pattern`` matches ``path`` (POSIX, relative to its base)."""
    return _path_matches(_compile(pattern), path.split("/"))


@dataclass(frozen=True, slots=True)
class IgnoreRule:
    base: str  # directory of the .gitignore, POSIX, relative to the walk's root ("" = root)
    segments: tuple[Segment, ...]
    negated: bool
    dir_only: bool

    def matches(self, sub: str) -> bool:
        return _path_matches(self.segments, sub.split("/"))


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
        rules.append(IgnoreRule(base, _compile(line), negated, dir_only))
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
            if rule.matches(sub):
                verdict = not rule.negated
        return verdict

    def copy(self) -> Ignorer:
        """A copy for a subtree (rules added under it do not leak to siblings)."""
        copy = Ignorer()
        copy.rules = list(self.rules)
        return copy
