"""JSON schemas published for editors (taplo, VS Code, SchemaStore-style)."""

from __future__ import annotations

from typing import Any

from .profile import TaskProfile

__all__ = ["profile_schema"]

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def profile_schema() -> dict[str, Any]:
    """The TaskProfile schema; ``$schema`` is allowed in files so editors can find it."""
    schema = TaskProfile.model_json_schema()
    schema = {"$schema": SCHEMA_DIALECT, **schema}
    schema["properties"] = {
        "$schema": {"type": "string", "description": "URL or path of this schema."},
        **schema["properties"],
    }
    return schema
