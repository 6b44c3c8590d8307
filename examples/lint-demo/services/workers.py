"""Workers declared in services/concadvisor.toml."""

import asyncio
from collections import Counter

score = lambda item: item * item  # noqa: E731

COUNTS: Counter[str] = Counter()


def count_words(text: str) -> None:
    for word in text.split():
        COUNTS[word] += 1


def poll(url: str) -> str:
    return url


async def heartbeat() -> None:
    await asyncio.sleep(1)
