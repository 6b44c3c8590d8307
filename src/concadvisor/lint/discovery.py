"""Finding the configuration files to lint under the given paths.

A directory is walked for ``pyproject.toml`` and ``concadvisor.toml``, skipping VCS
directories, virtualenvs (any directory holding ``pyvenv.cfg``), ``node_modules``, caches
and whatever the ``.gitignore`` files of the repository ignore.  Directory symlinks are not
followed (no loops).  A file named explicitly is linted whatever its name and whether or not
it is ignored.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from .gitignore import Ignorer

__all__ = [
    "CONFIG_NAMES",
    "SKIP_DIRS",
    "discover",
    "project_config",
    "project_root_above",
    "repo_root",
]

CONFIG_NAMES = frozenset({"pyproject.toml", "concadvisor.toml"})
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".bzr",
        "node_modules",
        "__pycache__",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".eggs",
        "site-packages",
    }
)


def repo_root(start: Path) -> Path | None:
    """The nearest directory at or above ``start`` that holds ``.git``."""
    for directory in (start, *start.parents):
        try:
            if (directory / ".git").exists():
                return directory
        except OSError:  # an ancestor we may not look into: no repository we can use
            return None
    return None


def project_config(directory: Path) -> Path | None:
    """The configuration file of ``directory``, if it has one: ``concadvisor.toml``, else a
    ``pyproject.toml`` with a ``[tool.concadvisor]`` table (as ruff looks for its own)."""
    for name in ("concadvisor.toml", "pyproject.toml"):
        candidate = directory / name
        try:
            if not candidate.is_file():
                continue
            if name == "concadvisor.toml":
                return candidate
            with candidate.open("rb") as handle:
                head = handle.read(_MAX_PYPROJECT)
        except OSError:
            continue
        if _TOOL_TABLE.search(head):
            return candidate
    return None


#: ``[tool.concadvisor]``, ``[tool.concadvisor.tasks.x]`` or ``tool.concadvisor.x = ...``
#: at the start of a line: cheap to find without parsing the whole file.
_TOOL_TABLE = re.compile(rb"^[ \t]*(?:\[[ \t]*)?tool[ \t]*\.[ \t]*[\"']?concadvisor\b", re.M)
_MAX_PYPROJECT = 1 << 20


def project_root_above(start: Path) -> Path | None:
    """The nearest directory at or above ``start`` with a configuration file (None: none)."""
    start = Path(os.path.abspath(start))
    for directory in (start, *start.parents):
        if project_config(directory) is not None:
            return directory
    return None


def _read_gitignore(directory: Path) -> str | None:
    try:
        return (directory / ".gitignore").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _is_virtualenv(directory: Path) -> bool:
    try:
        return (directory / "pyvenv.cfg").exists()
    except OSError:  # unreadable: not known to be one; listing it reports the problem
        return False


def _working_directory() -> str | None:
    try:
        return os.getcwd()
    except OSError:  # deleted (or made unreadable) under our feet
        return None


def _rel(path: Path, anchor: Path) -> str:
    rel = os.path.relpath(path, anchor)
    return "" if rel == "." else Path(rel).as_posix()


def _walk(
    root: Path, files: list[Path], errors: list[str], sources: list[Path] | None = None
) -> None:
    root = Path(os.path.abspath(root))
    anchor = repo_root(root) or root
    ignorer = Ignorer()
    # The .gitignore files between the repository's root and the walk's root apply too.
    for directory in reversed([root, *root.parents]):
        if directory == root or not directory.is_relative_to(anchor):
            continue
        text = _read_gitignore(directory)
        if text is not None:
            ignorer.add(text, _rel(directory, anchor))
    stack: list[tuple[Path, Ignorer]] = [(root, ignorer)]
    while stack:
        directory, rules = stack.pop()
        text = _read_gitignore(directory)
        if text is not None:
            rules = rules.copy()
            rules.add(text, _rel(directory, anchor))
        try:
            with os.scandir(directory) as scan:
                entries = sorted(scan, key=lambda e: e.name)
        except OSError as exc:
            errors.append(f"{directory}: cannot list ({exc.strerror or type(exc).__name__})")
            continue
        subdirs: list[tuple[Path, Ignorer]] = []
        for entry in entries:
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                if entry.name in SKIP_DIRS or _is_virtualenv(path):
                    continue
                if rules.ignored(_rel(path, anchor), is_dir=True):
                    continue
                subdirs.append((path, rules))
            elif entry.name in CONFIG_NAMES and not rules.ignored(_rel(path, anchor), is_dir=False):
                files.append(path)
            elif (
                sources is not None
                and entry.name.endswith(".py")
                and not rules.ignored(_rel(path, anchor), is_dir=False)
            ):
                sources.append(path)
        stack.extend(reversed(subdirs))


def discover(
    paths: Sequence[str], sources: list[Path] | None = None
) -> tuple[list[Path], list[str]]:
    """The configuration files under ``paths`` (sorted, no duplicates) and the paths that
    cannot be used, as one-line messages; with ``sources``, the Python files found by the
    same walk (and ``.py`` files named explicitly) are appended to it, sorted."""
    files: list[Path] = []
    errors: list[str] = []
    cwd = _working_directory()
    for raw in paths:
        path = Path(raw)
        if cwd is None and not path.is_absolute():
            errors.append(f"{raw}: cannot resolve: the working directory no longer exists")
            continue
        try:
            is_dir = path.is_dir()
            exists = is_dir or path.exists() or path.is_symlink()
        except OSError as exc:
            errors.append(f"{raw}: cannot read ({exc.strerror or type(exc).__name__})")
            continue
        if not exists:
            errors.append(f"{raw}: no such file or directory")
        elif is_dir:
            _walk(path, files, errors, sources)
        elif sources is not None and path.suffix == ".py":
            sources.append(Path(os.path.abspath(path)))
        else:
            files.append(Path(os.path.abspath(path)))
    unique: dict[str, Path] = {}
    for file in files:
        key = os.path.normcase(os.path.abspath(file))
        unique.setdefault(key, file)
    if sources is not None:
        sources[:] = sorted({os.path.normcase(s): s for s in sources}.values())
    return sorted(unique.values()), errors
