"""get_event_loop() when the target Python raises without a loop (fixture; never imported)."""

import asyncio
from asyncio import get_event_loop as current_loop

loop = asyncio.get_event_loop()  # expect: CA420


def main() -> None:
    current_loop().run_until_complete(job())  # expect: CA420


def scheduled() -> None:
    asyncio.get_event_loop().call_soon(print)  # expect: CA420


async def job() -> None:
    asyncio.get_event_loop()  # inside a coroutine a loop is running: fine
    helper()

    def callback() -> None:
        asyncio.get_event_loop()  # defined inside a coroutine: fine

    await asyncio.to_thread(scheduled)  # handed to a thread: still reported above
    callback()


def helper() -> None:
    asyncio.get_event_loop()  # called from job(), with its loop running: fine


class Runner:
    loop = asyncio.get_event_loop()  # expect: CA420

    def start(self) -> None:
        asyncio.get_running_loop()  # not get_event_loop: fine
