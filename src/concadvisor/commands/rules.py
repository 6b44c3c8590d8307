"""``concadvisor rules``: list, explain, or write the reference of every code (and of the
guidance sections G1-G13 they cite)."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from ..registry import all_codes, get_code
from ..validation import did_you_mean
from . import UsageError

_GUIDANCE_ID = re.compile(r"\s*[Gg]\d+\s*")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "code", nargs="?", metavar="CODE", help="a code such as CA103, or a guidance id such as G4"
    )
    parser.add_argument(
        "--guidance", action="store_true", help="list the guidance sections G1-G13 the codes cite"
    )
    parser.add_argument(
        "--markdown",
        action="store_true",
        help="print the Markdown reference (the content of docs/rules.md)",
    )
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="with --markdown: write to FILE"
    )
    parser.add_argument("--json", action="store_true", help="print the codes as JSON")


def run(args: argparse.Namespace) -> int:
    if args.guidance or (args.code is not None and _GUIDANCE_ID.fullmatch(args.code)):
        return _run_guidance(args)
    codes = all_codes()
    if args.code is not None:
        code = get_code(args.code)
        if code is None:
            typed = args.code.strip().upper()
            lookalike = typed.translate(str.maketrans("OIL", "011"))
            ids = [c.id for c in codes]
            hint = f" (did you mean '{lookalike}'?)" if lookalike in ids else ""
            hint = hint or did_you_mean(typed, ids)
            raise UsageError(f"unknown code {args.code!r}{hint}; 'concadvisor rules' lists them")
        codes = (code,)
    if args.output is not None and not args.markdown:
        raise UsageError("--output needs --markdown")
    if args.json:
        import json

        fields = ("id", "name", "title", "guidance", "rationale", "example", "effect", "kind")
        payload = [{f: getattr(c, f) for f in fields} for c in codes]
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return 0
    if args.markdown:
        from ..ruledocs import code_markdown, reference_markdown

        text = code_markdown(codes[0], "#") if args.code else reference_markdown()
        _emit(text, args.output)
        return 0
    from ..render import make_console, render_code, render_code_list

    console = make_console()
    if args.code is not None:
        render_code(console, codes[0])
    else:
        render_code_list(console, codes)
    return 0


def _run_guidance(args: argparse.Namespace) -> int:
    """``rules G4`` and ``rules --guidance``: the sections of concadvisor.guidance."""
    from ..guidance import SECTIONS, get_section, guidance_markdown, section_markdown

    sections = SECTIONS
    if args.code is not None:
        found = get_section(args.code)
        if found is None:
            raise UsageError(
                f"unknown guidance section {args.code!r} (G1-G{len(SECTIONS)}); "
                "'concadvisor rules --guidance' lists them"
            )
        sections = (found,)
    if args.output is not None and not args.markdown:
        raise UsageError("--output needs --markdown")
    if args.json:
        import json

        fields = ("id", "title", "claim", "correction")
        payload = [{f: getattr(s, f) for f in fields} for s in sections]
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return 0
    one = args.code is not None
    text = section_markdown(sections[0], "#") if one else guidance_markdown()
    if args.markdown:
        _emit(text, args.output)
        return 0
    from rich.markdown import Markdown
    from rich.table import Table

    from ..render import make_console

    console = make_console()
    if one:
        console.print(Markdown(text))
        return 0
    table = Table(show_edge=False)
    table.add_column("id")
    table.add_column("section")
    table.add_column("corrected")
    for section in SECTIONS:
        table.add_row(section.id, section.title, "yes" if section.correction else "")
    console.print(table)
    console.print(f"\n{len(SECTIONS)} sections. 'concadvisor rules G4' prints one.")
    return 0


def _emit(text: str, output: Path | None) -> None:
    """Markdown to ``output`` (``-o FILE``), else to stdout."""
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
