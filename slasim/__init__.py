"""slasim: design a sales-marketing SLA on evidence.

The public API. Every name is imported on first use (:mod:`slasim._lazy`), so that
``import slasim`` (and the CLI's start-up) loads neither pandas nor scipy nor the engine:

- scenarios: :func:`load_scenario`, :class:`Scenario`;
- judging terms: :func:`check` (analytic screen), :func:`simulate`, :func:`compare`,
  :func:`sweep`, :func:`plan` (staffing and funnel plan);
- a CRM export: :func:`read_crm`, :class:`Calibrator`, :func:`track`;
- proposing terms: :func:`optimize` (the subpackage :mod:`slasim.optimizer` holds its parts);
- the decision document: :func:`build_report`;
- :mod:`slasim.results`: the result classes these return.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slasim._lazy import lazy_exports

__version__ = "0.1.0"
__all__ = [
    "Calibrator",
    "Scenario",
    "__version__",
    "build_report",
    "check",
    "compare",
    "load_scenario",
    "optimize",
    "plan",
    "read_crm",
    "results",
    "simulate",
    "sweep",
    "track",
]

if TYPE_CHECKING:
    from slasim import results
    from slasim.crm.calibrate.calibrator import Calibrator
    from slasim.crm.io.importer import read_crm
    from slasim.crm.track.tracker import track
    from slasim.measure.experiment import compare, simulate
    from slasim.measure.sweeps import sweep
    from slasim.optimizer.core import optimize
    from slasim.planning.check import check_scenario as check
    from slasim.planning.plan import plan_scenario as plan
    from slasim.render.report.build import build_report
    from slasim.scenario.load import load_scenario
    from slasim.scenario.schema import Scenario

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Calibrator": "slasim.crm.calibrate.calibrator",
        "Scenario": "slasim.scenario.schema",
        "build_report": "slasim.render.report.build",
        "check": ("slasim.planning.check", "check_scenario"),
        "compare": "slasim.measure.experiment",
        "load_scenario": "slasim.scenario.load",
        "optimize": "slasim.optimizer.core",
        "plan": ("slasim.planning.plan", "plan_scenario"),
        "read_crm": "slasim.crm.io.importer",
        "results": "slasim.results",
        "simulate": "slasim.measure.experiment",
        "sweep": "slasim.measure.sweeps",
        "track": "slasim.crm.track.tracker",
    },
)
