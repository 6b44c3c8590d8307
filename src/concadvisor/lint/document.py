"""Reading one configuration file: bytes -> TOML data + key positions, or a CA301 finding."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..toml_input import TomlInputError, parse_toml
from .codes import CA301
from .diagnostics import Diagnostic, Location
from .tomlpos import KeyPath, KeyPositions, scan_positions

__all__ = ["MAX_BYTES", "ConfigFile", "InputError", "display_path", "load_config"]

#: Larger files are reported (CA301) instead of parsed: nobody writes 16 MiB of profiles.
#: The other bounds on what is parsed (dotted keys, integer literals) are in
#: :mod:`concadvisor.toml_input`.
MAX_BYTES = 16 * 1024 * 1024


class InputError(Exception):
    """An input that cannot be read at all (exit code 2), with a one-line message."""


def display_path(path: Path, base: Path | None = None) -> str:
    """``path`` relative to ``base`` (default: the working directory) when inside it, POSIX."""
    try:
        base = base or Path.cwd()
        rel = os.path.relpath(path, base)
    except ValueError:  # another drive on Windows
        return path.as_posix()
    except OSError:  # the working directory was deleted
        return path.as_posix()
    if rel.startswith(".."):
        return Path(os.path.abspath(path)).as_posix()
    return Path(rel).as_posix()


@dataclass(frozen=True, slots=True)
class ConfigFile:
    """A parsed configuration file.  ``root`` is where concadvisor's keys live in ``data``."""

    path: Path
    display: str
    kind: Literal["pyproject", "concadvisor"]
    data: dict[str, Any]
    positions: KeyPositions
    #: The file's text (for noqa comments and the ends of findings).
    text: str = ""

    @property
    def root(self) -> KeyPath:
        return ("tool", "concadvisor") if self.kind == "pyproject" else ()

    def location(self, path: KeyPath) -> Location:
        """Where the key ``self.root + path`` is written (or its nearest parent)."""
        line, column = self.positions.find((*self.root, *path))
        return Location(self.display, line, column)


def _read(path: Path) -> bytes:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{path}: not a regular file")
        if info.st_size > MAX_BYTES:
            return b""  # reported by the caller from the size
        with path.open("rb") as handle:
            return handle.read(MAX_BYTES + 1)
    except InputError:
        raise
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError(f"{path}: cannot read ({reason})") from None


def load_config(path: Path, display: str) -> ConfigFile | Diagnostic:
    """Parse ``path``; a file that is not valid TOML is a CA301 finding.

    Raises :class:`InputError` when the file cannot be read at all.
    """
    kind: Literal["pyproject", "concadvisor"] = (
        "pyproject" if path.name == "pyproject.toml" else "concadvisor"
    )
    size = _size(path)
    if size > MAX_BYTES:
        return CA301.finding(
            Location(display, 1, 1),
            problem=f"file too large to lint ({size} bytes, limit {MAX_BYTES})",
        )
    raw = _read(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return CA301.finding(
            Location(display, line, column),
            problem=f"not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
        )
    try:
        data = parse_toml(text)
    except TomlInputError as exc:
        return CA301.finding(Location(display, exc.line, exc.column), problem=exc.message)
    return ConfigFile(path, display, kind, data, scan_positions(text), text)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError(f"{path}: cannot read ({reason})") from None
