"""The public API: one sorted __all__, everything exported importable, nothing private."""

from __future__ import annotations

import concadvisor


def test_all_is_sorted_and_importable() -> None:
    names = concadvisor.__all__

    # isort style, as ruff's RUF022 keeps it: CONSTANTS, then Classes, then functions.
    def key(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert names == sorted(names, key=key)
    for name in names:
        assert hasattr(concadvisor, name), name


def test_no_private_name_is_exported() -> None:
    assert all(not name.startswith("_") or name == "__version__" for name in concadvisor.__all__)


def test_py_typed_is_shipped() -> None:
    from importlib.resources import files

    assert files("concadvisor").joinpath("py.typed").is_file()
