"""slasim: design a sales-marketing SLA on evidence.

The main entry points are re-exported here and imported on first use, so that
``import slasim`` (and the CLI's start-up) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["__version__", "compare", "load_scenario", "simulate", "sweep"]

if TYPE_CHECKING:
    from slasim.measure.experiment import compare, simulate
    from slasim.measure.sweeps import sweep
    from slasim.scenario.load import load_scenario

_LAZY = {
    "simulate": "slasim.measure.experiment",
    "compare": "slasim.measure.experiment",
    "load_scenario": "slasim.scenario.load",
    "sweep": "slasim.measure.sweeps",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'slasim' has no attribute {name!r}")
