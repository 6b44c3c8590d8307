"""Zero-configuration recall of ``concadvisor lint`` on flake8-async's blocking-call fixtures.

    python benchmarks/recall_flake8_async.py PATH/TO/flake8-async/tests/eval_files \
        [--ruff PATH] [--flake8-async PATH]

Fetches nothing: point it at a checkout of python-trio/flake8-async.  The eval files of the
blocking-call rules (ASYNC210-ASYNC251) are copied to a temporary directory with one line
of imports prepended (the fixtures call ``os.system`` or ``httpx.Client`` without importing
them; flake8-async matches names, concadvisor resolves imports), then linted with no
configuration.  An expected finding is a ``# ASYNCxxx:`` marker on a line; a line is
matched up to the number of markers it carries.  Findings on lines with no marker are
then split: a finding flake8-async itself reports there with all its blocking-call rules
enabled (each fixture enables only the rule it tests, so ``open()`` in the ASYNC232 file is
unmarked) is not counted against a tool; the rest are false positives.  The same is done,
on the same copies, for ``ruff check --select ASYNC`` and flake8-async when given.

False positives are printed twice: all of them, and those not in :data:`DISPUTED` -- calls
that do block although the fixture leaves them unmarked, each with its reason (the fixture's
own "not implemented" / "not handled" comments, or what the callee does).  The list applies
to every tool alike; a call that does not block is never put on it.  Recall is printed
twice too: of all the markers, and of those not in :data:`DISPUTED_MARKS` -- markers on calls
not known to block (flake8-async's own known false positives, pure string functions).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

FIXTURES = (
    "async210.py",
    "async211.py",
    "async212.py",
    "async22x.py",
    "async22x_asyncio.py",
    "async232.py",
    "async232_asyncio.py",
    "async23x.py",
    "async23x_asyncio.py",
    "async240.py",
    "async250.py",
    "async250_multi_library.py",
    "async251.py",
    "async251_multi_library.py",
)
#: One line, so every line number moves by exactly one.
PRELUDE = (
    "import io, os, os.path, subprocess, time, urllib, urllib.request, httpx, httpx2, "
    "requests, urllib3; from urllib import request; from urllib.request import urlopen; "
    "from typing import Optional  # added by recall_flake8_async.py\n"
)
_POOL_REQUEST = (
    "urllib3's PoolManager.request sends the request whatever its method argument (the "
    "fixture leaves out the url on every call, marked or not); flake8-async reports only a "
    "literal HTTP verb as the first argument"
)
#: (fixture, enclosing function, the call as written, why it blocks though unmarked).
DISPUTED: tuple[tuple[str, str, str, str], ...] = (
    *(
        ("async211.py", "foo", call, _POOL_REQUEST)
        for call in (
            "foo.request()",
            'foo.request(..., "PUT")',
            'foo.request("sPUTnik")',
            "foo.request(None)",
            "foo.request(put)",
            "foo.request(PUT)",
            'foo.request("REQUEST")',
        )
    ),
    (
        "async212.py",
        "foo_alias_import",
        "client.send()",
        "httpx.Client.send performs the request; the fixture says '# not implemented'",
    ),
    *(
        (
            name,
            "file_text_4_both",
            "f.read()",
            "f is annotated None | TextIOWrapper | None, a text file; the fixture says "
            "'# not handled'",
        )
        for name in ("async232.py", "async232_asyncio.py")
    ),
)
_PURE_PATH = (
    "computes on strings, no file-system access (relpath asks os.getcwd(), which waits on "
    "no disk or network); concadvisor leaves pure os.path functions out by design"
)
#: (fixture, enclosing function, the call as written, why it does not block though marked).
DISPUTED_MARKS: tuple[tuple[str, str, str, str], ...] = (
    *(
        (
            name,
            "implicit_overridden_type",
            "f.read()",
            "f was reassigned (from an unknown call, then 7): nothing shows a file; the "
            "fixture files these under 'Known unhandled cases', flake8-async's own false "
            "positives",
        )
        for name in ("async232.py", "async232_asyncio.py")
    ),
    *(
        ("async240.py", "foo", call, _PURE_PATH)
        for call in (
            'normpath("")',
            'relpath("")',
            "os.path._path_normpath(...)",
            'os.path.normpath("")',
            'os.path.relpath("")',
        )
    ),
)
_MARKER = re.compile(r"#\s*ASYNC(2\d\d)(?:_asyncio)?:")
_BLOCKING_CODES = "CA410,CA416,CA417,CA418,CA419"

Lines = Counter[tuple[str, int]]


def expected(copies: Path) -> tuple[Lines, dict[tuple[str, int], str]]:
    lines: Lines = Counter()
    rules: dict[tuple[str, int], str] = {}
    for path in sorted(copies.glob("*.py")):
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found = _MARKER.findall(text)
            if found:
                lines[(path.name, number)] += len(found)
                rules[(path.name, number)] = f"ASYNC{found[0]}"
    return lines, rules


def concadvisor_findings(copies: Path) -> Lines:
    proc = subprocess.run(
        [sys.executable, "-m", "concadvisor", "lint", "--format", "json",
         "--select", _BLOCKING_CODES, "."],
        cwd=copies, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode not in (0, 1):
        raise SystemExit(f"concadvisor lint failed ({proc.returncode}): {proc.stderr.strip()}")
    found: Lines = Counter()
    for finding in json.loads(proc.stdout)["findings"]:
        found[(Path(finding["path"]).name, finding["line"])] += 1
    return found


def ruff_findings(copies: Path, ruff: str) -> Lines:
    proc = subprocess.run(
        [ruff, "check", "--isolated", "--no-cache", "--select", "ASYNC",
         "--output-format", "json", "."],
        cwd=copies, capture_output=True, text=True, check=False,
    )  # fmt: skip
    found: Lines = Counter()
    for finding in json.loads(proc.stdout or "[]"):
        code = finding.get("code") or ""
        if code.startswith("ASYNC2"):  # the blocking-call rules only
            found[(Path(finding["filename"]).name, finding["location"]["row"])] += 1
    return found


def flake8_async_findings(copies: Path, flake8_async: str) -> Lines:
    proc = subprocess.run(
        [flake8_async, "--enable=ASYNC2", *sorted(p.name for p in copies.glob("*.py"))],
        cwd=copies, capture_output=True, text=True, check=False,
    )  # fmt: skip
    found: Lines = Counter()
    for line in proc.stdout.splitlines():
        match = re.match(r"([^:]+):(\d+):\d+: ASYNC2", line)
        if match:
            found[(Path(match.group(1)).name, int(match.group(2)))] += 1
    return found


def disputed_lines(
    copies: Path, table: tuple[tuple[str, str, str, str], ...]
) -> dict[tuple[str, int], str]:
    """The lines of ``table`` (:data:`DISPUTED`, :data:`DISPUTED_MARKS`) in the copies, with
    their reasons."""
    wanted = {(name, function, call): reason for name, function, call, reason in table}
    found: dict[tuple[str, int], str] = {}
    for path in sorted(copies.glob("*.py")):
        function = ""
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            header = re.match(r"\s*(?:async\s+)?def\s+(\w+)", text)
            if header:
                function = header.group(1)
            reason = wanted.get((path.name, function, text.split("#")[0].strip()))
            if reason is not None:
                found[(path.name, number)] = reason
    missing = set(wanted.values()) - set(found.values())
    if missing:
        raise SystemExit(f"disputed calls not found in the fixtures (changed?): {missing}")
    return found


def score(
    name: str,
    want: Lines,
    rules: dict[tuple[str, int], str],
    got: Lines,
    oracle: Lines,
    disputed: dict[tuple[str, int], str],
    disputed_marks: dict[tuple[str, int], str],
) -> None:
    total = sum(want.values())
    hits = sum(min(count, got[key]) for key, count in want.items())
    kept = {key: count for key, count in want.items() if key not in disputed_marks}
    kept_hits = sum(min(count, got[key]) for key, count in kept.items())
    kept_total = sum(kept.values())
    unmarked = {key: count for key, count in got.items() if key not in want}
    agreed = sum(count for key, count in unmarked.items() if oracle[key])
    false = {key: count for key, count in unmarked.items() if not oracle[key]}
    argued = sum(count for key, count in false.items() if key in disputed)
    print(
        f"{name}: recall {hits}/{total} = {hits / total:.1%}; on unmarked lines: "
        f"{agreed} that flake8-async (all rules) also reports, {sum(false.values())} false "
        f"positives ({sum(false.values()) - argued} undisputed, {argued} disputed)"
    )
    print(
        f"  recall of the undisputed markers {kept_hits}/{kept_total} = "
        f"{kept_hits / kept_total:.1%}"
    )
    per_rule: dict[str, list[int]] = {}
    for key, count in want.items():
        entry = per_rule.setdefault(rules[key], [0, 0])
        entry[0] += min(count, got[key])
        entry[1] += count
    print("  " + "  ".join(f"{rule} {h}/{t}" for rule, (h, t) in sorted(per_rule.items())))


def _print_disputed(title: str, lines: dict[tuple[str, int], str]) -> None:
    print(f"{title}:")
    by_reason: dict[str, list[str]] = {}
    for (name, line), reason in sorted(lines.items()):
        by_reason.setdefault(reason, []).append(f"{name}:{line - 1}")  # the fixture's line
    for reason, where in by_reason.items():
        print(f"  {', '.join(where)}: {reason}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("eval_files", type=Path, help="flake8-async's tests/eval_files")
    parser.add_argument("--ruff", help="ruff executable to compare with")
    parser.add_argument("--flake8-async", dest="flake8_async", help="flake8-async executable")
    parser.add_argument("--show", action="store_true", help="list misses and extra findings")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="recall-") as tmp:
        copies = Path(tmp)
        for name in FIXTURES:
            source = args.eval_files / name
            if not source.is_file():
                print(f"missing fixture {source}", file=sys.stderr)
                return 2
            (copies / name).write_text(PRELUDE + source.read_text(encoding="utf-8"), "utf-8")
        want, rules = expected(copies)
        disputed = disputed_lines(copies, DISPUTED)
        marks = disputed_lines(copies, DISPUTED_MARKS)
        ours = concadvisor_findings(copies)
        flake8_async = args.flake8_async or shutil.which("flake8-async")
        oracle = flake8_async_findings(copies, flake8_async) if flake8_async else Counter()
        score("concadvisor", want, rules, ours, oracle, disputed, marks)
        if args.show:
            for key in sorted(set(want) | set(ours)):
                if want[key] != ours[key]:
                    extra = " (flake8-async agrees)" if oracle[key] and not want[key] else ""
                    print(f"  {key[0]}:{key[1]} expected {want[key]} got {ours[key]}{extra}")
        ruff = args.ruff or shutil.which("ruff")
        if ruff:
            score("ruff", want, rules, ruff_findings(copies, ruff), oracle, disputed, marks)
        if flake8_async:
            score("flake8-async", want, rules, oracle, oracle, disputed, marks)
        _print_disputed("disputed (they block, though the fixtures leave them unmarked)", disputed)
        _print_disputed("disputed markers (the calls are not known to block)", marks)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
