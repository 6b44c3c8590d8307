"""The calibration cache at its file boundary: one typed document, read defensively.

Every command reads the cache (``advise`` too), so whatever sits at its path -- a FIFO, a
device, a huge or corrupt file -- must give one warning and the defaults, never a hang,
a crash or silence.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from concadvisor import detect_environment
from concadvisor.costs import DEFAULT_COSTS, CalibrationCacheWarning
from concadvisor.costs.cache import (
    MAX_CACHE_BYTES,
    cache_path,
    check_writable,
    load_cache_document,
    load_cached_costs,
    save_cache_document,
)
from concadvisor.costs.calibration import Calibration, Measurement
from concadvisor.costs.document import CalibrationDocument, MeasurementRecord
from concadvisor.costs.machine import machine_fingerprint, machine_info

from conftest import run_cli

ROOT = Path(__file__).resolve().parent.parent
POSIX = os.name == "posix"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CONCADVISOR_CACHE_DIR", str(tmp_path))
    detect_environment.cache_clear()
    yield tmp_path
    detect_environment.cache_clear()


def _document(**costs: float) -> CalibrationDocument:
    info = machine_info()
    return CalibrationDocument(
        fingerprint=machine_fingerprint(info),
        measured_at="2026-01-01T00:00:00+00:00",
        machine=info,
        cpus=2,
        costs=DEFAULT_COSTS.model_copy(
            update={
                "source": "calibrated",
                "measured_at": "2026-01-01T00:00:00+00:00",
                "fingerprint": machine_fingerprint(info),
                **costs,
            }
        ),
        measurements=[
            MeasurementRecord(
                key="thread_switch",
                label="thread hand-off",
                unit="s",
                median=1e-5,
                mad=1e-6,
                min=9e-6,
                max=2e-5,
                samples=5,
            )
        ],
    )


seconds = st.floats(min_value=1e-9, max_value=3600.0, allow_nan=False)


@given(
    dispatch=seconds,
    switch=seconds,
    rate=st.floats(min_value=1.0, max_value=1e15),
    efficiency=st.floats(min_value=1e-3, max_value=64.0),
)
def test_document_round_trips_through_json(
    dispatch: float, switch: float, rate: float, efficiency: float
) -> None:
    document = _document(
        process_dispatch_seconds=dispatch,
        thread_switch_seconds=switch,
        ipc_bytes_per_second=rate,
        parallel_efficiency=efficiency,
    )
    again = CalibrationDocument.from_data(json.loads(document.to_json()))
    assert again == document


def test_saved_document_is_loaded_back(cache: Path) -> None:
    document = _document(process_dispatch_seconds=5e-5)
    path = save_cache_document(document)
    assert path == cache_path()
    assert load_cache_document() == document
    assert load_cached_costs() == document.costs


def _set(data: Any, dotted: str, value: object) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        data = data[int(part)] if isinstance(data, list) else data[part]
    data[last] = value


@pytest.mark.parametrize(
    ("where", "value", "why"),
    [
        ("costs.thread_dispatch_seconds", "0.001", "thread_dispatch_seconds"),
        ("costs.thread_dispatch_seconds", -1.0, "thread_dispatch_seconds"),
        ("costs.thread_dispatch_seconds", 1e300, "thread_dispatch_seconds"),
        ("costs.ipc_bytes_per_second", 1e30, "ipc_bytes_per_second"),
        ("costs.process_start_seconds.spawn", -0.5, "spawn"),
        ("costs.process_start_seconds.spawn", 1e9, "spawn"),
        ("costs.parallel_efficiency", 1e6, "parallel_efficiency"),
        ("cpus", "2", "cpus"),
        ("cpus", 0, "cpus"),
        ("gil_enabled", "yes", "gil_enabled"),
        ("measurements", {"a": 1}, "measurements"),
        ("measurements.0.median", -3.0, "median"),
        ("measurements.0.samples", 1.5, "samples"),
        ("skipped", [1, 2], "skipped"),
        ("unknown_key", 1, "unknown_key"),
        ("format", 2, "format 2"),
        ("format", "1", "format '1'"),
    ],
)
def test_corrupt_documents_give_one_warning_and_the_defaults(
    cache: Path, where: str, value: object, why: str
) -> None:
    data = json.loads(_document().to_json())
    _set(data, where, value)
    cache_path().write_text(json.dumps(data))
    with pytest.warns(CalibrationCacheWarning, match=why) as caught:
        assert load_cached_costs() is None
    assert len(caught) == 1


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400", "9" * 5000])
def test_non_finite_or_absurd_numbers_are_rejected(cache: Path, literal: str) -> None:
    data = json.loads(_document().to_json())
    data["costs"]["thread_switch_seconds"] = "@@"
    text = json.dumps(data).replace('"@@"', literal)
    cache_path().write_text(text)
    with pytest.warns(CalibrationCacheWarning, match="ignoring calibration cache"):
        assert load_cached_costs() is None


def test_a_huge_file_is_not_read(cache: Path) -> None:
    with cache_path().open("wb") as handle:
        handle.truncate(MAX_CACHE_BYTES + 1)
    with pytest.warns(CalibrationCacheWarning, match="larger than"):
        assert load_cached_costs() is None


@pytest.mark.skipif(not POSIX, reason="FIFOs and /dev/zero are POSIX")
def test_check_writable_refuses_what_cannot_be_replaced(tmp_path: Path) -> None:
    check_writable(tmp_path / "new" / "costs.json")  # absent, directory created: fine
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="not a regular file"):
        check_writable(fifo)
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(PermissionError):
            check_writable(locked / "costs.json")


def test_finite_bounds_hold_for_the_defaults() -> None:
    values = DEFAULT_COSTS.model_dump()
    assert all(math.isfinite(v) for v in values["process_start_seconds"].values())
    assert CalibrationDocument.defaults(machine_fingerprint()).costs == DEFAULT_COSTS


@pytest.fixture
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CONCADVISOR_CACHE_DIR", str(tmp_path))
    detect_environment.cache_clear()
    yield tmp_path  # type: ignore[misc]
    detect_environment.cache_clear()


def _calibration_document() -> dict[str, object]:
    costs = DEFAULT_COSTS.model_copy(
        update={
            "source": "calibrated",
            "fingerprint": machine_fingerprint(),
            "measured_at": "2024-01-01T00:00:00+00:00",
        }
    )
    calibration = Calibration(
        costs=costs,
        measurements=[Measurement("thread.start", "thread start-up", "s", (1e-4, 2e-4, 3e-4))],
        machine={},
        cpus=2,
        gil_enabled=True,
        budget=1.0,
        elapsed=1.0,
    )
    return calibration.document().as_json()


def test_cache_nested_too_deeply_is_ignored_with_a_warning(private_cache: Path) -> None:
    cache_path().write_text("[" * 100_000)
    with pytest.warns(CalibrationCacheWarning, match="not valid JSON"):
        assert load_cache_document() is None


@pytest.mark.parametrize(
    "measurements", [5, [5], [{"label": "x"}], [{"label": "x", "unit": "s", "median": "a"}]]
)
def test_cache_with_malformed_measurements_is_ignored(
    private_cache: Path, measurements: object
) -> None:
    document = _calibration_document()
    assert load_cache_document_after_saving(document) is not None
    document["measurements"] = measurements
    with pytest.warns(CalibrationCacheWarning, match="measurements"):
        assert load_cache_document_after_saving(document) is None


def load_cache_document_after_saving(document: dict[str, object]) -> CalibrationDocument | None:
    # Written as raw JSON: the typed writer cannot hold a malformed document.
    cache_path().write_text(json.dumps(document), encoding="utf-8")
    return load_cache_document()


def test_calibrate_show_with_malformed_cache_does_not_crash(private_cache: Path) -> None:
    document = _calibration_document()
    document["measurements"] = [5]
    cache_path().write_text(json.dumps(document), encoding="utf-8")
    proc = run_cli("calibrate", "--show")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "ignoring calibration cache" in proc.stderr
