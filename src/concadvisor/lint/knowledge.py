"""The blocking-call knowledge base: what blocks the event loop, and what to use instead.

Data only, no logic: :mod:`concadvisor.lint.blocking` reads these tables.  Every name is
fully qualified (``requests.get``, ``builtins.open``); code refers to them through any
import or alias, which lint resolves before looking them up here.

* :data:`FUNCTIONS` -- callables that block when called (``time.sleep``).
* :data:`TYPES` -- types whose methods block (``requests.Session``: ``s.get()``), with the
  methods that do (``None``: every public method), and the types some methods return
  (``sqlite3.Connection.cursor()`` -> ``sqlite3.Cursor``).
* :data:`FACTORIES` -- callables returning an instance of a table type, so that
  ``s = requests.Session()`` or ``with open(p) as f`` make ``s``/``f``'s type evident.
  A factory is not itself a finding unless it is also in :data:`FUNCTIONS` (``open``
  opens a file; ``requests.Session()`` does no I/O).
* :data:`OFFLOADERS` -- callables whose arguments do not run on the loop
  (``trio.wrap_file(open(p))`` wraps the file for threads).

Users extend the table with ``blocking = [...]`` and ``not-blocking = [...]`` settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "FACTORIES",
    "FUNCTIONS",
    "KINDS",
    "OFFLOADERS",
    "TYPES",
    "BlockingFunction",
    "BlockingType",
    "Kind",
]

Kind = Literal[
    "sleep", "input", "http", "cloud", "subprocess", "file", "path", "socket", "dns",
    "database", "configured",
]  # fmt: skip
#: Kind -> the words a message uses for it.
KINDS: Mapping[Kind, str] = {
    "sleep": "sleep",
    "input": "console input",
    "http": "HTTP",
    "cloud": "cloud SDK",
    "subprocess": "subprocess",
    "file": "file I/O",
    "path": "filesystem",
    "socket": "socket",
    "dns": "DNS lookup",
    "database": "database",
    "configured": "configured blocking",
}


@dataclass(frozen=True, slots=True)
class BlockingFunction:
    """A callable that blocks the calling thread."""

    name: str
    kind: Kind
    instead: str


@dataclass(frozen=True, slots=True)
class BlockingType:
    """A type whose methods block: ``methods`` (``None``: every public method but
    ``except_methods``); ``returns`` maps methods to the table type they return."""

    name: str
    kind: Kind
    instead: str
    methods: frozenset[str] | None = None
    except_methods: frozenset[str] = frozenset()
    returns: Mapping[str, str] = field(default_factory=dict)

    def blocks(self, method: str) -> bool:
        if self.methods is not None:
            return method in self.methods
        return not method.startswith("_") and method not in self.except_methods


_HTTP = "httpx.AsyncClient or aiohttp"
_SUBPROCESS = "await asyncio.create_subprocess_exec(...)"
_WAIT = "await proc.wait() on an asyncio subprocess, or asyncio.to_thread(...)"
_FILE = "aiofiles / anyio.open_file, or await asyncio.to_thread(...)"
_PATH = "anyio.Path, or await asyncio.to_thread(...)"
_SOCKET = "asyncio streams (asyncio.open_connection / start_server)"
_DNS = "await loop.getaddrinfo(...) / loop.getnameinfo(...)"
_THREAD = "await asyncio.to_thread(...)"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _functions(kind: Kind, instead: str, names: str) -> list[BlockingFunction]:
    return [BlockingFunction(name, kind, instead) for name in names.split()]


def _verbs(*modules: str) -> str:
    verbs = "get post put patch delete head options request"
    return " ".join(f"{module}.{verb}" for module in modules for verb in verbs.split())


_FUNCTION_LIST: list[BlockingFunction] = [
    *_functions("sleep", "await asyncio.sleep(...)", "time.sleep"),
    *_functions("input", "await asyncio.to_thread(input, ...)", "builtins.input"),
    *_functions(
        "http",
        _HTTP,
        _verbs("requests", "requests.api", "httpx", "httpx2")
        + " httpx.stream httpx2.stream urllib3.request"
        " urllib.request.urlopen urllib.request.urlretrieve",
    ),
    *_functions(
        "subprocess",
        _SUBPROCESS,
        "subprocess.run subprocess.call subprocess.check_call subprocess.check_output"
        " subprocess.getoutput subprocess.getstatusoutput subprocess.Popen"
        " os.system os.popen os.posix_spawn os.posix_spawnp os.spawnl os.spawnle os.spawnlp"
        " os.spawnlpe os.spawnv os.spawnve os.spawnvp os.spawnvpe",
    ),
    *_functions("subprocess", _WAIT, "os.wait os.wait3 os.wait4 os.waitid os.waitpid"),
    *_functions(
        "file",
        _FILE,
        "builtins.open io.open io.open_code os.fdopen codecs.open os.open"
        " gzip.open bz2.open lzma.open tarfile.open zipfile.ZipFile",
    ),
    *_functions(
        "path",
        _PATH,
        "os.path.exists os.path.lexists os.path.isfile os.path.isdir os.path.islink"
        " os.path.ismount os.path.isjunction os.path.isdevdrive os.path.realpath"
        " os.path._joinrealpath os.path.getsize os.path.getatime os.path.getmtime"
        " os.path.getctime os.path.samefile os.path.sameopenfile"
        " os.stat os.lstat os.listdir os.scandir os.walk os.remove os.unlink os.rename"
        " os.replace os.mkdir os.makedirs os.rmdir os.removedirs os.chmod os.truncate"
        " os.fsync glob.glob glob.iglob",
    ),
    *_functions(
        "path",
        "await asyncio.to_thread(shutil...., ...)",
        "shutil.copyfile shutil.copy shutil.copy2 shutil.copytree shutil.copyfileobj"
        " shutil.rmtree shutil.move shutil.disk_usage shutil.make_archive"
        " shutil.unpack_archive shutil.chown shutil.which",
    ),
    *_functions("socket", _SOCKET, "socket.create_connection select.select"),
    *_functions(
        "dns",
        _DNS,
        "socket.getaddrinfo socket.gethostbyname socket.gethostbyname_ex"
        " socket.gethostbyaddr socket.getnameinfo socket.getfqdn",
    ),
    *_functions(
        "database",
        "an async driver (aiosqlite, asyncpg, aiomysql, redis.asyncio) or asyncio.to_thread",
        "sqlite3.connect psycopg2.connect psycopg.connect pymysql.connect MySQLdb.connect"
        " mysql.connector.connect",
    ),
]
FUNCTIONS: Mapping[str, BlockingFunction] = {f.name: f for f in _FUNCTION_LIST}

_DB = "an async driver (aiosqlite, asyncpg, psycopg.AsyncConnection, aiomysql)"
_CURSOR_METHODS = _words(
    "execute executemany executescript fetchone fetchmany fetchall callproc"
    " copy_from copy_to copy_expert scroll nextset"
)
_CONNECTION_METHODS = _words(
    "execute executemany executescript commit rollback backup ping select_db"
)
_CLIENT_METHODS = _words("get post put patch delete head options request send stream")
_HTTPCONNECTION_METHODS = _words("request getresponse connect send putrequest putheader endheaders")


def _types(
    kind: Kind,
    instead: str,
    names: str,
    methods: frozenset[str] | None = None,
    returns: Mapping[str, str] | None = None,
    except_methods: frozenset[str] = frozenset(),
) -> list[BlockingType]:
    return [
        BlockingType(name, kind, instead, methods, except_methods, dict(returns or {}))
        for name in names.split()
    ]


_TYPE_LIST: list[BlockingType] = [
    *_types(
        "http",
        _HTTP,
        "requests.Session requests.sessions.Session",
        _CLIENT_METHODS - {"stream"},
    ),
    *_types("http", _HTTP, "httpx.Client httpx2.Client", _CLIENT_METHODS | {"close"}),
    *_types(
        "http",
        _HTTP,
        "urllib3.PoolManager urllib3.ProxyManager urllib3.HTTPConnectionPool"
        " urllib3.HTTPSConnectionPool urllib3.connectionpool.ConnectionPool"
        " urllib3.connectionpool.HTTPConnectionPool urllib3.connectionpool.HTTPSConnectionPool"
        " urllib3.poolmanager.PoolManager urllib3.poolmanager.ProxyManager"
        " urllib3.request.RequestMethods",
    ),
    *_types(
        "http",
        _HTTP,
        "http.client.HTTPConnection http.client.HTTPSConnection",
        _HTTPCONNECTION_METHODS,
    ),
    *_types("http", _HTTP, "ftplib.FTP smtplib.SMTP smtplib.SMTP_SSL imaplib.IMAP4 poplib.POP3"),
    *_types("subprocess", _WAIT, "subprocess.Popen", frozenset({"wait", "communicate"})),
    *_types(
        "file",
        _FILE,
        "io.TextIOWrapper io.BufferedReader io.BufferedWriter io.BufferedRandom io.FileIO"
        " io.TextIOBase io.BufferedIOBase io.RawIOBase typing.IO typing.TextIO typing.BinaryIO"
        " gzip.GzipFile tarfile.TarFile zipfile.ZipFile",
    ),
    *_types(
        "path",
        _PATH,
        "pathlib.Path pathlib.PosixPath pathlib.WindowsPath",
        _words(
            "read_text write_text read_bytes write_bytes open exists is_file is_dir"
            " is_symlink is_mount is_junction stat lstat iterdir glob rglob walk mkdir rmdir"
            " unlink rename replace touch resolve samefile chmod lchmod owner group readlink"
            " hardlink_to symlink_to copy copy_into move move_into expanduser"
        ),
        dict.fromkeys(_words("resolve rename replace expanduser"), "pathlib.Path"),
    ),
    *_types(
        "socket",
        _SOCKET,
        "socket.socket ssl.SSLSocket",
        _words(
            "connect connect_ex accept recv recv_into recvfrom recvfrom_into recvmsg send"
            " sendall sendto sendmsg sendfile"
        ),
    ),
    *_types(
        "database",
        _DB,
        "sqlite3.Connection",
        _CONNECTION_METHODS | {"close"},
        {"cursor": "sqlite3.Cursor", "execute": "sqlite3.Cursor"},
    ),
    *_types(
        "database",
        _DB,
        "psycopg2.extensions.connection pymysql.connections.Connection psycopg.Connection"
        " MySQLdb.connections.Connection mysql.connector.connection.MySQLConnection",
        _CONNECTION_METHODS,
        {"cursor": "dbapi.Cursor", "execute": "dbapi.Cursor"},
    ),
    *_types("database", _DB, "sqlite3.Cursor dbapi.Cursor", _CURSOR_METHODS),
    *_types(
        "database",
        "redis.asyncio.Redis",
        "redis.Redis redis.StrictRedis redis.client.Redis",
        except_methods=frozenset({"pipeline", "pubsub", "lock", "get_encoder"}),
    ),
    *_types(
        "database",
        "an async engine (sqlalchemy.ext.asyncio.create_async_engine)",
        "sqlalchemy.engine.Engine",
        frozenset({"connect", "begin", "execute", "raw_connection"}),
    ),
    *_types(
        "database",
        "motor or pymongo's AsyncMongoClient",
        "pymongo.MongoClient",
        frozenset({"list_database_names", "server_info", "drop_database", "list_databases"}),
    ),
    *_types(
        "cloud",
        "aioboto3 / aiobotocore, or await asyncio.to_thread(...)",
        "botocore.client.BaseClient",
        except_methods=frozenset(
            {"generate_presigned_url", "generate_presigned_post", "get_paginator", "get_waiter"}
            | {"can_paginate", "meta", "exceptions", "close"}
        ),
    ),
    *_types(
        "cloud",
        "aioboto3, or await asyncio.to_thread(...)",
        "boto3.session.Session",
        frozenset(),
        {"client": "botocore.client.BaseClient"},
    ),
    *_types(
        "cloud",
        "gcloud-aio-storage, or await asyncio.to_thread(...)",
        "google.cloud.storage.Client",
        frozenset({"get_bucket", "list_buckets", "list_blobs", "create_bucket", "lookup_bucket"}),
    ),
]
TYPES: Mapping[str, BlockingType] = {t.name: t for t in _TYPE_LIST}


def _factories(result: str, names: str) -> dict[str, str]:
    return dict.fromkeys(names.split(), result)


FACTORIES: Mapping[str, str] = {
    **{t.name: t.name for t in _TYPE_LIST},
    **_factories(
        "io.TextIOWrapper",
        "builtins.open io.open io.open_code os.fdopen codecs.open gzip.open bz2.open lzma.open",
    ),
    **_factories("tarfile.TarFile", "tarfile.open"),
    **_factories("urllib3.PoolManager", "urllib3.PoolManager urllib3.poolmanager.PoolManager"),
    **_factories("pathlib.Path", "pathlib.Path.cwd pathlib.Path.home"),
    **_factories("socket.socket", "socket.socket socket.create_connection socket.create_server"),
    **_factories("sqlite3.Connection", "sqlite3.connect"),
    **_factories("psycopg2.extensions.connection", "psycopg2.connect"),
    **_factories("psycopg.Connection", "psycopg.connect psycopg.Connection.connect"),
    **_factories("pymysql.connections.Connection", "pymysql.connect pymysql.Connect"),
    **_factories("MySQLdb.connections.Connection", "MySQLdb.connect"),
    **_factories("mysql.connector.connection.MySQLConnection", "mysql.connector.connect"),
    **_factories("redis.Redis", "redis.from_url redis.Redis.from_url redis.StrictRedis"),
    **_factories("sqlalchemy.engine.Engine", "sqlalchemy.create_engine"),
    **_factories("botocore.client.BaseClient", "boto3.client boto3.resource"),
    **_factories("boto3.session.Session", "boto3.Session boto3.session.Session"),
}

#: Calls whose arguments are wrapped for a thread: ``trio.wrap_file(open(p))`` opens the
#: file once and every later operation runs in a thread.  (Handing a function to a thread,
#: ``asyncio.to_thread(f, x)`` or ``loop.run_in_executor(None, f)``, needs no entry: ``f``
#: is passed, not called, so nothing of it runs on the loop.)
OFFLOADERS: frozenset[str] = frozenset(
    {"trio.wrap_file", "anyio.wrap_file", "aiofiles.threadpool.wrap"}
)
