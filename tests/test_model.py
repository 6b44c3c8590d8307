"""The cost model: formulas on hand-computed cases, properties, and its use by advise()."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from concadvisor import Environment, TaskProfile, advise
from concadvisor.costs import DEFAULT_COSTS, MachineCosts, predict
from concadvisor.costs.model import Inputs, predict_inputs, waves
from concadvisor.executors import available
from concadvisor.executors.asyncio import asyncio_seconds
from concadvisor.executors.processes import process_seconds
from concadvisor.executors.threads import thread_seconds
from concadvisor.rules.base import Facts
from concadvisor.rules.thresholds import predicted

from strategies import environments, profiles

#: Round figures so that every expectation below can be checked by hand.
COSTS = MachineCosts(
    process_start_seconds={"fork": 0.01, "forkserver": 0.05, "spawn": 0.1},
    thread_start_seconds=1e-4,
    thread_dispatch_seconds=1e-5,
    process_dispatch_seconds=1e-4,
    process_batched_dispatch_seconds=1e-5,
    asyncio_dispatch_seconds=1e-5,
    ipc_bytes_per_second=1e8,
    thread_switch_seconds=1e-5,
    coroutine_switch_seconds=1e-6,
)


def inputs(**changes: Any) -> Inputs:
    """100 CPU tasks of 10 ms, GIL-bound, 2 CPUs, 2 workers each, fork, batched."""
    base = Inputs(
        tasks=100,
        task_seconds=0.01,
        cpu_share=1.0,
        gil_bound=True,
        payload_bytes=0,
        cpus=2,
        start_method="fork",
        awaits_io=False,
        threads=2,
        processes=2,
        concurrency=2,
        chunksize=12,
    )
    return base._replace(**changes)


def test_waves() -> None:
    assert (waves(100, 2), waves(101, 2), waves(3, 8), waves(1, 1)) == (50, 51, 1, 1)


def test_cpu_work_on_processes() -> None:
    # parent 100*1e-5 = 1 ms; span 50*10 ms = 0.5 s; cpu 100*(10 ms + 10 µs)/2 = 0.5005 s;
    # start-up 2 * 10 ms.
    p = process_seconds(inputs(), COSTS)
    assert p.seconds == pytest.approx(0.02 + 0.5005)
    assert p.speedup == pytest.approx(1.0 / 0.5205)
    assert p.startup_seconds == pytest.approx(0.02)
    assert p.ideal_seconds == pytest.approx(0.5)
    assert p.workers == 2


def test_unbatched_dispatch_and_spawn() -> None:
    # chunksize 1: dispatch 100 µs; cpu 100*(10 ms + 100 µs)/2 = 0.505 s; spawn 2 * 100 ms.
    p = process_seconds(inputs(chunksize=1, start_method="spawn"), COSTS)
    assert p.seconds == pytest.approx(0.2 + 0.505)


def test_payload_on_processes() -> None:
    # 1 MB at 100 MB/s: ipc 10 ms. parent 100*(10 µs + 5 ms) = 0.501 s;
    # span 50*(10 ms + 5 ms) = 0.75 s; cpu 100*(10 ms + 10 µs + 10 ms)/2 = 1.0005 s.
    p = process_seconds(inputs(payload_bytes=1_000_000), COSTS)
    assert p.ipc_seconds == pytest.approx(0.01)
    assert p.seconds == pytest.approx(0.02 + 1.0005)
    assert p.speedup < 1.0
    assert p.overhead_share == pytest.approx(1 - 0.5 / 1.0205)


def test_gil_bound_cpu_work_on_threads() -> None:
    # q = 1: locked = 100*10 µs + 100*10 ms = 1.001 s > span 0.5 s; start-up 2*100 µs.
    t = thread_seconds(inputs(), COSTS)
    assert t.seconds == pytest.approx(2e-4 + 1.001)
    assert t.speedup < 1.0


def test_gil_releasing_cpu_work_on_threads() -> None:
    # 8 tasks of 100 ms on 2 threads and 2 CPUs: span 4*0.1; compute 8*0.1/2; locked adds
    # 8*10 µs of dispatch.
    t = thread_seconds(inputs(tasks=8, task_seconds=0.1, gil_bound=False), COSTS)
    assert t.seconds == pytest.approx(2e-4 + 0.4 + 8e-5)
    assert t.speedup == pytest.approx(0.8 / t.seconds)


def test_waiting_overlaps_on_threads_and_coroutines() -> None:
    x = inputs(tasks=1000, task_seconds=0.1, cpu_share=0.0, threads=64, concurrency=500)
    # Threads: span ceil(1000/64)=16 waves of 0.1 s; locked 1000*(10+10 µs) + 0.1 s fill.
    t = thread_seconds(x, COSTS)
    assert t.seconds == pytest.approx(64e-4 + 1.6)
    # Coroutines (awaited): span 2 waves of 0.1 s; the loop's 1000*(10+1 µs) + 0.1 s less.
    a = asyncio_seconds(x._replace(awaits_io=True), COSTS)
    assert a.seconds == pytest.approx(0.2)
    assert a.speedup == pytest.approx(500)
    # Synchronous code on the loop: one call at a time, plus the task overhead.
    s = asyncio_seconds(x, COSTS)
    assert s.seconds == pytest.approx(1000 * (0.1 + 1e-5))
    assert s.workers == 1


def test_mixed_work_cpu_part_serialises_under_the_gil() -> None:
    # 40 tasks, 20 ms each, half CPU: the loop/GIL must run 40*10 ms = 0.4 s, and can
    # start only after the first 10 ms wait.
    x = inputs(tasks=40, task_seconds=0.02, cpu_share=0.5, threads=16, concurrency=40)
    t = thread_seconds(x, COSTS)
    assert t.seconds == pytest.approx(16e-4 + 0.4 + 40 * 2e-5 + 0.01)
    a = asyncio_seconds(x._replace(awaits_io=True), COSTS)
    assert a.seconds == pytest.approx(0.4 + 40 * 11e-6 + 0.01)


def test_predict_without_startup() -> None:
    p = process_seconds(inputs(include_startup=False), COSTS)
    assert p.seconds == pytest.approx(0.5005)
    assert p.startup_seconds == 0.0


def test_predict_from_a_profile() -> None:
    env = Environment.example(cpus=2, costs=COSTS)
    profile = {"workload": "cpu", "tasks": 100, "task_seconds": 0.01}
    p = predict(profile, env, workers={"processes": 2}, chunksize=12)
    assert p.executors["processes"].seconds == pytest.approx(0.5205)
    assert p.speedup["serial"] == 1.0
    assert p.of("processes") is p.executors["processes"]
    assert p.costs_source == "defaults"
    assert any("cpu_fraction unknown" in a for a in p.assumptions)
    # One width for every pool.
    assert predict(profile, env, workers=1).executors["threads"].workers == 1


def test_predict_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="task_seconds"):
        predict({"workload": "cpu", "tasks": 4}, Environment.example())
    with pytest.raises(ValueError, match="workers"):
        predict({"workload": "cpu", "task_seconds": 1.0}, Environment.example(), workers=0)
    with pytest.raises(ValueError, match="unknown executor"):
        predict(
            {"workload": "cpu", "task_seconds": 1.0},
            Environment.example(),
            workers={"fibers": 2},
        )


# -- properties ---------------------------------------------------------------------------

positive = st.floats(min_value=1e-9, max_value=10.0, allow_nan=False, allow_infinity=False)


@st.composite
def machine_costs(draw: st.DrawFn) -> MachineCosts:
    return MachineCosts(
        process_start_seconds={
            "fork": draw(positive),
            "forkserver": draw(positive),
            "spawn": draw(positive),
        },
        thread_start_seconds=draw(positive),
        thread_dispatch_seconds=draw(positive),
        process_dispatch_seconds=draw(positive),
        process_batched_dispatch_seconds=draw(positive),
        asyncio_dispatch_seconds=draw(positive),
        ipc_bytes_per_second=draw(st.floats(min_value=1e3, max_value=1e11)),
        thread_switch_seconds=draw(positive),
        coroutine_switch_seconds=draw(positive),
    )


@st.composite
def model_inputs(draw: st.DrawFn) -> Inputs:
    return Inputs(
        tasks=draw(st.integers(min_value=1, max_value=10**7)),
        task_seconds=draw(st.floats(min_value=1e-9, max_value=1e4)),
        cpu_share=draw(st.floats(min_value=0.0, max_value=1.0)),
        gil_bound=draw(st.booleans()),
        payload_bytes=draw(st.integers(min_value=0, max_value=10**10)),
        cpus=draw(st.integers(min_value=1, max_value=256)),
        start_method=draw(st.sampled_from(["fork", "spawn", "forkserver"])),
        awaits_io=draw(st.booleans()),
        threads=draw(st.integers(min_value=1, max_value=1000)),
        processes=draw(st.integers(min_value=1, max_value=256)),
        concurrency=draw(st.integers(min_value=1, max_value=10_000)),
        chunksize=draw(st.integers(min_value=1, max_value=1000)),
        include_startup=draw(st.booleans()),
    )


TOLERANCE = 1 + 1e-9  # float rounding only


@given(model_inputs(), machine_costs())
def test_speedups_are_positive_and_finite(x: Inputs, costs: MachineCosts) -> None:
    for item in predict_inputs(x, costs).executors.values():
        assert item.seconds > 0 and math.isfinite(item.seconds)
        assert item.speedup > 0 and math.isfinite(item.speedup)
        assert 0.0 <= item.overhead_share <= 1.0


@given(model_inputs(), machine_costs())
def test_cpu_work_on_processes_never_beats_the_usable_cpus(x: Inputs, costs: MachineCosts) -> None:
    cpu_bound = x._replace(cpu_share=1.0)
    assert process_seconds(cpu_bound, costs).speedup <= cpu_bound.cpus * TOLERANCE


@given(model_inputs(), machine_costs())
def test_no_speedup_beyond_the_concurrency_limit(x: Inputs, costs: MachineCosts) -> None:
    p = predict_inputs(x, costs)
    assert p.executors["threads"].speedup <= min(x.threads, x.tasks) * TOLERANCE
    assert p.executors["processes"].speedup <= min(x.processes, x.tasks) * TOLERANCE
    assert p.executors["asyncio"].speedup <= min(x.concurrency, x.tasks) * TOLERANCE
    if not x.awaits_io:
        assert p.executors["asyncio"].speedup < 1.0  # sync calls on the loop, one at a time


@given(model_inputs(), machine_costs())
def test_gil_bound_cpu_work_gains_nothing_from_threads(x: Inputs, costs: MachineCosts) -> None:
    cpu_bound = x._replace(cpu_share=1.0, gil_bound=True)
    assert thread_seconds(cpu_bound, costs).speedup < 1.0
    assert asyncio_seconds(cpu_bound._replace(awaits_io=True), costs).speedup < 1.0


@given(model_inputs(), machine_costs(), st.integers(min_value=0, max_value=10**9))
def test_monotone_in_payload(x: Inputs, costs: MachineCosts, more: int) -> None:
    lighter = process_seconds(x, costs)
    heavier = process_seconds(x._replace(payload_bytes=x.payload_bytes + more), costs)
    assert heavier.seconds >= lighter.seconds


@given(model_inputs(), machine_costs(), st.floats(min_value=1.0, max_value=1e3))
def test_monotone_in_dispatch_costs(x: Inputs, costs: MachineCosts, factor: float) -> None:
    dearer = costs.model_copy(
        update={
            "thread_dispatch_seconds": costs.thread_dispatch_seconds * factor,
            "process_dispatch_seconds": costs.process_dispatch_seconds * factor,
            "process_batched_dispatch_seconds": costs.process_batched_dispatch_seconds * factor,
            "asyncio_dispatch_seconds": costs.asyncio_dispatch_seconds * factor,
            "ipc_bytes_per_second": costs.ipc_bytes_per_second / factor,
        }
    )
    cheap, dear = predict_inputs(x, costs), predict_inputs(x, dearer)
    for name in ("threads", "processes", "asyncio"):
        assert dear.executors[name].seconds >= cheap.executors[name].seconds


# -- advise() carries the predictions --------------------------------------------------------


@given(profiles, environments())
def test_advice_carries_predictions_when_durations_are_known(profile: Any, env: Any) -> None:
    rec = advise(profile, environment=env)
    assert rec.costs_source == "defaults"
    if profile.task_seconds is None:
        assert rec.predicted_speedup is None
        return
    assert rec.predicted_speedup is not None
    assert set(rec.predicted_speedup) == {entry.executor.value for entry in available(env)}
    assert rec.predicted_speedup["serial"] == 1.0
    assert all(v > 0 and math.isfinite(v) for v in rec.predicted_speedup.values())


def test_advice_quotes_the_prediction() -> None:
    env = Environment.example()
    rec = advise({"workload": "cpu", "tasks": 200, "task_seconds": 0.05}, environment=env)
    assert rec.predicted_speedup is not None
    assert 3.0 < rec.predicted_speedup["processes"] <= 4.0
    assert "predicted" in rec.summary
    heavy = advise(
        {"workload": "cpu", "tasks": 10, "task_seconds": 0.1, "payload_bytes": 20_000_000},
        environment=env,
    )
    (ipc,) = [r for r in heavy.reasons if r.rule_id == "CA503"]
    assert "processes: ~" in ipc.message and "predicted" in ipc.message
    assert "MiB per task" in ipc.message


def test_calibrated_costs_change_the_prediction() -> None:
    profile = {"workload": "cpu", "tasks": 8, "task_seconds": 0.05, "start_method": "spawn"}
    slow_start = DEFAULT_COSTS.model_copy(
        update={"process_start_seconds": {"fork": 0.005, "forkserver": 0.5, "spawn": 0.5}}
    )
    fast = advise(profile, environment=Environment.example())
    slow = advise(
        profile,
        environment=Environment.example(
            costs=slow_start.model_copy(update={"source": "calibrated"})
        ),
    )
    assert slow.costs_source == "calibrated"
    assert fast.predicted_speedup is not None and slow.predicted_speedup is not None
    assert slow.predicted_speedup["processes"] < fast.predicted_speedup["processes"]
    assert "CA502" in {r.rule_id for r in slow.reasons}


def test_rules_and_advice_share_one_prediction() -> None:
    from concadvisor.profile import TaskProfile

    facts = Facts(TaskProfile(workload="io", tasks=10, task_seconds=0.1), Environment.example())
    first = predicted(facts)
    assert first is not None and predicted(facts) is first
    assert predicted(Facts(TaskProfile(workload="io"), Environment.example())) is None


# --- totality over extreme values (F7 of issue 14) --------------------------------------

_HUGE_INTS = st.integers(min_value=-(2**1100), max_value=2**1100) | st.sampled_from(
    [2**1024, 2**63, 10**12, 10**12 + 1, 2**50, 2**50 + 1, 2**16, 2**16 + 1]
)
_EXTREME_FLOATS = st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True) | (
    st.sampled_from([5e-324, 2.2e-308, 1e-9, 1e-10, 1e9, 1.0000001e9, 1.7976931348623157e308])
)


@st.composite
def extreme_profiles(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = {"workload": draw(st.sampled_from(["io", "cpu", "mixed"]))}
    numbers: dict[str, st.SearchStrategy[Any]] = {
        "tasks": _HUGE_INTS,
        "task_seconds": _EXTREME_FLOATS,
        "payload_bytes": _HUGE_INTS,
        "cpus": _HUGE_INTS,
        "cpu_fraction": _EXTREME_FLOATS | st.floats(min_value=0, max_value=1e-300),
    }
    for key, strategy in numbers.items():
        if draw(st.booleans()):
            data[key] = draw(strategy)
    for key in ("releases_gil", "async_libraries", "free_threaded", "picklable"):
        if draw(st.booleans()):
            data[key] = draw(st.booleans())
    return data


@settings(max_examples=400, deadline=None)
@given(extreme_profiles(), environments())
def test_advice_is_total_over_extreme_numbers(data: dict[str, Any], env: Environment) -> None:
    """Anything but a ValidationError is a bug; every speedup quoted is a finite positive."""
    try:
        profile = TaskProfile.model_validate(data)
    except ValidationError:
        return
    rec = advise(profile, environment=env)
    for value in (rec.predicted_speedup or {}).values():
        assert math.isfinite(value) and value > 0
    for text in (rec.summary, *(r.message for r in rec.reasons)):
        assert not re.search(r"\b(nan|inf)\b", text, re.IGNORECASE), text
    if profile.task_seconds is not None:
        for workers in (None, 1, 10**6):
            for item in predict(profile, env, workers=workers).executors.values():
                assert math.isfinite(item.seconds) and item.seconds > 0
                assert math.isfinite(item.speedup) and item.speedup > 0


def test_a_300_digit_task_count_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="tasks"):
        advise({"workload": "cpu", "task_seconds": 1, "tasks": 2**1024})
