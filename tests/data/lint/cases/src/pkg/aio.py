"""Async targets (fixture; never imported)."""

import asyncio
import socket
import urllib.request as ur
from time import sleep

import httpx


async def download(url: str) -> bytes:
    sleep(1)  # expect: CA410
    await asyncio.sleep(1)  # awaited: fine
    data = ur.urlopen(url).read()  # expect: CA416
    with open("out.bin", "wb") as fh:  # expect: CA418
        fh.write(data)  # expect: CA418
    conn = socket.create_connection(("example.invalid", 80))  # expect: CA419
    conn.close()  # closing a socket does not wait: fine
    httpx.get(url)  # expect: CA416
    async with httpx.AsyncClient() as client:  # async client: fine
        await client.get(url)

    def in_a_thread() -> None:
        sleep(1)  # nested sync def, may run in a thread: fine

    await asyncio.to_thread(in_a_thread)
    loop = asyncio.get_event_loop()  # inside a coroutine: a loop is running
    return data


def main() -> None:
    loop = asyncio.get_event_loop()  # expect: CA414
    loop.run_until_complete(download("x"))
