"""Machine calibration and the cost model: numbers instead of adjectives.

- :mod:`.machine` -- :class:`MachineCosts`, the built-in defaults, the machine fingerprint;
- :mod:`.cache` -- where calibrations are kept, and reading them safely;
- :mod:`.calibration` -- measuring this machine (``concadvisor calibrate``);
- :mod:`.model` -- :func:`predict`: each executor's batch time and speedup for a profile.

Only :mod:`.calibration` runs anything; everything else is pure and cheap.
"""

from __future__ import annotations

from .cache import CalibrationCacheWarning, cache_dir, cache_path, load_cached_costs
from .machine import DEFAULT_COSTS, MachineCosts, machine_fingerprint
from .model import ExecutorPrediction, Prediction, predict

__all__ = [
    "DEFAULT_COSTS",
    "CalibrationCacheWarning",
    "ExecutorPrediction",
    "MachineCosts",
    "Prediction",
    "cache_dir",
    "cache_path",
    "load_cached_costs",
    "machine_fingerprint",
    "predict",
]
