"""Sync helpers of the project, called from coroutines in service.py (fixture)."""

import json
from pathlib import Path


def read_json(path: str) -> object:
    with open(path) as f:
        return json.load(f)


def load_config() -> object:
    return read_json("config.json")


def pure(value: int) -> int:
    return value * 2


class Store:
    def __init__(self, root: str) -> None:
        self.root = Path(root)

    def load(self) -> str:
        return self.read()

    def read(self) -> str:
        return Path(self.root, "data").read_text()


def recursive(n: int) -> int:
    return recursive(n - 1) if n else pure(n)
