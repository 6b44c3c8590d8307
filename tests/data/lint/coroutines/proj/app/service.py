"""Coroutines calling the project's sync helpers (fixture): chains across modules."""

import asyncio

from . import vendor
from .config import Store, load_config, pure, recursive
from .vendor import Legacy, slow_call


async def fetch() -> object:
    return load_config()  # expect: CA418


async def fetch_offloaded() -> object:
    return await asyncio.to_thread(load_config)


async def compute() -> int:
    return pure(2) + recursive(3)


async def read_store() -> str:
    store = Store("/srv")
    return store.load()  # expect: CA418


async def read_store_offloaded() -> str:
    store = Store("/srv")
    return await asyncio.get_running_loop().run_in_executor(None, store.load)


class Handler:
    def helper(self) -> object:
        return load_config()

    async def handle(self) -> object:
        return self.helper()  # expect: CA418


async def configured(legacy: Legacy) -> None:
    slow_call()  # expect: CA410
    vendor.slow_call()  # expect: CA410
    legacy.fetch()  # expect: CA410
    await asyncio.to_thread(slow_call)
