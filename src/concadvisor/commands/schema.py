"""``concadvisor schema``: the TaskProfile JSON schema, for editors and validators."""

from __future__ import annotations

import argparse
import json
import sys

from ..schema import profile_schema

NAME = "schema"
HELP = "print the JSON schema of a task profile"
DESCRIPTION = """\
Print the JSON schema (draft 2020-12) of a TaskProfile: point your editor at it for
completion and validation of profile files (see docs/schema.md).

examples:
  concadvisor schema > concadvisor-profile.schema.json
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--indent", type=int, default=2, metavar="N", help="JSON indentation")


def run(args: argparse.Namespace) -> int:
    sys.stdout.write(json.dumps(profile_schema(), indent=args.indent) + "\n")
    return 0
