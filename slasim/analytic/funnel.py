"""Reverse funnel: from a revenue goal to the leads marketing must deliver, and back.

The logic of HubSpot's sales–marketing SLA calculator, per lead tier: the revenue goal
times marketing's share gives marketing revenue; each tier's share of it divided by the
tier's average deal size gives won deals; dividing by the stage conversion rates walks the
funnel back up: won <- opportunities <- SQLs <- contacts <- leads. All counts are
expected values per period of the goal (usually a month), not rounded: round up when
writing quotas.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from slasim.analytic.erlang import _check_float

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FunnelPlan",
    "FunnelTier",
    "TierFunnel",
    "expected_revenue",
    "forward_funnel",
    "reverse_funnel",
]

# Revenue shares are user input like 0.5/0.3/0.2; allow for their float representation.
_SHARE_SUM_TOL = 1e-9

_RATE_FIELDS = ("lead_to_contact", "contact_to_sql", "sql_to_opportunity", "opportunity_to_won")


@dataclass(frozen=True)
class FunnelTier:
    """One lead tier of the funnel.

    Attributes
    ----------
    name : str
        Tier name as defined in the SLA, e.g. ``"hot"``.
    revenue_share : float
        Share of marketing-sourced revenue expected from this tier, in ``[0, 1]``.
    deal_size : float
        Average won deal value, ``> 0``.
    lead_to_contact, contact_to_sql, sql_to_opportunity, opportunity_to_won : float
        Stage conversion rates, each in ``(0, 1]``.
    """

    name: str
    revenue_share: float
    deal_size: float
    lead_to_contact: float
    contact_to_sql: float
    sql_to_opportunity: float
    opportunity_to_won: float

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name(={self.name!r}) must be a non-empty string.")
        _check_float(f"{self.name}.revenue_share", self.revenue_share, high=1.0)
        _check_float(f"{self.name}.deal_size", self.deal_size, low_open=True)
        for field_name in _RATE_FIELDS:
            _check_float(
                f"{self.name}.{field_name}", getattr(self, field_name), low_open=True, high=1.0
            )

    @property
    def lead_to_won(self) -> float:
        """Overall conversion from lead to won deal."""
        return (
            self.lead_to_contact
            * self.contact_to_sql
            * self.sql_to_opportunity
            * self.opportunity_to_won
        )


@dataclass(frozen=True)
class TierFunnel:
    """Expected funnel counts of one tier for the period."""

    name: str
    revenue: float
    won: float
    opportunities: float
    sqls: float
    contacts: float
    leads: float


@dataclass(frozen=True)
class FunnelPlan:
    """Funnel counts per tier; ``to_frame()`` gives the table."""

    tiers: tuple[TierFunnel, ...]

    @property
    def marketing_revenue(self) -> float:
        """Expected revenue from marketing-sourced leads, summed over tiers."""
        return math.fsum(t.revenue for t in self.tiers)

    @property
    def total_leads(self) -> float:
        """Leads over all tiers."""
        return math.fsum(t.leads for t in self.tiers)

    def to_frame(self) -> pd.DataFrame:
        """One row per tier (index ``tier``), columns revenue, won, opportunities, sqls,
        contacts, leads."""
        import pandas as pd  # here: importing slasim.analytic must not cost pandas' 0.3 s

        columns = ["revenue", "won", "opportunities", "sqls", "contacts", "leads"]
        frame = pd.DataFrame(
            [[getattr(t, c) for c in columns] for t in self.tiers],
            columns=columns,
            index=pd.Index([t.name for t in self.tiers], name="tier"),
        )
        return frame


def _check_tiers(tiers: Sequence[FunnelTier]) -> tuple[FunnelTier, ...]:
    tiers = tuple(tiers)
    if not tiers:
        raise ValueError("tiers(=()) must hold at least one FunnelTier.")
    for t in tiers:
        if not isinstance(t, FunnelTier):
            raise ValueError(f"tiers must hold FunnelTier objects, got {t!r}.")
    names = [t.name for t in tiers]
    if len(set(names)) != len(names):
        raise ValueError(f"tier names(={names!r}) must be unique.")
    return tiers


def reverse_funnel(
    revenue_goal: float,
    marketing_share: float,
    tiers: Sequence[FunnelTier],
) -> FunnelPlan:
    """Leads (and intermediate stages) needed per tier to reach a revenue goal.

    Parameters
    ----------
    revenue_goal : float
        Revenue goal of the period, ``>= 0``.
    marketing_share : float
        Share of the goal to come from marketing-sourced leads, in ``[0, 1]``.
    tiers : sequence of FunnelTier
        Their ``revenue_share`` values must sum to 1.

    Returns
    -------
    FunnelPlan
    """
    revenue_goal = _check_float("revenue_goal", revenue_goal)
    marketing_share = _check_float("marketing_share", marketing_share, high=1.0)
    tiers = _check_tiers(tiers)
    share_sum = math.fsum(t.revenue_share for t in tiers)
    if abs(share_sum - 1.0) > _SHARE_SUM_TOL:
        raise ValueError(f"tier revenue shares sum to {share_sum!r}; they must sum to 1.")
    marketing_revenue = revenue_goal * marketing_share
    rows = []
    for t in tiers:
        revenue = marketing_revenue * t.revenue_share
        won = revenue / t.deal_size
        opportunities = won / t.opportunity_to_won
        sqls = opportunities / t.sql_to_opportunity
        contacts = sqls / t.contact_to_sql
        leads = contacts / t.lead_to_contact
        rows.append(TierFunnel(t.name, revenue, won, opportunities, sqls, contacts, leads))
    return FunnelPlan(tuple(rows))


def _leads_vector(
    leads_per_tier: Mapping[str, float] | Sequence[float], tiers: tuple[FunnelTier, ...]
) -> list[float]:
    if isinstance(leads_per_tier, Mapping):
        names = {t.name for t in tiers}
        unknown = sorted(set(leads_per_tier) - names)
        if unknown:
            raise ValueError(
                f"leads_per_tier has unknown tiers {unknown!r}; known: {sorted(names)!r}."
            )
        values = [leads_per_tier.get(t.name, 0.0) for t in tiers]
    else:
        values = list(leads_per_tier)
        if len(values) != len(tiers):
            raise ValueError(f"leads_per_tier has {len(values)} values for {len(tiers)} tiers.")
    return [
        _check_float(f"leads_per_tier[{t.name!r}]", v) for t, v in zip(tiers, values, strict=True)
    ]


def forward_funnel(
    leads_per_tier: Mapping[str, float] | Sequence[float],
    tiers: Sequence[FunnelTier],
) -> FunnelPlan:
    """Expected funnel counts and revenue from the leads delivered per tier.

    Parameters
    ----------
    leads_per_tier : mapping of tier name to leads, or sequence aligned with ``tiers``
        Leads delivered in the period; tiers missing from a mapping count as 0.
    tiers : sequence of FunnelTier
        ``revenue_share`` is not used here.

    Returns
    -------
    FunnelPlan
    """
    tiers = _check_tiers(tiers)
    leads = _leads_vector(leads_per_tier, tiers)
    rows = []
    for t, n_leads in zip(tiers, leads, strict=True):
        contacts = n_leads * t.lead_to_contact
        sqls = contacts * t.contact_to_sql
        opportunities = sqls * t.sql_to_opportunity
        won = opportunities * t.opportunity_to_won
        rows.append(
            TierFunnel(t.name, won * t.deal_size, won, opportunities, sqls, contacts, n_leads)
        )
    return FunnelPlan(tuple(rows))


def expected_revenue(
    leads_per_tier: Mapping[str, float] | Sequence[float],
    tiers: Sequence[FunnelTier],
) -> float:
    """Expected marketing-sourced revenue from the leads delivered per tier.

    The inverse of :func:`reverse_funnel`: feeding it that plan's leads returns
    ``revenue_goal * marketing_share``.
    """
    return forward_funnel(leads_per_tier, tiers).marketing_revenue
