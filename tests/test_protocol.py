"""The runner protocol: both ends, and what the parent does with a stream it cannot trust."""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from concadvisor.probing import protocol as p
from concadvisor.probing.planning import make_plan
from concadvisor.probing.session import GRACED_PHASES, Measurements, _Deadlines, _follow, _Watch

TOKEN = "t" * 32

WARMUP = p.Warmup(
    calls=3,
    first_seconds=0.01,
    task_seconds=0.002,
    cpu_seconds=0.002,
    queued_seconds=0.0,
    cpu_share=1.0,
    is_async=False,
    loop_wall_seconds=0.0,
    loop_cpu_seconds=0.0,
    args_bytes=10,
    result_bytes=None,
    args_pickle_error=None,
    result_pickle_error="PicklingError: no",
    func_pickle_error=None,
    user_seconds=0.0019,
    system_seconds=0.0001,
)
PLAN = p.PlanData.from_plan(make_plan(0.002, 1.0, is_async=False, cpus=2, time_left=3.0))

#: One of every kind, in the order a run sends them.
EVERY_EVENT: list[p.Event] = [
    p.Hello(pid=123),
    p.Phase(name="import"),
    p.Phase(name="inputs"),
    p.InputsTaken(count=4096, complete=False),
    p.Ready(pid=123, is_async=False, seconds=0.2),
    p.Phase(name="setup"),
    p.SetupDone(executor="serial", workers=1, total=0.01, slowest=0.01),
    p.Phase(name="warmup"),
    p.WarmupDone(result=WARMUP),
    p.WarmupFailed(kind="ValueError", message="boom"),
    p.Planned(plan=PLAN),
    p.Skipped(executor="processes", reason="cannot pickle"),
    p.Starting(executor="threads"),
    p.Warming(executor="threads", expected=0.1),
    p.SetupDone(executor="threads", workers=4, total=0.04, slowest=0.02),
    p.Started(executor="threads", seconds=0.01),
    p.TrialStarted(executor="threads", round=1, expected=0.1),
    p.TrialDone(executor="threads", round=1, wall=0.1, cpu=0.05, queued=0.0),
    p.TrialDone(
        executor="processes",
        round=1,
        wall=0.1,
        cpu=0.05,
        queued=0.0,
        user=0.04,
        system=0.01,
        peak_rss=40_000_000,
    ),
    p.FreeCpus(when="before", cpus=1.93),
    p.TrialFailed(executor="threads", round=2, kind="ValueError", message="x", exitcode=None),
    p.OutOfTime(round=3),
    p.Settled(round=3),
    p.TargetFailed(message="cannot import 'x'"),
    p.SweepTrialStarted(executor="threads", width=4, chunksize=None, tasks=8, expected=0.1),
    p.SweepTrialDone(executor="processes", width=2, chunksize=3, tasks=8, wall=0.05, startup=0.02),
    p.SweepTrialDone(executor="asyncio", width=0, chunksize=None, tasks=64, wall=0.01, startup=0.0),
    p.SweepNote(text="sweep: threads stopped before width 64"),
    p.SetupDone(executor="processes", workers=8, total=0.4, slowest=0.1, sweep=True),
    p.InternalError(traceback="Traceback...\nRuntimeError: bug"),
    p.Done(),
]


def _written(events: list[p.Event], token: str = TOKEN) -> bytes:
    read, write = os.pipe()
    try:
        writer = p.EventWriter(write, token)
        for event in events:
            writer.emit(event)
        os.close(write)
        chunks = []
        while chunk := os.read(read, 1 << 16):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(read)


def _line(seq: int, event: dict[str, object], token: str = TOKEN) -> bytes:
    return json.dumps({"token": token, "seq": seq, "event": event}).encode() + b"\n"


def test_every_kind_round_trips_through_a_pipe() -> None:
    data = _written(EVERY_EVENT)
    reader = p.EventReader(TOKEN)
    # fed in awkward pieces: lines split anywhere
    decoded = [event for i in range(0, len(data), 7) for event in reader.feed(data[i : i + 7])]
    assert decoded == EVERY_EVENT
    assert not reader.pending
    assert {type(e) for e in EVERY_EVENT} == set(p.Event.__origin__.__args__)  # type: ignore[attr-defined]


def test_plan_and_warmup_survive_the_wire() -> None:
    assert PLAN.to_plan() == make_plan(0.002, 1.0, is_async=False, cpus=2, time_left=3.0)
    assert WARMUP.model_dump()["result_pickle_error"] == "PicklingError: no"


