"""Command-line flags generated from the TaskProfile fields, so the CLI never drifts.

``--workload io``, ``--tasks 1000``, ``--async-libraries/--no-async-libraries``...  Flags
left out are absent from the parsed namespace (their default is ``SUPPRESS``), so they can
be layered over a profile file.
"""

from __future__ import annotations

import argparse
import types
from typing import Any, Literal, Union, get_args, get_origin

from .profile import TaskProfile

__all__ = ["add_profile_flags", "profile_overrides"]

_DEST_PREFIX = "profile__"


def _unwrap_optional(annotation: Any) -> Any:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def add_profile_flags(
    parser: argparse.ArgumentParser, exclude: frozenset[str] = frozenset()
) -> None:
    """Add a flag per TaskProfile field, except the fields in ``exclude``.

    A command that gives a field its own flag with a different meaning (``probe --tasks``)
    excludes it here instead of overriding it.
    """
    unknown = exclude - set(TaskProfile.model_fields)
    if unknown:
        raise ValueError(f"not TaskProfile fields: {sorted(unknown)}")
    group = parser.add_argument_group(
        "profile fields", "Each flag sets one TaskProfile field (see `concadvisor schema`)."
    )
    for name, field in TaskProfile.model_fields.items():
        if name in exclude:
            continue
        flag = "--" + name.replace("_", "-")
        dest = _DEST_PREFIX + name
        help_text = (field.description or "").replace("%", "%%")
        annotation = _unwrap_optional(field.annotation)
        if annotation is bool:
            group.add_argument(
                flag,
                dest=dest,
                action=argparse.BooleanOptionalAction,
                default=argparse.SUPPRESS,
                help=help_text,
            )
        elif get_origin(annotation) is Literal:
            choices = [str(arg) for arg in get_args(annotation)]
            group.add_argument(
                flag, dest=dest, choices=choices, default=argparse.SUPPRESS, help=help_text
            )
        elif annotation in (int, float, str):
            metavar = {int: "N", float: "X", str: "TEXT"}[annotation]
            group.add_argument(
                flag,
                dest=dest,
                type=annotation,
                metavar=metavar,
                default=argparse.SUPPRESS,
                help=help_text,
            )
        else:  # pragma: no cover - a new field type needs a flag type here
            raise TypeError(f"no command-line flag type for {name}: {field.annotation}")


def profile_data(args: argparse.Namespace) -> dict[str, Any]:
    """``--profile FILE`` (and ``--task NAME``) with the field flags layered on top."""
    data: dict[str, Any] = {}
    if args.profile is not None:
        from .profile_files import load_profile_data  # json, tomllib: only for a file

        data.update(load_profile_data(args.profile, args.task))
    elif args.task is not None:
        from .commands import UsageError

        raise UsageError("--task needs --profile FILE")
    data.update(profile_overrides(args))
    return data


def profile_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The profile fields given on the command line."""
    return {
        key[len(_DEST_PREFIX) :]: value
        for key, value in vars(args).items()
        if key.startswith(_DEST_PREFIX)
    }
