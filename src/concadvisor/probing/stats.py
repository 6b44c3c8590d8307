"""Statistics of a handful of timings: small pure functions, tested on fixed data.

With 3 to 7 rounds per executor, means and standard deviations are at the mercy of one
slow round (another process woke up).  So, like pyperf, we summarise with the median and
the median absolute deviation (MAD), scaled by 1.4826 so that it estimates a standard
deviation for normal data.  Two medians are *within noise* of each other when their
difference is no larger than :data:`NOISE_SIGMAS` times their combined spread, or smaller
than :data:`MIN_RELATIVE_EFFECT` of the faster one (a difference that small does not change
a choice of executor even when it is real).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "MAD_TO_SIGMA",
    "MIN_RELATIVE_EFFECT",
    "NOISE_SIGMAS",
    "Summary",
    "mad",
    "median",
    "spread",
    "summarize",
    "within_noise",
]

#: MAD x 1.4826 estimates the standard deviation of normally distributed data.
MAD_TO_SIGMA = 1.4826
#: How many combined spreads apart two medians must be to differ.
NOISE_SIGMAS = 2.0
#: Differences below this share of the faster median never count as real.
MIN_RELATIVE_EFFECT = 0.05
#: Relative spread assumed for one or two rounds, where no spread can be estimated.
UNKNOWN_RELATIVE_SPREAD = 0.25


def median(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("median of no values")
    return float(statistics.median(values))


def mad(values: Sequence[float]) -> float:
    """Median absolute deviation from the median."""
    center = median(values)
    return median([abs(v - center) for v in values])


def spread(values: Sequence[float]) -> float:
    """A robust standard deviation: scaled MAD, or half the range when MAD is zero.

    Half the range backs up a zero MAD (e.g. two of three values equal), which would
    otherwise claim perfect precision from three rounds.  With fewer than three values
    there is no estimate: an assumed :data:`UNKNOWN_RELATIVE_SPREAD` of the median.
    """
    if len(values) < 3:
        return UNKNOWN_RELATIVE_SPREAD * median(values)
    scaled = MAD_TO_SIGMA * mad(values)
    if scaled == 0.0:
        scaled = (max(values) - min(values)) / 2
    return scaled


@dataclass(frozen=True)
class Summary:
    """Median and spread of one executor's rounds, in seconds."""

    median: float
    spread: float
    rounds: int
    low: float
    high: float

    @property
    def relative_spread(self) -> float:
        return self.spread / self.median if self.median > 0 else math.inf


def summarize(values: Sequence[float]) -> Summary:
    return Summary(
        median=median(values),
        spread=spread(values),
        rounds=len(values),
        low=min(values),
        high=max(values),
    )


def within_noise(a: Summary, b: Summary) -> bool:
    """The two medians cannot be told apart given the measured spreads."""
    difference = abs(a.median - b.median)
    faster = min(a.median, b.median)
    if difference <= MIN_RELATIVE_EFFECT * faster:
        return True
    return difference <= NOISE_SIGMAS * math.hypot(a.spread, b.spread)
