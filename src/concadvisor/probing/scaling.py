"""The width sweep's scaling model: small pure functions over measured throughputs.

The sweep measures one executor at widths 1, 2, 4, ... and needs three answers from the
points measured so far: which width to try next, whether throughput has stopped growing,
and what a width it never ran would give (always marked extrapolated).  The model is the
Universal Scalability Law (Gunther):

    X(N) = lam * N / (1 + sigma * (N - 1) + kappa * N * (N - 1))

``lam`` is the throughput of one worker, ``sigma`` the serial share (contention: Amdahl's
law is ``kappa = 0``), ``kappa`` the cost of coherence between workers (what makes
throughput *fall* past a peak).  Waiting work (I/O, sleeps) has ``sigma`` and ``kappa``
near zero: by Little's law throughput grows with the width until something else saturates.

With ``C(N) = X(N) / X(1)``, ``N / C(N) - 1 = sigma * (N - 1) + kappa * N * (N - 1)`` is
linear in (sigma, kappa): an ordinary least-squares fit through the origin, no iterations.
The fit only *guides* the sweep; the best width is always chosen among measured points.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "FLAT_GAIN",
    "ScalingFit",
    "best_width",
    "fit_usl",
    "geometric_widths",
    "next_width",
]

#: Doubling the width must add at least this share of throughput to be worth going on.
FLAT_GAIN = 0.10


@dataclass(frozen=True)
class ScalingFit:
    """USL parameters fitted to (width, throughput) points."""

    lam: float
    sigma: float
    kappa: float

    def throughput(self, width: int) -> float:
        """Predicted tasks per second at ``width``."""
        n = max(1, width)
        return self.lam * n / (1 + self.sigma * (n - 1) + self.kappa * n * (n - 1))

    def peak_width(self) -> float:
        """Width of the highest predicted throughput (infinite when nothing ever slows it)."""
        if self.kappa <= 0:
            return math.inf
        return math.sqrt(max(0.0, 1 - self.sigma) / self.kappa)


def geometric_widths(cap: int) -> list[int]:
    """1, 2, 4, ... up to ``cap``, ``cap`` itself included (so the cap is always measured)."""
    cap = max(1, cap)
    widths = [1]
    while widths[-1] * 2 < cap:
        widths.append(widths[-1] * 2)
    if widths[-1] != cap:
        widths.append(cap)
    return widths


def fit_usl(points: Sequence[tuple[int, float]]) -> ScalingFit | None:
    """Least-squares USL fit of (width, throughput) points; None without width 1 and another.

    Negative coefficients (faster than linear, i.e. noise or caches) are fitted as zero:
    the model then predicts linear growth, and says so by its parameters.
    """
    by_width = {w: x for w, x in points if w >= 1 and x > 0}
    if 1 not in by_width or len(by_width) < 2:
        return None
    lam = by_width[1]
    rows = [(n - 1.0, n * (n - 1.0), n / (by_width[n] / lam) - 1.0) for n in by_width if n > 1]
    saa = sum(a * a for a, _, _ in rows)
    sab = sum(a * b for a, b, _ in rows)
    sbb = sum(b * b for _, b, _ in rows)
    say = sum(a * y for a, _, y in rows)
    sby = sum(b * y for _, b, y in rows)
    det = saa * sbb - sab * sab
    sigma = kappa = 0.0
    if len(rows) >= 2 and det > 1e-12 * max(1.0, saa * sbb):
        sigma = (say * sbb - sby * sab) / det
        kappa = (saa * sby - sab * say) / det
    if len(rows) < 2 or sigma < 0 or kappa < 0:
        # One free parameter at a time: the one that explains the points better.
        sigma_only = max(0.0, say / saa) if saa > 0 else 0.0
        kappa_only = max(0.0, sby / sbb) if sbb > 0 else 0.0
        if len(rows) >= 2 and sigma >= 0 > kappa:
            sigma, kappa = sigma_only, 0.0
        elif len(rows) >= 2 and kappa >= 0 > sigma:
            sigma, kappa = 0.0, kappa_only
        else:
            sigma, kappa = sigma_only, 0.0
    return ScalingFit(lam=lam, sigma=sigma, kappa=kappa)


def best_width(points: Sequence[tuple[int, float]]) -> int | None:
    """The measured width with the highest throughput (the narrowest of equals)."""
    if not points:
        return None
    return max(points, key=lambda p: (p[1], -p[0]))[0]


def next_width(points: Sequence[tuple[int, float]], cap: int) -> int | None:
    """The next width to measure, or None once throughput flattens or falls (or at the cap).

    Geometric: double the widest width measured, unless the fitted model puts the peak
    nearer (then the peak, rounded up).  Stop when the last doubling gained less than
    :data:`FLAT_GAIN` (per doubling), when throughput fell, or when the model predicts
    less than half that gain for the next step.
    """
    by_width = dict(points)
    if not by_width:
        return 1
    widths = sorted(by_width)
    top = widths[-1]
    if top >= cap:
        return None
    if len(widths) >= 2:
        below = widths[-2]
        if by_width[top] < (1 + FLAT_GAIN * math.log2(top / below)) * by_width[below]:
            return None
    candidate = min(cap, top * 2)
    fit = fit_usl(points)
    if fit is not None and len(widths) >= 3:
        peak = fit.peak_width()
        if peak < candidate:
            candidate = max(top + 1, math.ceil(peak))
            if candidate > cap:
                return None
        step = math.log2(candidate / top)  # gains are asked per doubling
        if fit.throughput(candidate) < (1 + FLAT_GAIN / 2 * step) * fit.throughput(top):
            return None
    return candidate
