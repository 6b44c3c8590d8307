import asyncio


async def poll_all(urls: list[str]) -> None:
    await asyncio.gather(*(asyncio.sleep(0) for _ in urls))
