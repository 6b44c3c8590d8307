"""``concadvisor advise``: recommend an executor for a profile given by flags or a file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..profile import TaskProfile
from ..profile_flags import add_profile_flags, profile_data
from . import UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help="read the profile from a TOML or JSON file (flags override its values)",
    )
    parser.add_argument(
        "--task",
        metavar="NAME",
        help="with --profile: which [tasks.NAME] table to use when the file declares several",
    )
    parser.add_argument("--json", action="store_true", help="print the Recommendation as JSON")
    add_profile_flags(parser)


def gather_profile(args: argparse.Namespace) -> TaskProfile:
    data = profile_data(args)
    if "workload" not in data:
        raise UsageError(
            "the profile needs a workload: pass --workload io|cpu|mixed or --profile FILE"
        )
    return TaskProfile.model_validate(data)


def run(args: argparse.Namespace) -> int:
    from ..advice import advise  # the engine: not needed for --help

    recommendation = advise(gather_profile(args))
    if args.json:
        sys.stdout.write(recommendation.model_dump_json(indent=2) + "\n")
        return 0
    from ..render import make_console, render_recommendation

    render_recommendation(make_console(), recommendation)
    return 0
