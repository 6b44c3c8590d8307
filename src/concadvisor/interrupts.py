"""Ctrl-C that lands during an import is delivered once the import is complete.

An interrupt inside an extension module's initialisation is not always a
:class:`KeyboardInterrupt`: in pydantic_core's (PyO3) it is a Rust panic, "failed to import
datetime C API", with a message and a traceback of its own.  Every command imports lazily
-- its module on dispatch, pydantic or rich inside ``run()``, library code deeper still --
so no window held around one import can cover them all.  Instead, inside
:class:`DeferredInterrupts`, the SIGINT handler looks at the stack it interrupted:

- outside the import system, it raises :class:`KeyboardInterrupt` at once, as Python's own;
- inside it (any frame of ``importlib._bootstrap``), it only notes the interrupt; a helper
  thread then wakes the main thread every few milliseconds with a signal of its own
  (SIGUSR1, whose handler does nothing else), and the first wake-up that finds the stack
  out of every import raises the :class:`KeyboardInterrupt` there;
- a second Ctrl-C while the first waits raises at once: an import that hangs (a font
  cache being built, a network file system) does not make the command uninterruptible.

The wake-up is a different signal so that none is ever taken for a second Ctrl-C: once the
interrupt is raised, a late wake-up finds nothing pending and does nothing, and cleanup
code (killing a probe's process tree) runs undisturbed.  A noted interrupt is never lost:
one still pending when the block ends is raised there.  Off POSIX (no ``pthread_kill``),
the wake-up is Python's own simulated SIGINT.  Standard library only: ``cli`` imports it.
"""

from __future__ import annotations

import _thread
import signal
import time

#: ``typing.TYPE_CHECKING`` without importing typing (see :mod:`concadvisor.commands`).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import FrameType, TracebackType

__all__ = ["DeferredInterrupts", "in_import"]

#: The files of the frames that the import system runs (the same names on 3.10 to 3.15).
_IMPORT_SYSTEM = frozenset(
    {"<frozen importlib._bootstrap>", "<frozen importlib._bootstrap_external>"}
)
#: How often the main thread is woken up to see whether the import has ended.
WAKE_SECONDS = 0.005
#: The wake-up signal (None: simulate SIGINT instead).
_WAKE: int | None = getattr(signal, "SIGUSR1", None) if hasattr(signal, "pthread_kill") else None


def in_import(frame: FrameType | None) -> bool:
    """Whether ``frame`` runs inside the import system (an import is under way)."""
    while frame is not None:
        if frame.f_code.co_filename in _IMPORT_SYSTEM:
            return True
        frame = frame.f_back
    return False


class DeferredInterrupts:
    """A block in which a Ctrl-C during an import waits for the import's end.

    Active only in the main thread and only over Python's default SIGINT handling (an
    application that embeds :func:`concadvisor.cli.main` with its own handler keeps it).
    """

    def __init__(self) -> None:
        self._active = False
        self._pending = False  # an interrupt was noted during an import
        self._closed = False
        self._waking = False  # a simulated SIGINT is a wake-up, not a Ctrl-C
        self._watcher: _thread.LockType | None = None  # held while a watcher runs
        self._main = _thread.get_ident()
        self._previous_wake: object = None

    def __enter__(self) -> DeferredInterrupts:
        if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
            return self
        try:
            signal.signal(signal.SIGINT, self._on_interrupt)
        except ValueError:  # not the main thread: signals are not ours to handle
            return self
        self._active = True
        if _WAKE is not None:
            self._previous_wake = signal.signal(_WAKE, self._on_wake)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if not self._active:
            return
        self._closed = True
        try:
            watcher = self._watcher
            if watcher is not None:
                # Interruptible: a wake-up that arrives now may raise the noted interrupt.
                watcher.acquire(timeout=1.0)
        finally:
            self._active = False
            # signal.signal() runs any handler still due before it replaces ours.
            signal.signal(signal.SIGINT, signal.default_int_handler)
            if _WAKE is not None:
                signal.signal(_WAKE, self._previous_wake)  # type: ignore[arg-type]
        if self._pending:  # noted during an import that the block's end cut short
            self._pending = False
            raise KeyboardInterrupt

    def _on_interrupt(self, signum: int, frame: FrameType | None) -> None:
        if self._waking:  # our own wake-up, simulated (no wake-up signal here)
            self._waking = False
            self._on_wake(signum, frame)
            return
        if not self._closed and not self._pending and in_import(frame):
            self._pending = True
            self._watch()
            return
        # Outside an import -- or a second Ctrl-C while the first waits (an import that
        # hangs must not make the command uninterruptible): now.
        self._pending = False
        raise KeyboardInterrupt

    def _on_wake(self, signum: int, frame: FrameType | None) -> None:
        if self._pending and not in_import(frame):
            self._pending = False
            raise KeyboardInterrupt

    def _watch(self) -> None:
        """Start the thread that wakes the main thread until the interrupt is raised."""
        if self._watcher is not None and self._watcher.locked():
            return  # one is still running
        done = _thread.allocate_lock()
        done.acquire()
        self._watcher = done
        _thread.start_new_thread(self._wake_until_raised, (done,))

    def _wake_until_raised(self, done: _thread.LockType) -> None:
        try:
            while self._pending and not self._closed:
                time.sleep(WAKE_SECONDS)
                if not self._pending or self._closed:
                    break
                if _WAKE is not None:
                    signal.pthread_kill(self._main, _WAKE)
                else:  # pragma: no cover - Windows
                    self._waking = True
                    _thread.interrupt_main()
        except Exception:  # pragma: no cover - the process is going away
            pass
        finally:
            done.release()
