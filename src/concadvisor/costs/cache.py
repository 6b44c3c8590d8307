"""Where calibrations are kept: one JSON file per machine + interpreter.

The directory is ``$CONCADVISOR_CACHE_DIR`` if set, else the platform's user cache
directory: ``$XDG_CACHE_HOME/concadvisor`` or ``~/.cache/concadvisor`` (Linux and other
Unixes), ``~/Library/Caches/concadvisor`` (macOS), ``%LOCALAPPDATA%\\concadvisor\\Cache``
(Windows).  Ten lines instead of a ``platformdirs`` dependency.

The file is named after the fingerprint (``costs-<fingerprint>.json``), so several
interpreters on one machine keep their own figures; its content is a
:class:`~concadvisor.costs.document.CalibrationDocument` (typed, versioned).

Reading never fails and never blocks: every command reads this file (``advise`` too), so
it opens it without blocking, reads only a regular file of at most
:data:`MAX_CACHE_BYTES`, and validates the content.  A missing file means "use the
defaults"; anything else unusable (a FIFO, a device, a huge or corrupt file, another
machine's figures) is ignored with one :class:`CalibrationCacheWarning` line.
"""

from __future__ import annotations

import os
import stat
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from .machine import MachineCosts, machine_fingerprint

if TYPE_CHECKING:  # imported where a file is read: every command looks, few find one
    from .document import CalibrationDocument

__all__ = [
    "MAX_CACHE_BYTES",
    "CalibrationCacheWarning",
    "cache_dir",
    "cache_path",
    "check_writable",
    "load_cache_document",
    "load_cached_costs",
    "save_cache_document",
]

#: A calibration document is a few kilobytes; a larger file is not one.
MAX_CACHE_BYTES = 1 << 20


class CalibrationCacheWarning(UserWarning):
    """The calibration cache exists but cannot be used; built-in defaults apply."""


class _Unusable(Exception):
    """Why the cache file cannot be used (the warning's text)."""


def cache_dir() -> Path:
    """The directory that holds calibration files (not created here)."""
    override = os.environ.get("CONCADVISOR_CACHE_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        root = Path(base) if base else Path.home() / "AppData" / "Local"
        return root / "concadvisor" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "concadvisor"
    xdg = os.environ.get("XDG_CACHE_HOME")
    root = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return root / "concadvisor"


def cache_path(fingerprint: str | None = None) -> Path:
    """The calibration file of this machine + interpreter (or of ``fingerprint``)."""
    return cache_dir() / f"costs-{fingerprint or machine_fingerprint()}.json"


def _ignore(path: Path, why: str) -> None:
    # warn_explicit with line 0: the warning prints as one line (no source line is quoted),
    # which is how a CLI run should show it; under `-W error` it raises like any warning.
    warnings.warn_explicit(
        f"ignoring calibration cache {path}: {why}; using built-in defaults "
        "(run 'concadvisor calibrate' to measure this machine)",
        CalibrationCacheWarning,
        filename="concadvisor",
        lineno=0,
    )


def _read_bounded(path: Path) -> bytes | None:
    """The bytes of ``path`` if it is a regular file of at most :data:`MAX_CACHE_BYTES`;
    None if it does not exist.  Never blocks: a FIFO is opened non-blocking and rejected
    by its type before anything is read."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _Unusable(f"cannot open it ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _Unusable("not a regular file")
        if info.st_size > MAX_CACHE_BYTES:
            raise _Unusable(f"larger than {MAX_CACHE_BYTES} bytes")
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_CACHE_BYTES:  # the file may grow while it is read
            chunk = os.read(fd, MAX_CACHE_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise _Unusable(f"cannot read it ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if size > MAX_CACHE_BYTES:
        raise _Unusable(f"larger than {MAX_CACHE_BYTES} bytes")
    return b"".join(chunks)


def _parse(raw: bytes, fingerprint: str) -> CalibrationDocument:
    """The validated document in ``raw``; raises :class:`_Unusable` saying what is wrong."""
    import json

    from pydantic import ValidationError

    from .document import CACHE_FORMAT, CalibrationDocument

    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise _Unusable("not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise _Unusable(f"not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except (ValueError, RecursionError) as exc:  # e.g. an integer of 5000 digits
        raise _Unusable(f"not valid JSON ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise _Unusable("not a JSON object")
    if data.get("format") != CACHE_FORMAT:
        raise _Unusable(f"format {data.get('format')!r}, expected {CACHE_FORMAT}")
    if data.get("fingerprint") != fingerprint:
        raise _Unusable("it was measured on another machine or interpreter")
    try:
        document = CalibrationDocument.from_data(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "document"
        raise _Unusable(f"invalid {where}: {first['msg']}") from None
    if document.costs.source != "calibrated" or document.costs.fingerprint != fingerprint:
        raise _Unusable("its costs are not a calibration of this machine")
    return document


def load_cache_document(path: Path | None = None) -> CalibrationDocument | None:
    """The cached calibration, None if there is none; warns (once) if it is unusable."""
    fingerprint = machine_fingerprint()
    path = path or cache_path(fingerprint)
    try:
        raw = _read_bounded(path)
        return None if raw is None else _parse(raw, fingerprint)
    except _Unusable as exc:
        _ignore(path, str(exc))
        return None


def load_cached_costs(path: Path | None = None) -> MachineCosts | None:
    """This machine's calibrated costs, or None (no cache, or an unusable one: warned)."""
    document = load_cache_document(path)
    return None if document is None else document.costs


def check_writable(path: Path) -> None:
    """Raise :class:`OSError` unless ``path`` can be written by :func:`save_cache_document`:
    its directory exists (it is created) and accepts a new file, and ``path`` itself is
    absent or a regular file.  Run before measuring, so that no measurement is lost."""
    import tempfile  # only calibrate writes the cache; every command reads it

    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        info = path.stat()
    except FileNotFoundError:
        pass
    else:
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"{path} exists and is not a regular file")
    fd, probe = tempfile.mkstemp(prefix=".costs-", suffix=".probe", dir=path.parent)
    os.close(fd)
    Path(probe).unlink()


def save_cache_document(document: CalibrationDocument, path: Path | None = None) -> Path:
    """Write ``document`` atomically (temporary file + rename); returns the path."""
    path = path or cache_path(document.fingerprint)
    path.parent.mkdir(parents=True, exist_ok=True)
    import tempfile  # only calibrate writes the cache; every command reads it

    fd, tmp = tempfile.mkstemp(prefix=".costs-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(document.to_json())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
