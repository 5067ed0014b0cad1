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
    from slasim.experiment import compare, simulate
    from slasim.loader import load_scenario
    from slasim.sweeps import sweep

_LAZY = {
    "simulate": "slasim.experiment",
    "compare": "slasim.experiment",
    "load_scenario": "slasim.loader",
    "sweep": "slasim.sweeps",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'slasim' has no attribute {name!r}")
