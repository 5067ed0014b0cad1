"""The result classes of the public API, in one place (imported on first use).

What :mod:`slasim`'s functions return: :class:`SimulationResult` (``simulate``),
:class:`ComparisonResult` (``compare``), :class:`SweepResult` (``sweep``),
:class:`ScenarioCheck` (``check``), :class:`Plan` (``plan``), :class:`CrmImport`
(``read_crm``), :class:`TrackResult` (``track``), :class:`Report` (``build_report``),
:class:`OptimizeResult` (``slasim.optimizer.optimize``), and the :class:`Verdict` each
simulation carries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slasim._lazy import lazy_exports

__all__ = [
    "ComparisonResult",
    "CrmImport",
    "OptimizeResult",
    "Plan",
    "Report",
    "ScenarioCheck",
    "SimulationResult",
    "SweepResult",
    "TrackResult",
    "Verdict",
]

if TYPE_CHECKING:
    from slasim.crm.io.importer import CrmImport
    from slasim.crm.track.tracker import TrackResult
    from slasim.measure.experiment import ComparisonResult, SimulationResult
    from slasim.measure.sweeps import SweepResult
    from slasim.measure.verdict import Verdict
    from slasim.optimizer.result import OptimizeResult
    from slasim.planning.check import ScenarioCheck
    from slasim.planning.plan import Plan
    from slasim.render.report.build import Report

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "ComparisonResult": "slasim.measure.experiment",
        "CrmImport": "slasim.crm.io.importer",
        "OptimizeResult": "slasim.optimizer.result",
        "Plan": "slasim.planning.plan",
        "Report": "slasim.render.report.build",
        "ScenarioCheck": "slasim.planning.check",
        "SimulationResult": "slasim.measure.experiment",
        "SweepResult": "slasim.measure.sweeps",
        "TrackResult": "slasim.crm.track.tracker",
        "Verdict": "slasim.measure.verdict",
    },
)
