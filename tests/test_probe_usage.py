"""CPU time, free CPUs and memory: inference from synthetic numbers, the contention verdict,
the memory cap, and the runner-side readers."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from concadvisor import Executor, advise
from concadvisor.environment import Environment, available_memory
from concadvisor.probing.inference import (
    GIL_RELEASE_CPU_USE,
    MIN_SPLIT_CPU_SECONDS,
    CpuSplit,
    cpu_split,
    gil_released,
    infer_profile,
)
from concadvisor.probing.inference import free_cpus as infer_free_cpus
from concadvisor.probing.report import build_report
from concadvisor.probing.session import Measurements
from concadvisor.probing.usage import free_cpus, peak_rss_bytes, process_cpu, thread_cpu
from concadvisor.probing.usage_report import Memory, cap_by_memory
from concadvisor.probing.verdict import PARALLEL_FREE_CPUS, Decision, under_contention
from concadvisor.workers import memory_workers

GIL_2CPUS = Environment.example(cpus=2, logical_cpus=2)

_shares = st.floats(min_value=0.0, max_value=1.5, allow_nan=False)
_uses = st.floats(min_value=0.0, max_value=4.0, allow_nan=False) | st.none()
_free = st.floats(min_value=0.0, max_value=4.0, allow_nan=False) | st.none()


# --- gil_released: total over its inputs -------------------------------------------------


@given(user=_shares, system=_shares, threads_user=_uses, free=_free)
def test_gil_released_is_total_and_reads_only_cpu_time(
    user: float, system: float, threads_user: float | None, free: float | None
) -> None:
    split = CpuSplit(user, system, threads_user, 0.0 if threads_user is not None else None)
    seen = gil_released(split, free)
    if system > 0 and system >= user:
        assert seen is True  # kernel time holds no GIL
    elif threads_user is None:
        assert seen is None  # nothing under threads to read
    elif threads_user >= GIL_RELEASE_CPU_USE:
        assert seen is True  # threads ran user code at once
    elif free is not None and free < PARALLEL_FREE_CPUS:
        assert seen is None  # too few CPUs were free for threads to show it
    else:
        assert seen is False


# --- inference from synthetic rounds -----------------------------------------------------


def _measurements(
    serial_user: float, serial_system: float, threads_user: float, threads_wall: float
) -> Measurements:
    """Ten tasks of 10 ms per round, serial at 0.1 s; the CPU split per round as given
    (threads: the same task, so the same system time per unit of user time)."""
    m = Measurements(target="pkg.mod:work")
    m.warmup = {
        "task_seconds": 0.01,
        "cpu_share": 1.0,
        "is_async": False,
        "args_bytes": 40,
        "result_bytes": 60,
        "args_pickle_error": None,
        "result_pickle_error": None,
        "func_pickle_error": None,
    }
    m.plan = {"tasks": 10, "rounds": 3, "threads": 2, "processes": 2, "asyncio": 10}
    serial = m.records["serial"]
    serial.walls = [0.1] * 3
    serial.cpus = [serial_user + serial_system] * 3
    serial.queued = [0.0] * 3
    serial.users, serial.systems = [serial_user] * 3, [serial_system] * 3
    threads = m.records["threads"]
    threads.walls = [threads_wall] * 3
    threads.cpus = [threads_user] * 3
    threads_system = serial_system * (threads_user / serial_user) if serial_user else serial_system
    threads.users, threads.systems = [threads_user] * 3, [threads_system] * 3
    return m


def test_pure_python_cpu_work_is_cpu_and_holds_the_gil() -> None:
    m = _measurements(0.099, 0.001, 0.1, 0.1)  # threads: one core of user time
    m.free_cpus = {"before": 1.9, "after": 1.95}
    profile = infer_profile(m, cpus=2, start_method="fork", free_threaded=False)
    assert profile.workload == "cpu"
    assert profile.releases_gil is False


def test_native_work_that_releases_the_gil_is_seen_from_thread_cpu_time() -> None:
    # Two threads: 0.1 s of user CPU in 0.055 s of wall time, 1.8 cores.
    m = _measurements(0.1, 0.0, 0.1, 0.055)
    profile = infer_profile(m, cpus=2, start_method="fork", free_threaded=False)
    assert profile.workload == "cpu"
    assert profile.releases_gil is True


def test_under_contention_gil_release_is_not_inferred_and_a_note_says_why() -> None:
    m = _measurements(0.1, 0.0, 0.1, 0.1)
    m.free_cpus = {"before": 1.1, "after": 1.0}
    profile = infer_profile(m, cpus=2, start_method="fork", free_threaded=False)
    assert profile.releases_gil is False  # the default: not a measurement
    report = build_report(
        m, profile, advise(profile, environment=GIL_2CPUS), budget=3.0, overrides=[]
    )
    assert report.cpu_time is not None and report.cpu_time.gil_released is None
    assert any("only 1.0 CPUs were free" in note for note in report.notes)
    assert report.free_cpus == 1.0  # no round kept more busy


def test_syscall_heavy_io_is_not_called_cpu_work() -> None:
    # 80% of the time on the CPU, nearly all of it in the kernel (writes, fsync).
    m = _measurements(0.005, 0.075, 0.01, 0.06)
    profile = infer_profile(m, cpus=2, start_method="fork", free_threaded=False)
    assert profile.workload == "io"
    assert profile.cpu_fraction == pytest.approx(0.8)  # a CPU is still busy
    split = cpu_split(m)
    assert split is not None
    assert split.system_share == pytest.approx(0.75)
    report = build_report(
        m, profile, advise(profile, environment=GIL_2CPUS), budget=3.0, overrides=[]
    )
    assert any("kernel CPU time" in note for note in report.notes)
    data = report.model_dump(mode="json")
    assert data["cpu_time"]["system_share"] == pytest.approx(0.75)
    serial = data["results"][0]
    assert serial["user_seconds"] == pytest.approx(0.005)
    assert serial["system_seconds"] == pytest.approx(0.075)


def test_without_a_split_the_whole_cpu_share_decides_as_before() -> None:
    m = _measurements(0.005, 0.075, 0.01, 0.06)
    for record in m.records.values():
        record.users = [None] * len(record.walls)
        record.systems = [None] * len(record.walls)
    profile = infer_profile(m, cpus=2, start_method="fork", free_threaded=False)
    assert cpu_split(m) is None
    assert profile.workload == "cpu"  # 0.8 of the time on a CPU, nothing says where


def test_too_little_cpu_time_for_a_trusted_split_falls_back_to_the_whole_share() -> None:
    # 6 rounds of 10 ms of CPU: 60 ms, fewer clock ticks than a split needs.
    m = _measurements(0.001, 0.009, 0.001, 0.05)
    assert cpu_split(m) is None
    report = build_report(
        m,
        infer_profile(m, cpus=2, start_method="fork", free_threaded=False),
        advise(infer_profile(m, cpus=2, start_method="fork", free_threaded=False)),
        budget=3.0,
        overrides=[],
    )
    assert report.cpu_time is None  # not measured, not a guess


@given(
    user=st.floats(min_value=0.0, max_value=0.1),
    system=st.floats(min_value=0.0, max_value=0.1),
)
def test_the_workload_follows_user_time(user: float, system: float) -> None:
    assume(abs(6 * (user + system) - MIN_SPLIT_CPU_SECONDS) > 1e-9)  # no rounding at the edge
    m = _measurements(user, system, user, 0.1)
    profile = infer_profile(m, cpus=2, start_method="fork", free_threaded=False)
    trusted = 6 * (user + system) >= MIN_SPLIT_CPU_SECONDS  # serial + threads, 3 rounds each
    assert (cpu_split(m) is not None) is trusted
    share = (user if trusted else user + system) / 0.1  # untrusted: the whole CPU share
    expected = "cpu" if share >= 0.75 else "io" if share <= 0.25 else "mixed"
    assert profile.workload == expected


# --- the contention verdict --------------------------------------------------------------

_CONFIRMED = Decision("confirmed", "processes was the fastest", "processes", True, "serial")


@given(
    free=_free,
    cpus=st.integers(min_value=1, max_value=8),
    workload=st.sampled_from(["io", "cpu", "mixed"]),
    verdict=st.sampled_from(["confirmed", "contradicted", "inconclusive"]),
)
def test_too_few_free_cpus_make_a_verdict_on_computing_work_inconclusive(
    free: float | None, cpus: int, workload: str, verdict: str
) -> None:
    decision = Decision(verdict, "why", "processes", True, "serial")  # type: ignore[arg-type]
    out = under_contention(decision, free, cpus, workload)
    busy = free is not None and free < PARALLEL_FREE_CPUS and cpus >= 2 and workload != "io"
    if busy and verdict != "inconclusive":
        assert out.verdict == "inconclusive"
        assert out.reason.startswith(f"only {free:.1f} CPUs were free")
        assert out.fastest == "processes"  # what was measured stays reported
    else:
        assert out == decision


def test_a_busy_machine_makes_the_report_inconclusive() -> None:
    m = _measurements(0.1, 0.0, 0.1, 0.1)
    m.records["processes"].walls = [0.09] * 3  # kept 1.1 CPUs busy, no more
    m.records["processes"].cpus = [0.1] * 3
    m.free_cpus = {"before": 1.2}
    profile = infer_profile(m, cpus=2, start_method="fork", free_threaded=False)
    report = build_report(
        m, profile, advise(profile, environment=GIL_2CPUS), budget=3.0, overrides=[]
    )
    assert report.verdict == "inconclusive"
    assert "only 1.2 CPUs were free" in report.verdict_reason
    assert report.contention is not None and report.contention.free_cpus_before == 1.2
    m.free_cpus = {"before": 1.95, "after": 1.9}
    report = build_report(
        m, profile, advise(profile, environment=GIL_2CPUS), budget=3.0, overrides=[]
    )
    assert "CPUs were free" not in report.verdict_reason


def test_a_pool_that_kept_cpus_busy_had_them_whatever_the_reading_said() -> None:
    m = _measurements(0.1, 0.0, 0.1, 0.1)
    m.records["processes"].walls = [0.055] * 3  # 1.8 CPUs busy
    m.records["processes"].cpus = [0.1] * 3
    m.free_cpus = {"before": 0.9, "after": 1.2}
    profile = infer_profile(m, cpus=2, start_method="fork", free_threaded=False)
    report = build_report(
        m, profile, advise(profile, environment=GIL_2CPUS), budget=3.0, overrides=[]
    )
    assert report.free_cpus == pytest.approx(0.1 / 0.055, abs=1e-3)
    assert report.contention is not None and report.contention.free_cpus_before == 0.9
    assert "CPUs were free" not in report.verdict_reason


def test_free_cpus_without_any_round_is_the_reading() -> None:
    m = Measurements(target="pkg.mod:work")
    m.free_cpus = {"before": 1.7}
    assert infer_free_cpus(m) == 1.7
    assert infer_free_cpus(Measurements(target="pkg.mod:work")) is None


def test_a_failed_recommendation_is_contradicted_however_busy() -> None:
    m = _measurements(0.1, 0.0, 0.1, 0.1)
    m.records["processes"].status = "failed"
    m.records["processes"].reason = "WorkerDied: a worker process died"
    m.free_cpus = {"before": 0.5}
    profile = infer_profile(m, cpus=2, start_method="fork", free_threaded=False)
    recommendation = advise(profile, environment=GIL_2CPUS)
    assert recommendation.executor is Executor.PROCESSES
    report = build_report(m, profile, recommendation, budget=3.0, overrides=[])
    assert report.verdict == "contradicted"


# --- memory ------------------------------------------------------------------------------


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_available_memory_takes_the_tightest_cgroup_limit(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "proc/self/cgroup": "0::/a/b\n",
            "proc/meminfo": "MemTotal: 8000000 kB\nMemAvailable: 4000000 kB\n",
            "sys/fs/cgroup/a/b/memory.max": "max\n",
            "sys/fs/cgroup/a/memory.max": f"{2 << 30}\n",
            "sys/fs/cgroup/a/memory.current": f"{1 << 30}\n",
        },
    )
    assert available_memory(root) == 1 << 30


def test_available_memory_reads_a_cgroup_v1_limit_and_ignores_no_limit(tmp_path: Path) -> None:
    files = {
        "proc/self/cgroup": "4:memory:/job\n0::/\n",
        "proc/meminfo": "MemAvailable: 4000000 kB\n",
        "sys/fs/cgroup/memory/job/memory.limit_in_bytes": f"{3 << 30}\n",
        "sys/fs/cgroup/memory/job/memory.usage_in_bytes": f"{1 << 30}\n",
    }
    assert available_memory(_tree(tmp_path / "a", files)) == 2 << 30
    files["sys/fs/cgroup/memory/job/memory.limit_in_bytes"] = "9223372036854771712\n"
    assert available_memory(_tree(tmp_path / "b", files)) == 4000000 * 1024


def test_available_memory_falls_back_to_memavailable(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"proc/meminfo": "MemAvailable:    2048 kB\n"})
    assert available_memory(root) == 2048 * 1024
    assert available_memory(tmp_path / "nowhere") is None


@given(
    peak=st.integers(min_value=1, max_value=1 << 40),
    available=st.integers(min_value=0, max_value=1 << 44),
)
def test_memory_workers_fit(peak: int, available: int) -> None:
    fit = memory_workers(peak, available)
    assert fit >= 1
    assert fit == 1 or fit * peak <= available


def test_a_process_pool_is_capped_by_memory_with_a_reason() -> None:
    m = _measurements(0.1, 0.0, 0.1, 0.1)
    profile = infer_profile(m, cpus=2, start_method="fork", free_threaded=False)
    recommendation = advise(profile, environment=GIL_2CPUS)
    assert recommendation.executor is Executor.PROCESSES and recommendation.workers == 2
    memory = Memory(peak_rss_bytes=600 << 20, available_bytes=1 << 30, workers_fit=1)
    capped = cap_by_memory(recommendation, memory)
    assert capped.workers == 1
    assert "max_workers=1" in capped.snippet
    assert capped.reasons[-1].title == "Memory per process worker"
    assert "at most 1 workers fit" in capped.reasons[-1].message
    roomy = Memory(peak_rss_bytes=50 << 20, available_bytes=1 << 30, workers_fit=20)
    assert cap_by_memory(recommendation, roomy) == recommendation


# --- the readers -------------------------------------------------------------------------


def test_cpu_readers_count_computing_as_user_time() -> None:
    before, thread_before = process_cpu(), thread_cpu()
    total = 0
    for i in range(300_000):
        total += i % 7
    spent, thread_spent = process_cpu() - before, thread_cpu() - thread_before
    assert spent.user > 0 and thread_spent.user > 0
    assert spent.system >= 0 and thread_spent.system >= 0


def test_free_cpus_and_peak_rss_are_measured() -> None:
    assert free_cpus(2, seconds=0.02) > 0
    peak = peak_rss_bytes()
    assert peak is None or peak > 1 << 20
