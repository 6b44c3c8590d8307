"""One blocking call of every kind of the knowledge base, each with a silent twin (fixture)."""

import asyncio
import glob
import http.client
import os
import os.path
import shutil
import socket
import sqlite3
import subprocess
import time
import urllib.request
from os import path
from pathlib import Path
from typing import Optional

import boto3
import psycopg2
import pymysql
import redis
import requests as r
import urllib3


async def sleep_and_input() -> None:
    time.sleep(1)  # expect: CA410
    await asyncio.sleep(1)
    input("name? ")  # expect: CA410
    await asyncio.to_thread(input, "name? ")


async def http() -> None:
    r.get("https://example.invalid")  # expect: CA416
    await asyncio.to_thread(r.get, "https://example.invalid")
    session = r.Session()
    session.post("https://example.invalid")  # expect: CA416
    r.Request("GET", "https://example.invalid")  # a plain value: fine
    urllib3.util.Retry(3)  # a plain value: fine
    http.client.responses.get(200)  # a dict: fine
    urllib.request.urlopen("https://example.invalid")  # expect: CA416
    pool = urllib3.PoolManager()
    pool.request("GET", "https://example.invalid")  # expect: CA416
    conn = http.client.HTTPSConnection("example.invalid")
    conn.request("GET", "/")  # expect: CA416


async def cloud() -> None:
    s3 = boto3.client("s3")
    s3.list_buckets()  # expect: CA416
    s3.generate_presigned_url("get_object")  # local signing: fine
    await asyncio.to_thread(s3.list_buckets)


async def processes() -> None:
    subprocess.run(["true"])  # expect: CA417
    proc = subprocess.Popen(["true"])  # expect: CA417
    proc.wait()  # expect: CA417
    os.system("true")  # expect: CA417
    os.waitpid(0, 0)  # expect: CA417
    await asyncio.create_subprocess_exec("true")


async def files(p: Path, maybe: Optional[Path] = None) -> None:  # noqa: UP045
    with open("x.txt") as f:  # expect: CA418
        f.read()  # expect: CA418
    p.read_text()  # expect: CA418
    Path("y").write_bytes(b"")  # expect: CA418
    if maybe is not None:
        maybe.exists()  # expect: CA418
    shutil.rmtree("build")  # expect: CA418
    glob.glob("*.py")  # expect: CA418
    await asyncio.to_thread(shutil.rmtree, "build")
    p.with_suffix(".bak")  # pure: fine
    p.name.upper()  # a str: fine


async def paths() -> None:
    os.path.exists("x")  # expect: CA418
    path.isfile("x")  # expect: CA418
    os.path.join("a", "b")  # pure string function: fine
    os.path.realpath("x")  # configured not-blocking: fine
    os.listdir(".")  # expect: CA418


async def sockets(sock: socket.socket) -> None:
    sock.recv(1024)  # expect: CA419
    socket.gethostbyname("example.invalid")  # expect: CA419
    loop = asyncio.get_running_loop()
    await loop.getaddrinfo("example.invalid", 80)
    await loop.run_in_executor(None, socket.gethostbyname, "example.invalid")


async def databases() -> None:
    db = sqlite3.connect("app.db")  # expect: CA419
    cursor = db.cursor()
    cursor.execute("select 1")  # expect: CA419
    cursor.fetchall()  # expect: CA419
    pg = psycopg2.connect("dbname=app")  # expect: CA419
    pg.commit()  # expect: CA419
    my = pymysql.connect(host="db")  # expect: CA419
    my.cursor().execute("select 1")  # expect: CA419
    cache = redis.Redis()
    cache.get("key")  # expect: CA419
    cache.pipeline()  # builds a pipeline, no I/O: fine


async def not_on_the_loop(ws: object) -> None:
    await asyncio.wait_for(ws.recv(), 5)  # type: ignore[attr-defined]  # unknown object: fine

    def later() -> None:
        time.sleep(1)  # a nested sync def: fine

    callback = lambda: time.sleep(1)  # noqa: E731  # a lambda: fine
    await asyncio.to_thread(later)
    await asyncio.to_thread(callback)
