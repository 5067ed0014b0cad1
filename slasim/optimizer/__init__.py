"""Propose realistic SLA terms: screening with queueing theory, racing by simulation.

``optimize(scenario, ...)`` returns an :class:`OptimizeResult` (scipy style: ``x``, ``fun``,
``success``, ``message``, ``nfev``) with the proposed terms as a scenario overlay, the
cost-revenue frontier and the value of speed. Modules, in the order the data flows:

- :mod:`~slasim.optimizer.space`: decision variables from the ``[optimize]`` table.
- :mod:`~slasim.optimizer.screen`: analytic screening to a shortlist.
- :mod:`~slasim.optimizer.terms`: chance-constrained terms scored on simulated months.
- :mod:`~slasim.optimizer.race`: successive halving with common random numbers.
- :mod:`~slasim.optimizer.verify`: fresh-month verification, neighbourhood search, speed walk.
- :mod:`~slasim.optimizer.speed`: value of speed and the frontier tables.
- :mod:`~slasim.optimizer.result`: the result object and the overlay TOML.
- :mod:`~slasim.optimizer.core`: ``optimize()``.
- :mod:`~slasim.render.optimize_plots`: frontier and value-of-speed figures.
- :mod:`~slasim.cli.optimize`: the ``slasim optimize`` command.

The names below are imported on first use, so that the CLI (which imports
``slasim.cli.optimize`` at start-up) does not load the engine, pandas or scipy.

May import: ``slasim.analytic``, ``slasim.model``, ``slasim.scenario``, ``slasim.engine``,
``slasim.measure``, ``slasim.planning``, ``slasim.crm``, ``slasim.render`` and the foundation
modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slasim._lazy import lazy_exports

__all__ = [
    "DecisionSpace",
    "OperatingPoint",
    "OptimizeResult",
    "build_space",
    "optimize",
    "realistic_quota",
]

if TYPE_CHECKING:
    from slasim.optimizer.core import optimize
    from slasim.optimizer.result import OptimizeResult
    from slasim.optimizer.space import (
        DecisionSpace,
        OperatingPoint,
        build_space,
        realistic_quota,
    )

_LAZY = {
    "optimize": "slasim.optimizer.core",
    "OptimizeResult": "slasim.optimizer.result",
    "DecisionSpace": "slasim.optimizer.space",
    "OperatingPoint": "slasim.optimizer.space",
    "build_space": "slasim.optimizer.space",
    "realistic_quota": "slasim.optimizer.space",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
