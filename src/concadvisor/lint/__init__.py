"""``concadvisor lint``: check declared task profiles, and the code they point at.

>>> from concadvisor.lint import lint_paths, LintOptions
>>> result = lint_paths(["."], LintOptions(fail_on="error"))   # doctest: +SKIP
>>> for d in result.diagnostics: print(d.location, d.code, d.message)  # doctest: +SKIP

Modules, one job each: :mod:`.discovery` (which files), :mod:`.document` (read + parse),
:mod:`.tomlpos` (where each key is written), :mod:`.settings` (select/ignore/fail-on),
:mod:`.profiles` (CA30x-CA32x), :mod:`.targets` + :mod:`.codechecks` (CA40x-CA41x),
:mod:`.probing` (CA35x), :mod:`.runner` (a whole run), :mod:`.formatters` (output),
:mod:`.codes` (the documentation of every code).
"""

from __future__ import annotations

from .codes import CODES, LintCode
from .diagnostics import Diagnostic, LintResult, Location
from .runner import LintOptions, lint_paths

__all__ = [
    "CODES",
    "Diagnostic",
    "LintCode",
    "LintOptions",
    "LintResult",
    "Location",
    "lint_paths",
]
