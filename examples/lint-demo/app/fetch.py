"""I/O-bound work: downloads and notifications."""

import subprocess
import time
from pathlib import Path

import requests


def crawl_page(url: str) -> str:
    return requests.get(url, timeout=10).text


async def fetch(url: str) -> bytes:
    time.sleep(0.1)
    response = requests.get(url, timeout=10)
    Path("cache.bin").write_bytes(response.content)
    subprocess.run(["sync"], check=True)
    return response.content


def notify(user: str) -> None:
    requests.post("https://example.invalid/notify", json={"user": user}, timeout=5)


def send_mail(to: str) -> None:
    print("mail to", to)
