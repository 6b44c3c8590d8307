"""The runner protocol: everything the parent and the runner say to each other, both ends.

The parent (:mod:`.session`) sends one :class:`RunnerConfig` on the runner's stdin
(length-prefixed pickle: arguments are arbitrary Python objects, and only the parent can
write that pipe).  The runner (:mod:`._runner`) answers with JSON lines on a private pipe,
written by :class:`EventWriter` and read by :class:`EventReader`; each line is an envelope
``{"token": ..., "seq": n, "event": {...}}`` around one typed event.

That pipe is the weak spot: the function under test runs in the runner and may write to
it, and any process of the same user can open it through ``/proc``.  So the reader trusts
nothing it has not checked: a line is at most :data:`MAX_LINE_BYTES`, it must carry the
run's random token and the next sequence number, the event must be a known kind with
fields of the right types, numbers finite and in range, texts bounded.  Anything else is a
:class:`ProtocolError`; the parent then stops trusting the runner (see :mod:`.session`).
The token keeps out strangers, not the function itself, which shares the runner's memory.

Nothing outside this module spells an event's name: both ends use the classes below.
"""

from __future__ import annotations

import json
import os
import pickle
import secrets
import struct
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, cast, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from .interpreter import PythonInfo
from .planning import Plan

__all__ = [
    "MAX_LINE_BYTES",
    "Done",
    "Event",
    "EventReader",
    "EventWriter",
    "ExecutorName",
    "FreeCpus",
    "Hello",
    "InputsTaken",
    "InternalError",
    "OutOfTime",
    "Phase",
    "PlanData",
    "Planned",
    "ProtocolError",
    "Ready",
    "RunnerConfig",
    "Settled",
    "SetupDone",
    "Skipped",
    "Started",
    "Starting",
    "SweepNote",
    "SweepTrialDone",
    "SweepTrialStarted",
    "TargetFailed",
    "TrialDone",
    "TrialFailed",
    "TrialStarted",
    "Warming",
    "Warmup",
    "WarmupDone",
    "WarmupFailed",
    "clip",
    "executor_name",
    "new_token",
]

#: The longest event line accepted (a traceback fits; a flood does not).
MAX_LINE_BYTES = 64 * 1024
#: Texts (exception messages, reasons) are cut to this many characters by the writer.
MAX_TEXT = 2000
MAX_TRACEBACK = 16_000

ExecutorName = Literal["serial", "threads", "processes", "asyncio", "interpreters", "dask"]
_EXECUTOR_NAMES: tuple[str, ...] = get_args(ExecutorName)
Seconds = Annotated[float, Field(ge=0, allow_inf_nan=False)]
#: A timed batch always takes some time: a zero (or negative) wall is forged or broken.
PositiveSeconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=1, le=1_000_000)]
Bytes = Annotated[int, Field(ge=0, le=1 << 50)]
Round = Annotated[int, Field(ge=0, le=100_000)]
Pid = Annotated[int, Field(ge=1, le=1 << 31)]
ExitCode = Annotated[int, Field(ge=-255, le=255)]
Share = Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)]
Text = Annotated[str, Field(max_length=MAX_TEXT)]