TRIAL = {"event": "trial", "executor": "serial", "round": 1, "wall": 0.5, "cpu": 0.5, "queued": 0}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "not written by this runner"),
        (_line(0, TRIAL, token="forged"), "not written by this runner"),
        (_line(1, TRIAL), "event number 1 where 0 was due"),
        (_line(0, {"event": "teleport"}), "malformed event"),
        (_line(0, {**TRIAL, "wall": 0.0}), r"wall: Input should be greater than 0"),
        (_line(0, {**TRIAL, "wall": -1.0}), "wall"),
        (_line(0, {**TRIAL, "cpu": float("nan")}), "cpu: Input should be a finite number"),
        (_line(0, {**TRIAL, "wall": float("inf")}), "wall: Input should be a finite number"),
        (_line(0, {**TRIAL, "wall": "0.5"}), "wall: Input should be a valid number"),
        (_line(0, {**TRIAL, "executor": "gpu"}), "executor"),
        (_line(0, {**TRIAL, "round": True}), "round"),
        (_line(0, {**TRIAL, "extra": 1}), "extra"),
        (_line(0, {"event": "ready", "pid": 1, "is_async": 1, "seconds": 0}), "is_async"),
        (_line(0, {"event": "internal_error", "traceback": "x" * 20_000}), "traceback"),
    ],
)
def test_malformed_lines_are_protocol_errors(line: bytes, message: str) -> None:
    reader = p.EventReader(TOKEN)
    with pytest.raises(p.ProtocolError, match=message) as caught:
        reader.feed(line if line.endswith(b"\n") else line + b"\n")
    assert "\n" not in str(caught.value)


