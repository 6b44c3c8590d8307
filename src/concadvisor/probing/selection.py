"""Which executors a probe measures: ``--executors LIST`` checked, or the default set.

The default is every registered executor except ``dask``: a Dask cluster takes seconds to
start, so it is measured only when asked for (``--executors ...,dask``) or when a
scheduler address is given (``--scheduler``).  Serial is always measured: it is the
baseline every speedup is relative to.  Executors missing on the runner's interpreter stay
in the set and are reported ``skipped`` with the reason.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from ..executors.registry import EXECUTORS
from ..profile import Executor

__all__ = ["CONNECT_SECONDS", "OPT_IN", "check_scheduler", "select_executors"]

#: Seconds the reachability check of ``--scheduler`` may wait for a TCP connection.
CONNECT_SECONDS = 3.0

#: Measured only when asked for by name (or, for dask, by a scheduler address).
OPT_IN: frozenset[str] = frozenset({Executor.DASK.value})


def select_executors(
    names: Iterable[str] | str | None = None, *, scheduler: str | None = None
) -> tuple[str, ...]:
    """The executors to measure, in registry order; ValueError names an unknown one.

    ``names`` is a comma-separated string or an iterable of executor names; None: the
    default set (plus dask when ``scheduler`` is given).
    """
    known = [executor.value for executor in EXECUTORS]
    if names is None:
        wanted = {name for name in known if name not in OPT_IN}
        if scheduler is not None:
            wanted.add(Executor.DASK.value)
    else:
        items = names.split(",") if isinstance(names, str) else list(names)
        wanted = set()
        for item in items:
            name = item.strip().lower()
            if not name:
                continue
            if name not in known:
                raise ValueError(
                    f"--executors: unknown executor {item.strip()!r} (known: {', '.join(known)})"
                )
            wanted.add(name)
        if not wanted:
            raise ValueError(f"--executors: no executor given (known: {', '.join(known)})")
        if scheduler is not None and Executor.DASK.value not in wanted:
            raise ValueError("--scheduler is the dask executor's: add dask to --executors")
    wanted.add(Executor.SERIAL.value)
    return tuple(name for name in known if name in wanted)


def check_scheduler(address: str, timeout: float = CONNECT_SECONDS) -> None:
    """ValueError (one line) unless a TCP connection to the scheduler at ``address``
    (``tcp://host:port``, ``tls://host:port`` or ``host:port``) opens within ``timeout``.

    Checked before the probe starts, so that a wrong address is a usage error instead of
    a dask row that spends the budget waiting to connect.
    """
    text = address.strip()
    parts = urlsplit(text if "://" in text else f"tcp://{text}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host or port is None:
        raise ValueError(f"--scheduler {address!r}: expected tcp://HOST:PORT")
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ValueError(f"--scheduler {address}: cannot connect ({reason})") from None
