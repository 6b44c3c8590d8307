"""Building blocks shared by the executors' snippets: stand-in work and the main guard."""

from __future__ import annotations

from ..profile import StartMethod, Workload

IO = "time.sleep(0.001)  # your blocking I/O call"
CPU = "sum(i * i for i in range(20_000))  # your CPU work"


def sync_body(workload: Workload) -> str:
    """The body of a synchronous ``task(item)`` doing ``workload``'s stand-in work."""
    if workload == "io":
        return f"    {IO}\n    return item"
    if workload == "cpu":
        return f"    return item + {CPU}"
    return f"    {IO}\n    return item + {CPU}"


def main_guard(call: str = "main()") -> str:
    return f'\n\n\nif __name__ == "__main__":\n    {call}\n'


def pool_args(workers: int, start_method: StartMethod | None) -> tuple[str, str]:
    """(extra import, ProcessPoolExecutor arguments)."""
    if start_method is None:
        return "", f"max_workers={workers}"
    return (
        "import multiprocessing\n",
        f'max_workers={workers}, mp_context=multiprocessing.get_context("{start_method}")',
    )
