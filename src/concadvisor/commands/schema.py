"""``concadvisor schema``: the TaskProfile JSON schema, for editors and validators."""

from __future__ import annotations

import argparse
import json
import sys

from ..schema import profile_schema

#: More indentation than this is no longer a layout, only output (and past the index range,
#: an OverflowError).
MAX_INDENT = 64


def _indent(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if not 0 <= value <= MAX_INDENT:
        raise argparse.ArgumentTypeError(
            f"expected an integer from 0 to {MAX_INDENT}, got {text!r}"
        )
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--for",
        dest="kind",
        choices=("profile", "concadvisor", "pyproject"),
        default="profile",
        help="which document: one task profile (default), a concadvisor.toml file, or "
        "pyproject.toml's [tool.concadvisor] table",
    )
    parser.add_argument(
        "--indent",
        type=_indent,
        default=2,
        metavar="N",
        help=f"JSON indentation, 0 to {MAX_INDENT} (default: 2)",
    )


def run(args: argparse.Namespace) -> int:
    if args.kind == "profile":
        schema = profile_schema()
    else:
        from ..lint.schema import config_schema

        schema = config_schema(args.kind)
    sys.stdout.write(json.dumps(schema, indent=args.indent) + "\n")
    return 0
