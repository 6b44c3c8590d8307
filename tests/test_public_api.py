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


def _public_names() -> set[str]:
    """What ``concadvisor`` offers: every public attribute that is not a submodule and was
    not merely imported for internal use (``annotations`` from ``__future__``)."""
    import types

    return {
        name
        for name, value in vars(concadvisor).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"
    }


def test_all_is_exactly_the_public_names() -> None:
    exported = set(concadvisor.__all__) - {"__version__"}
    assert exported == _public_names(), "add the name to __all__, or make it private"
    assert len(concadvisor.__all__) == len(set(concadvisor.__all__)), "a duplicate in __all__"


def test_no_attribute_shadows_a_subpackage_or_module() -> None:
    import importlib
    import pkgutil
    import types

    for info in pkgutil.iter_modules(concadvisor.__path__):
        module = importlib.import_module(f"concadvisor.{info.name}")
        attribute = getattr(concadvisor, info.name, module)
        assert isinstance(attribute, types.ModuleType), (
            f"concadvisor.{info.name} is a {type(attribute).__name__}, hiding the module"
        )
        assert attribute is module


def test_probing_is_a_module_and_probe_a_function() -> None:
    import types

    import concadvisor.probing as probing

    assert isinstance(probing, types.ModuleType)
    assert callable(concadvisor.probe) and not isinstance(concadvisor.probe, types.ModuleType)
