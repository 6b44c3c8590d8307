"""CPU-bound image work (pure Python, holds the GIL)."""


def make_thumbnail(size: int) -> list[int]:
    return [(i * 31) % 255 for i in range(size)]


def resize(size: int) -> list[int]:
    return [i // 2 for i in range(size)]


def encode(data: bytes) -> int:
    total = 0
    for byte in data:
        total = (total * 33 + byte) % 1_000_003
    return total
