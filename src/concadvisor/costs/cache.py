"""Where calibrations are kept: one JSON file per machine + interpreter.

The directory is ``$CONCADVISOR_CACHE_DIR`` if set, else the platform's user cache
directory: ``$XDG_CACHE_HOME/concadvisor`` or ``~/.cache/concadvisor`` (Linux and other
Unixes), ``~/Library/Caches/concadvisor`` (macOS), ``%LOCALAPPDATA%\\concadvisor\\Cache``
(Windows).  Ten lines instead of a ``platformdirs`` dependency.

The file is named after the fingerprint (``costs-<fingerprint>.json``), so several
interpreters on one machine keep their own figures, and it is versioned (``"format"``).
Reading never fails: a missing file means "use the defaults"; a corrupt, foreign or
outdated one is ignored with a :class:`CalibrationCacheWarning`.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .machine import MachineCosts, machine_fingerprint

__all__ = [
    "CACHE_FORMAT",
    "CalibrationCacheWarning",
    "cache_dir",
    "cache_path",
    "load_cache_document",
    "load_cached_costs",
    "save_cache_document",
]

#: Version of the cache file's layout; a file with another version is ignored.
CACHE_FORMAT = 1


class CalibrationCacheWarning(UserWarning):
    """The calibration cache exists but cannot be used; built-in defaults apply."""


class _CachedMeasurement(BaseModel):
    """One entry of the document's ``measurements``, as ``calibrate --show`` reads it."""

    # Built on first use: most runs have no cache file to check.
    model_config = ConfigDict(extra="allow", strict=True, defer_build=True)

    label: str
    unit: str
    median: float
    mad: float
    min: float
    max: float
    samples: int
    noisy: bool = False


class _CachedDocument(BaseModel):
    """The parts of a cache document besides ``costs`` that are read back."""

    # Built on first use: most runs have no cache file to check.
    model_config = ConfigDict(extra="allow", strict=True, defer_build=True)

    measurements: list[_CachedMeasurement] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)
    cpus: int | None = None
    gil_enabled: bool = False
    measured_at: str | None = None


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


def load_cache_document(path: Path | None = None) -> dict[str, Any] | None:
    """The cached calibration document, None if there is none; warns if it is unusable."""
    fingerprint = machine_fingerprint()
    path = path or cache_path(fingerprint)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        _ignore(path, f"cannot read it ({exc})")
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        _ignore(path, f"not valid JSON ({exc.msg} at line {exc.lineno})")
        return None
    except RecursionError:
        _ignore(path, "not valid JSON (nested too deeply)")
        return None
    if not isinstance(data, dict):
        _ignore(path, "not a JSON object")
        return None
    if data.get("format") != CACHE_FORMAT:
        _ignore(path, f"format {data.get('format')!r}, expected {CACHE_FORMAT}")
        return None
    if data.get("fingerprint") != fingerprint:
        _ignore(path, "it was measured on another machine or interpreter")
        return None
    try:
        costs = MachineCosts.model_validate(data.get("costs"))
        _CachedDocument.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "costs"
        _ignore(path, f"invalid {where}: {first['msg']}")
        return None
    if costs.source != "calibrated" or costs.fingerprint != fingerprint:
        _ignore(path, "its costs are not a calibration of this machine")
        return None
    return data


def load_cached_costs(path: Path | None = None) -> MachineCosts | None:
    """This machine's calibrated costs, or None (no cache, or an unusable one: warned)."""
    data = load_cache_document(path)
    if data is None:
        return None
    return MachineCosts.model_validate(data["costs"])


def save_cache_document(data: dict[str, Any], path: Path | None = None) -> Path:
    """Write ``data`` atomically (temporary file + rename); returns the path."""
    path = path or cache_path(str(data.get("fingerprint") or "") or None)
    path.parent.mkdir(parents=True, exist_ok=True)
    import tempfile  # only calibrate writes the cache; every command reads it

    fd, tmp = tempfile.mkstemp(prefix=".costs-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
