"""Machine calibration and the cost model: numbers instead of adjectives.

- :mod:`.machine` -- :class:`MachineCosts`, the built-in defaults, the machine fingerprint;
- :mod:`.cache` -- where calibrations are kept, and reading them safely;
- :mod:`.calibration` -- measuring this machine (``concadvisor calibrate``);
- :mod:`.inputs` -- :class:`~.inputs.Inputs`, the numbers the formulas read, built once;
- :mod:`.model` -- :func:`predict`: each executor's batch time and speedup for a profile
  (the formulas live with their executors, in :mod:`concadvisor.executors`).

Only :mod:`.calibration` runs anything; everything else is pure and cheap.

The model's and the cache's names are loaded on first use: the executor registry imports
:mod:`.inputs`, and the model imports the registry, so importing this package must not
import the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .machine import DEFAULT_COSTS, MachineCosts, machine_fingerprint

if TYPE_CHECKING:
    from .cache import CalibrationCacheWarning, cache_dir, cache_path, load_cached_costs
    from .inputs import ExecutorPrediction
    from .model import Prediction, predict

#: Names loaded on first use.  The cache module is among them: importing this package (as
#: ``environment`` does, for :mod:`.machine`) must not import it, the calibration document's
#: pydantic models and json, which only a run that finds a cache file needs.
_LAZY = {
    "CalibrationCacheWarning": "cache",
    "cache_dir": "cache",
    "cache_path": "cache",
    "load_cached_costs": "cache",
    "ExecutorPrediction": "inputs",
    "Prediction": "model",
    "predict": "model",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


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
