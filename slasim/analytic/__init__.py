"""Queueing and funnel formulas that cross-check the simulator and seed the optimizer.

Rates are per minute and times in minutes throughout.

- :mod:`~slasim.analytic.erlang`: Erlang B and C (M/M/n), waits and service level.
- :mod:`~slasim.analytic.erlang_a`: Erlang A (M/M/n+M, leads that give up waiting).
- :mod:`~slasim.analytic.staffing`: smallest team meeting targets, square-root staffing.
- :mod:`~slasim.analytic.periods`: per-period staffing (SIPP) and roster gaps.
- :mod:`~slasim.analytic.contact`: first-attempt contact probability under a decay curve.
- :mod:`~slasim.analytic.funnel`: revenue goal <-> leads per tier (reverse funnel).

May import: the foundation modules (``slasim.errors``, ``slasim.limits``, ``slasim.outputs``).
"""

from slasim.analytic.contact import (
    DecayCurve,
    contact_probability,
    contact_probability_exponential,
)
from slasim.analytic.erlang import (
    erlang_b,
    erlang_c,
    mean_wait,
    occupancy,
    service_level,
    wait_probability_exceeds,
)
from slasim.analytic.erlang_a import ErlangAResult, erlang_a
from slasim.analytic.funnel import (
    FunnelPlan,
    FunnelTier,
    TierFunnel,
    expected_revenue,
    forward_funnel,
    reverse_funnel,
)
from slasim.analytic.periods import PeriodStaffing, RosterGaps, roster_gaps, staffing_by_period
from slasim.analytic.staffing import (
    StaffingResult,
    halfin_whitt_beta,
    required_sellers,
    scheduled_sellers,
    square_root_staffing,
)

__all__ = [
    "DecayCurve",
    "ErlangAResult",
    "FunnelPlan",
    "FunnelTier",
    "PeriodStaffing",
    "RosterGaps",
    "StaffingResult",
    "TierFunnel",
    "contact_probability",
    "contact_probability_exponential",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "expected_revenue",
    "forward_funnel",
    "halfin_whitt_beta",
    "mean_wait",
    "occupancy",
    "required_sellers",
    "reverse_funnel",
    "roster_gaps",
    "scheduled_sellers",
    "service_level",
    "square_root_staffing",
    "staffing_by_period",
    "wait_probability_exceeds",
]
