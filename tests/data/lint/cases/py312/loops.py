"""get_event_loop() when the target Python warns without a loop (fixture; never imported)."""

import asyncio


def main() -> None:
    loop = asyncio.get_event_loop()  # expect: CA414
    loop.run_until_complete(job())


async def job() -> None:
    asyncio.get_event_loop()  # inside a coroutine a loop is running: fine
    helper()


def helper() -> None:
    asyncio.get_event_loop()  # called from job(), with its loop running: fine
