"""A project module whose names are declared blocking in pyproject.toml (fixture)."""


def slow_call() -> None: ...


class Legacy:
    def fetch(self) -> None: ...
