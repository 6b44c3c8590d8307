"""The probe: measure a callable under serial, threads, processes and asyncio.

>>> from concadvisor.probing import probe_target
>>> report = probe_target("examples.workloads:sleep_io", budget=3)  # doctest: +SKIP
>>> report.fastest.value, report.verdict  # doctest: +SKIP
('threads', 'confirmed')

Modules, one job each: :mod:`.targets` (spec -> callable), :mod:`._runner` (the isolated
measuring process), :mod:`.executors` (the four ways to run a batch), :mod:`.planning`
(batch size and rounds within the budget), :mod:`.session` (the parent: timeouts, kills,
restarts), :mod:`.stats` (median, MAD, noise), :mod:`.inference` (measurements ->
TaskProfile), :mod:`.verdict`, :mod:`.report` (ProbeReport), :mod:`.display` (rich),
:mod:`.plot` (matplotlib).  See docs/probe.md for the method.
"""

from __future__ import annotations

from .api import probe, probe_target
from .report import ExecutorResult, ProbeReport

__all__ = ["ExecutorResult", "ProbeReport", "probe", "probe_target"]
