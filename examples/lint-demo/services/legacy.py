"""An old script that runs nightly."""

import asyncio
from concurrent.futures import ProcessPoolExecutor


async def main_loop() -> None:
    await asyncio.sleep(0)


loop = asyncio.get_event_loop()
pool = ProcessPoolExecutor(max_workers=2)

if __name__ == "__main__":
    with ProcessPoolExecutor() as guarded:
        guarded.submit(print, "ok")