def test_an_endless_line_is_refused_before_it_ends() -> None:
    reader = p.EventReader(TOKEN)
    for _ in range(p.MAX_LINE_BYTES // 4096):
        reader.feed(b"x" * 4096)
    with pytest.raises(p.ProtocolError, match="longer than"):
        reader.feed(b"x")


@given(st.binary(max_size=300))
def test_reader_is_total_over_bytes(data: bytes) -> None:
    """Whatever arrives: validated events or a ProtocolError, never anything else."""
    reader = p.EventReader(TOKEN)
    with contextlib.suppress(p.ProtocolError):
        reader.feed(data)


@given(st.lists(st.sampled_from(EVERY_EVENT), max_size=8), st.integers(1, 50))
def test_writer_and_reader_agree_on_any_sequence(events: list[p.Event], step: int) -> None:
    data = _written(events)
    reader = p.EventReader(TOKEN)
    got = [e for i in range(0, len(data), step) for e in reader.feed(data[i : i + step])]
    assert got == events


def _watch() -> _Watch:
    return _Watch(Measurements(target="m:f"), None, time.monotonic(), 5.0)


def test_a_result_for_a_step_that_is_not_running_is_refused() -> None:
    """A forged (or misordered) trial never lands in the measurements."""
    watch = _watch()
    watch.handle(p.TrialStarted(executor="threads", round=1, expected=0.1))
    for forged in (
        p.TrialDone(executor="processes", round=1, wall=1e-6, cpu=0.0, queued=0.0),
        p.TrialDone(executor="threads", round=2, wall=1e-6, cpu=0.0, queued=0.0),
    ):
        with pytest.raises(p.ProtocolError, match="while the runner was trial threads"):
            watch.handle(forged)
    assert watch.m.records["processes"].walls == []
    fresh = _watch()
    fresh.handle(p.Hello(pid=1))
    with pytest.raises(p.ProtocolError, match="while the runner was import"):
        fresh.handle(p.Started(executor="serial", seconds=0.0))


def test_an_untrusted_stream_measures_nothing_more() -> None:
    watch = _watch()
    watch.handle(p.Hello(pid=1))
    watch.handle(p.Ready(pid=1, is_async=False, seconds=0.1))
    watch.handle(p.TrialStarted(executor="serial", round=1, expected=0.1))
    watch.attribute_untrusted(p.ProtocolError("a malformed event (wall: ...)"))
    records = watch.m.records
    assert records["serial"].status == "failed"
    assert "event pipe" in str(records["serial"].reason)
    assert {records[n].status for n in ("threads", "processes", "asyncio")} == {"skipped"}


def test_every_event_kind_has_a_handler() -> None:
    """The parent handles every kind (the runner's "phase" had none)."""
    for event in EVERY_EVENT:
        watch = _watch()
        watch.handle(p.Hello(pid=1))
        if isinstance(event, (p.Warming, p.Started)) or (
            isinstance(event, p.SetupDone) and event.executor == "threads"
        ):
            watch.handle(p.Starting(executor="threads"))
        if isinstance(event, p.SetupDone) and event.executor == "serial":
            watch.handle(p.Phase(name="setup"))
        if isinstance(event, p.TrialDone):
            watch.handle(p.TrialStarted(executor=event.executor, round=1, expected=0.1))
        if isinstance(event, p.SweepTrialDone):
            watch.handle(
                p.SweepTrialStarted(
                    executor=event.executor, width=event.width, chunksize=None, tasks=1, expected=1
                )
            )
        watch.handle(event)


def test_a_sweep_result_counts_only_for_the_sweep_trial_the_parent_saw_start() -> None:
    watch = _watch()
    watch.handle(p.Hello(pid=1))
    done = p.SweepTrialDone(
        executor="threads", width=4, chunksize=None, tasks=8, wall=0.05, startup=0.0
    )
    with pytest.raises(p.ProtocolError):
        watch.handle(done)
    watch.handle(
        p.SweepTrialStarted(executor="threads", width=4, chunksize=None, tasks=8, expected=0.1)
    )
    watch.handle(done)
    assert watch.m.records["threads"].sweep == [(4, None, 8, 0.05)]


class _SilentRunner:
    """A runner that is alive and says nothing: only the clock can end the run."""

    eof = False

    class proc:
        @staticmethod
        def poll() -> None:
            return None

    def poll(self, timeout: float) -> list[p.Event]:
        time.sleep(timeout)
        return []


def _follow_silence(*events: p.Event, grace: float) -> tuple[str, float, _Watch]:
    watch = _watch()
    for event in (p.Hello(pid=1), p.Ready(pid=1, is_async=False, seconds=0.1), *events):
        watch.handle(event)
    started = time.monotonic()
    deadlines = _Deadlines(budget=started, hard=started + grace)
    outcome = _follow(_SilentRunner(), watch, deadlines)  # type: ignore[arg-type]
    return outcome, time.monotonic() - started, watch


def test_a_pool_start_is_cut_at_the_budget_not_after_the_grace() -> None:
    """Starting a pool measures nothing: it gets none of the grace (1024 workers)."""
    outcome, seconds, watch = _follow_silence(p.Starting(executor="processes"), grace=60.0)
    assert outcome == "deadline"
    assert seconds < 30.0  # at the budget (now), not at the hard deadline (60 s away)
    reason = str(watch.m.records["processes"].reason)
    assert watch.m.records["processes"].status == "skipped"
    assert "the budget ran out while its pool was starting" in reason


def test_a_round_under_way_may_use_the_grace() -> None:
    started = p.TrialStarted(executor="threads", round=1, expected=10.0)
    outcome, seconds, watch = _follow_silence(started, grace=0.3)
    assert outcome == "deadline"
    assert seconds >= 0.3
    assert "the budget ran out during its first round" in str(watch.m.records["threads"].reason)
    assert {"warmup", "trial", "sweep"} <= GRACED_PHASES
    assert not GRACED_PHASES & {"spawn", "import", "inputs", "starting", "warming"}


def test_nothing_outside_the_protocol_spells_event_names() -> None:
    root = Path(p.__file__).resolve().parents[1]
    names = ["trial_start", "ready_to_time", "warmup_error", "trial_error", "target_error"]
    names += ["out_of_time", "internal_error", '"event"']
    offenders = [
        f"{path.name}: {name}"
        for path in root.rglob("*.py")
        if path.name != "protocol.py"
        for name in names
        if (f'"{name}"' if not name.startswith('"') else name) in path.read_text()
    ]
    assert offenders == []


def test_events_ahead_of_a_bad_line_in_the_same_read_are_kept() -> None:
    """A forged line read together with the runner's own events does not swallow them:
    the parent must still learn that the warm-up had begun (F14)."""
    good = _written(EVERY_EVENT[:3])
    reader = p.EventReader(TOKEN)
    with pytest.raises(p.ProtocolError, match="not written by this runner") as caught:
        reader.feed(good + b'{"event": "trial", "executor": "processes"}\n')
    assert list(caught.value.before) == EVERY_EVENT[:3]


def test_setup_costs_land_apart_from_startup_and_sweep() -> None:
    """The main pool's setup is its own figure; a sweep pool's adds to sweep_setup."""
    watch = _watch()
    watch.handle(p.Hello(pid=1))
    watch.handle(p.Phase(name="setup"))
    watch.handle(p.SetupDone(executor="serial", workers=1, total=0.01, slowest=0.01))
    watch.handle(p.Starting(executor="threads"))
    watch.handle(p.SetupDone(executor="threads", workers=4, total=0.04, slowest=0.02))
    watch.handle(p.Started(executor="threads", seconds=0.001))
    watch.handle(p.SetupDone(executor="threads", workers=8, total=0.08, slowest=0.02, sweep=True))
    serial, threads = watch.m.records["serial"], watch.m.records["threads"]
    assert (serial.setup_workers, serial.setup_total) == (1, 0.01)
    assert (threads.setup_workers, threads.setup_total, threads.setup_slowest) == (4, 0.04, 0.02)
    assert threads.startup == 0.001
    assert threads.sweep_setup == 0.08


def test_a_main_pool_setup_result_needs_its_pool_starting() -> None:
    watch = _watch()
    watch.handle(p.Hello(pid=1))
    with pytest.raises(p.ProtocolError, match="while the runner was import"):
        watch.handle(p.SetupDone(executor="threads", workers=4, total=0.04, slowest=0.02))


def test_a_runner_dying_in_setup_blames_the_setup() -> None:
    watch = _Watch(Measurements(target="m:f", setup="m:open"), None, time.monotonic(), 5.0)
    watch.handle(p.Hello(pid=1))
    watch.handle(p.Phase(name="setup"))
    watch.attribute_death(-9)
    assert watch.target_error == "setup m:open killed the process (killed by signal SIGKILL)"
