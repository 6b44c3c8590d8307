"""Ctrl-C during an import waits for the import's end (concadvisor.interrupts)."""

from __future__ import annotations

import importlib
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from concadvisor.interrupts import DeferredInterrupts, in_import

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="raises SIGINT in-process")

#: A module whose import is interrupted halfway, then has more to do.
INTERRUPTED_BODY = """\
import signal
signal.raise_signal(signal.SIGINT)
import {inner}
finished = True
"""


@pytest.fixture
def modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    monkeypatch.syspath_prepend(str(tmp_path))
    names = ("interrupted_outer", "interrupted_inner")
    yield tmp_path
    for name in names:
        sys.modules.pop(name, None)
    importlib.invalidate_caches()


def _write(directory: Path, name: str, text: str) -> None:
    (directory / f"{name}.py").write_text(text)
    importlib.invalidate_caches()


def _interrupted(body: Callable[[], object]) -> bool:
    """Whether ``body``, run in the block, ended in a KeyboardInterrupt."""
    try:
        with DeferredInterrupts():
            body()
    except KeyboardInterrupt:
        return True
    return False


def _import_then_wait(reached: list[str]) -> None:
    import interrupted_outer  # type: ignore[import-not-found]

    reached.append("imported")
    assert interrupted_outer.finished
    reached.append("finished")
    time.sleep(30)  # the interrupt lands here, a few milliseconds in


def test_ctrl_c_during_an_import_is_raised_after_it(modules: Path) -> None:
    _write(modules, "interrupted_inner", "value = 1\n")
    _write(modules, "interrupted_outer", INTERRUPTED_BODY.format(inner="interrupted_inner"))
    reached: list[str] = []
    started = time.monotonic()
    assert _interrupted(lambda: _import_then_wait(reached))
    assert reached == ["imported", "finished"]
    assert sys.modules["interrupted_inner"].value == 1
    assert time.monotonic() - started < 20
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_nested_import_finishes_the_outer_one_too(modules: Path) -> None:
    _write(modules, "interrupted_inner", INTERRUPTED_BODY.format(inner="os"))
    _write(modules, "interrupted_outer", "import interrupted_inner\nfinished = True\n")
    reached: list[str] = []
    assert _interrupted(lambda: _import_then_wait(reached))
    assert reached == ["imported", "finished"]
    assert sys.modules["interrupted_inner"].finished


def test_a_second_ctrl_c_during_an_import_is_raised_at_once(modules: Path) -> None:
    """The user insists (or the import hangs): the second Ctrl-C does not wait."""
    twice = "import signal\nsignal.raise_signal(signal.SIGINT)\n" * 2 + "finished = True\n"
    _write(modules, "interrupted_outer", twice)
    assert _interrupted(lambda: importlib.import_module("interrupted_outer"))
    assert "interrupted_outer" not in sys.modules  # cut short, as Python's own would


def test_ctrl_c_outside_an_import_is_raised_at_once() -> None:
    reached: list[str] = []

    def body() -> None:
        signal.raise_signal(signal.SIGINT)
        reached.append("after")

    assert _interrupted(body)
    assert reached == []
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_an_interrupt_still_waiting_at_the_end_of_the_block_is_raised(modules: Path) -> None:
    _write(modules, "interrupted_inner", "value = 1\n")
    _write(modules, "interrupted_outer", INTERRUPTED_BODY.format(inner="interrupted_inner"))
    # the block ends before the first wake-up, or at it: either way, interrupted
    assert _interrupted(lambda: importlib.import_module("interrupted_outer"))
    assert sys.modules["interrupted_outer"].finished
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_handler_of_the_caller_is_left_alone() -> None:
    seen: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: seen.append(signum))
    try:
        with DeferredInterrupts():
            signal.raise_signal(signal.SIGINT)
        assert seen == [signal.SIGINT]
    finally:
        signal.signal(signal.SIGINT, previous)


def test_in_import_sees_the_import_system_on_the_stack() -> None:
    assert not in_import(sys._getframe())
    assert not in_import(None)