class ProtocolError(Exception):
    """An event line that is not one the runner could have written; one-line message.

    ``before`` holds the valid events that arrived ahead of the bad line in the same read:
    they are the runner's own and are applied before the stream stops being trusted.
    """

    def __init__(self, message: str, before: Sequence[Event] = ()) -> None:
        super().__init__(message)
        self.before: tuple[Event, ...] = tuple(before)


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` cut to ``limit`` characters (the writer's side of the bound on texts)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def executor_name(name: str) -> ExecutorName:
    """``name`` as an :data:`ExecutorName` (ValueError for any other string)."""
    if name not in _EXECUTOR_NAMES:
        raise ValueError(f"unknown executor {name!r}")
    return cast(ExecutorName, name)


def new_token() -> str:
    """A fresh random token for one runner's event stream."""
    return secrets.token_hex(16)


class _Message(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")


class Warmup(_Message):
    """What the warm-up calls under serial measured (the keys inference reads)."""

    calls: Count
    first_seconds: Seconds
    task_seconds: Seconds
    cpu_seconds: Seconds
    queued_seconds: Seconds
    cpu_share: Share
    is_async: bool
    loop_wall_seconds: Seconds
    loop_cpu_seconds: Seconds
    args_bytes: Bytes | None
    result_bytes: Bytes | None
    args_pickle_error: Text | None
    result_pickle_error: Text | None
    func_pickle_error: Text | None
    #: Median user and system CPU seconds of one warm call (None: an older runner).
    user_seconds: Seconds | None = None
    system_seconds: Seconds | None = None


class PlanData(_Message):
    """A :class:`~.planning.Plan` on the wire, with bounds."""

    tasks: Count
    threads: Count
    processes: Count
    asyncio: Count
    chunksize: Count
    rounds: Count
    estimates: dict[ExecutorName, Seconds]

    @classmethod
    def from_plan(cls, plan: Plan) -> PlanData:
        return cls.model_validate(plan.as_dict())

    def to_plan(self) -> Plan:
        return Plan(**self.model_dump())


# --- events, in the order a run emits them -------------------------------------------


class Hello(_Message):
    """The runner is alive and watches its parent (sent before anything is imported)."""

    event: Literal["hello"] = "hello"
    pid: Pid


class Phase(_Message):
    """The runner starts a step that runs user code outside any executor."""

    event: Literal["phase"] = "phase"
    name: Literal["import", "inputs", "setup", "warmup"]


class InputsTaken(_Message):
    """The ``--inputs`` factory gave ``count`` items; ``complete``: it had no more."""

    event: Literal["inputs"] = "inputs"
    count: Count
    complete: bool


class TargetFailed(_Message):
    """The target or the inputs cannot be loaded: a usage error."""

    event: Literal["target_error"] = "target_error"
    message: Text


class Ready(_Message):
    """The target is imported; ``python``: the runner's interpreter, GIL state after the import."""

    event: Literal["ready"] = "ready"
    pid: Pid
    is_async: bool
    seconds: Seconds
    python: PythonInfo | None = None


class WarmupDone(_Message):
    event: Literal["warmup"] = "warmup"
    result: Warmup


class WarmupFailed(_Message):
    """The function raised in a warm-up call."""

    event: Literal["warmup_error"] = "warmup_error"
    kind: Text
    message: Text


class Planned(_Message):
    event: Literal["plan"] = "plan"
    plan: PlanData


class Skipped(_Message):
    event: Literal["skip"] = "skip"
    executor: ExecutorName
    reason: Text


class Starting(_Message):
    """A pool is starting (every worker up, the target imported in each)."""

    event: Literal["starting"] = "starting"
    executor: ExecutorName


class Warming(_Message):
    """The untimed warm batch of a fresh pool; ``expected`` seconds."""

    event: Literal["warming"] = "warming"
    executor: ExecutorName
    expected: Seconds


class SetupDone(_Message):
    """The per-worker setup ran once in each of ``workers`` workers of ``executor``
    (serial: the runner's main thread, before the warm-up); ``total`` and ``slowest``
    seconds, never part of a start-up or a trial.  ``sweep``: in a width-sweep pool."""

    event: Literal["setup"] = "setup"
    executor: ExecutorName
    workers: Count
    total: Seconds
    slowest: Seconds
    sweep: bool = False


class Started(_Message):
    """The pool is up and warm; its start-up took ``seconds``."""

    event: Literal["ready_to_time"] = "ready_to_time"
    executor: ExecutorName
    seconds: Seconds


class TrialStarted(_Message):
    event: Literal["trial_start"] = "trial_start"
    executor: ExecutorName
    round: Round
    expected: Seconds


class TrialDone(_Message):
    event: Literal["trial"] = "trial"
    executor: ExecutorName
    round: Round
    wall: PositiveSeconds
    cpu: Seconds
    queued: Seconds
    user: Seconds | None = None
    system: Seconds | None = None
    #: The highest peak RSS of one worker process (processes only).
    peak_rss: Bytes | None = None


class FreeCpus(_Message):
    """How many CPUs the runner got when it asked for all of them, before or after the
    main rounds (:func:`~.usage.free_cpus`)."""

    event: Literal["free_cpus"] = "free_cpus"
    when: Literal["before", "after"]
    cpus: Share


class TrialFailed(_Message):
    """The batch did not complete (round 0: while starting or warming the pool)."""

    event: Literal["trial_error"] = "trial_error"
    executor: ExecutorName
    round: Round
    kind: Text
    message: Text
    exitcode: ExitCode | None


class OutOfTime(_Message):
    """Round ``round`` would not fit in the budget: the runner stops before it."""

    event: Literal["out_of_time"] = "out_of_time"
    round: Round


class Settled(_Message):
    """After round ``round`` the fastest was clearly ahead: the runner stops early."""

    event: Literal["settled"] = "settled"
    round: Round


class SweepTrialStarted(_Message):
    """One timed batch of the width sweep starts: ``tasks`` tasks at ``width``.

    ``width`` 0 is asyncio without a concurrency limit; ``chunksize`` is only for processes.
    """

    event: Literal["sweep_start"] = "sweep_start"
    executor: ExecutorName
    width: Annotated[int, Field(ge=0)]
    chunksize: Count | None
    tasks: Count
    expected: Seconds


class SweepTrialDone(_Message):
    event: Literal["sweep"] = "sweep"
    executor: ExecutorName
    width: Annotated[int, Field(ge=0)]
    chunksize: Count | None
    tasks: Count
    wall: PositiveSeconds
    startup: Seconds


class SweepNote(_Message):
    """Something about the sweep worth a line in the report (a cut, a cap)."""

    event: Literal["sweep_note"] = "sweep_note"
    text: Text


class InternalError(_Message):
    """The runner itself failed (a bug of ours, not of the function)."""

    event: Literal["internal_error"] = "internal_error"
    traceback: Annotated[str, Field(max_length=MAX_TRACEBACK)]


class Done(_Message):
    event: Literal["done"] = "done"


Event = Annotated[
    Hello
    | Phase
    | InputsTaken
    | TargetFailed
    | Ready
    | WarmupDone
    | WarmupFailed
    | Planned
    | Skipped
    | Starting
    | Warming
    | SetupDone
    | Started
    | TrialStarted
    | TrialDone
    | TrialFailed
    | FreeCpus
    | OutOfTime
    | Settled
    | SweepTrialStarted
    | SweepTrialDone
    | SweepNote
    | InternalError
    | Done,
    Field(discriminator="event"),
]


class _Envelope(_Message):
    token: Annotated[str, Field(max_length=64)]
    seq: Annotated[int, Field(ge=0)]
    event: Event


_ENVELOPE: TypeAdapter[_Envelope] = TypeAdapter(_Envelope)


def _describe(exc: ValidationError) -> str:
    """One line naming the first wrong field: ``trial.wall: Input should be ...``."""
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"] if part != "event") or "line"
    return f"{where}: {error['msg']}"


class EventWriter:
    """The runner's end: one JSON line per event, written whole, thread-safe."""

    def __init__(self, fd: int, token: str) -> None:
        self._fd = fd
        self._token = token
        self._seq = 0
        self._lock = threading.Lock()

    def emit(self, event: Event) -> None:
        with self._lock:
            envelope = _Envelope(token=self._token, seq=self._seq, event=event)
            data = envelope.model_dump_json().encode() + b"\n"
            if len(data) > MAX_LINE_BYTES:  # pragma: no cover - texts are clipped
                raise ValueError(f"event line of {len(data)} bytes")
            self._seq += 1
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view) :]


class EventReader:
    """The parent's end: bytes in, validated events out; a :class:`ProtocolError` else."""

    def __init__(self, token: str) -> None:
        self._token = token
        self._seq = 0
        self._buffer = b""

    def feed(self, data: bytes) -> list[Event]:
        """Events completed by ``data`` (raises at the first line that is not valid)."""
        self._buffer += data
        *lines, rest = self._buffer.split(b"\n")
        if len(rest) > MAX_LINE_BYTES:
            raise ProtocolError(f"an event line longer than {MAX_LINE_BYTES} bytes")
        self._buffer = rest
        events: list[Event] = []
        for line in lines:
            try:
                events.append(self.decode(line))
            except ProtocolError as problem:
                raise ProtocolError(str(problem), before=events) from None
        return events

    @property
    def pending(self) -> bool:
        """Bytes of an unfinished line are waiting (at EOF: a truncated event)."""
        return bool(self._buffer)

    def decode(self, line: bytes) -> Event:
        """Validate one line (without its newline) as the next event of this stream."""
        if len(line) > MAX_LINE_BYTES:
            raise ProtocolError(f"an event line longer than {MAX_LINE_BYTES} bytes")
        try:
            raw = json.loads(line)
        except (ValueError, RecursionError):
            raise ProtocolError(f"an event line that is not JSON: {line[:60]!r}") from None
        if not isinstance(raw, dict) or raw.get("token") != self._token:
            raise ProtocolError(f"an event line not written by this runner: {line[:60]!r}")
        try:
            envelope = _ENVELOPE.validate_python(raw)
        except ValidationError as exc:
            raise ProtocolError(f"a malformed event ({_describe(exc)})") from None
        if envelope.seq != self._seq:
            raise ProtocolError(
                f"event number {envelope.seq} where {self._seq} was due (lines lost or forged)"
            )
        self._seq += 1
        return envelope.event


def _read_exact(fd: int, size: int) -> bytes:
    chunks: list[bytes] = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise EOFError("the parent closed the config pipe early")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


@dataclass(frozen=True)
class RunnerConfig:
    """What the parent tells one runner.  ``warmup`` and ``plan`` come from an earlier
    runner of the same probe (a restart after a hang or crash reuses them)."""

    spec: str
    cwd: str
    token: str
    deadline_wall: float  # time.time() by which the runner must be done
    cpus: int
    start_method: str
    executors: tuple[str, ...]
    sys_path: tuple[str, ...] = ()
    args: Sequence[Any] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    inputs: str | None = None
    calls: tuple[tuple[Any, ...], ...] | None = None
    tasks: int | None = None
    workers: int | None = None
    #: The per-worker setup, ``MODULE:FUNC`` (:mod:`.worker`).
    setup: str | None = None
    warmup: Warmup | None = None
    plan: PlanData | None = None
    #: A Dask scheduler address for the dask executor (None: a LocalCluster).
    scheduler: str | None = None

    def encode(self) -> bytes:
        """Length-prefixed pickle (raises what pickling raises)."""
        payload = pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)
        return struct.pack("!Q", len(payload)) + payload

    @classmethod
    def read(cls, fd: int) -> RunnerConfig:
        """The config the parent wrote on ``fd`` (the runner's end)."""
        (size,) = struct.unpack("!Q", _read_exact(fd, 8))
        config = pickle.loads(_read_exact(fd, size))
        if not isinstance(config, cls):
            raise TypeError(f"expected a RunnerConfig, got {type(config).__name__}")
        return config
