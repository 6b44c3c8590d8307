"""Conservative cost figures the rules use until a machine calibration replaces them.

They are deliberately round, documented numbers, not tuned to a benchmark: each is the
order of magnitude measured on ordinary Linux/macOS machines with CPython 3.10-3.13.
"""

from __future__ import annotations

from typing import Final

from ..profile import StartMethod

#: Seconds to start one worker process, by start method: fork copies the parent's pages
#: lazily; spawn and forkserver start a fresh interpreter and re-import the main module.
PROCESS_START_SECONDS: Final[dict[StartMethod, float]] = {
    "fork": 0.005,
    "forkserver": 0.05,
    "spawn": 0.08,
}

#: Pickle + pipe throughput between a parent and one worker process, bytes per second.
PICKLE_IPC_BYTES_PER_SECOND: Final = 300e6

#: Fixed cost of sending one task to a process pool and getting its result (chunksize 1).
PROCESS_DISPATCH_SECONDS: Final = 2e-4

#: Below this serial duration per task, dispatch overhead dominates: batch with chunksize.
TINY_TASK_SECONDS: Final = 1e-3

#: A whole batch this short gains nothing from any pool.
SHORT_BATCH_SECONDS: Final = 0.05

#: From this many concurrent I/O tasks, one OS thread per task stops being reasonable.
MANY_IO_TASKS: Final = 1000

#: Thread pool size cap for I/O work; beyond it, threads cost memory and switches for
#: little extra overlap (and most servers/pools limit connections anyway).
THREAD_IO_CAP: Final = 64

#: Concurrency limit cap for coroutines (the semaphore in the snippet).
ASYNC_CONCURRENCY_CAP: Final = 500

#: Share of IPC time against task time from which processes lose most of their gain.
IPC_HEAVY_RATIO: Final = 0.5

#: Share of IPC time against task time from which IPC cost is worth a warning.
IPC_NOTICEABLE_RATIO: Final = 0.1

#: Serial CPU seconds per usable CPU beyond which one machine is the wrong tool.
ONE_MACHINE_CPU_SECONDS: Final = 4 * 3600.0

#: Total bytes moved beyond which the data likely does not fit one machine's memory.
ONE_MACHINE_BYTES: Final = 64 * 2**30

#: mixed work: a cpu_fraction at or above this makes the CPU part the one to parallelise.
CPU_DOMINANT_FRACTION: Final = 0.5

#: mixed work: a cpu_fraction below this makes the CPU part too small to offload.
NEGLIGIBLE_CPU_FRACTION: Final = 0.1


def process_start_seconds(method: StartMethod) -> float:
    return PROCESS_START_SECONDS[method]


def ipc_seconds(payload_bytes: int) -> float:
    """Estimated cost of moving one task's payload to and from a worker process."""
    return PROCESS_DISPATCH_SECONDS + payload_bytes / PICKLE_IPC_BYTES_PER_SECOND
