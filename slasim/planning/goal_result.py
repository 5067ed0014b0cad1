"""The answer of :func:`slasim.planning.goal.goal_odds`: P(goal) per quota multiplier and why.

:class:`GoalOdds` holds the multipliers simulated (:class:`GoalLevel`), the leads per tier a
month needs (:class:`TierQuota`), its sentences for the terminal and its ``--json`` block.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from slasim.measure.catalogue import text_spec
from slasim.measure.shares import bar_percent, percent_against

__all__ = ["GoalLevel", "GoalOdds", "TierQuota", "periods_in_words"]


@dataclass(frozen=True)
class GoalLevel:
    """One quota multiplier, simulated.

    Attributes
    ----------
    multiplier
        Leads per tier = multiplier x the reverse funnel's quotas.
    p_goal, p_low, p_high
        Share of months whose revenue reaches the goal, and its 95 % Wilson interval.
    revenue_mean, revenue_p10, revenue_p90
        The month's revenue (mean and spread over months).
    utilization
        Mean seller utilisation.
    unserved
        Share of leads never attempted.
    contact_rate
        Share of leads contacted.
    """

    multiplier: float
    p_goal: float
    p_low: float
    p_high: float
    revenue_mean: float
    revenue_p10: float
    revenue_p90: float
    utilization: float
    unserved: float
    contact_rate: float


@dataclass(frozen=True)
class TierQuota:
    """One tier's quota (leads per month) with what the simulation says about it.

    Attributes
    ----------
    tier
        Tier name.
    leads
        The reverse funnel's point estimate.
    leads_low, leads_high
        The leads one month needs to reach the goal, p10 and p90 over months (None where
        a month's revenue is 0 at p10: no number of leads is enough for that month).
    leads_for_confidence
        Leads with which the goal is reached in ``sla.confidence`` of months (None when no
        multiplier up to :data:`MAX_MULTIPLIER` gets there).
    """

    tier: str
    leads: float
    leads_low: float | None
    leads_high: float | None
    leads_for_confidence: float | None


@dataclass(frozen=True)
class GoalOdds:
    """Result of :func:`goal_odds`.

    Attributes
    ----------
    goal, marketing_share
        Monthly revenue goal and the share of it expected from marketing's leads.
    target
        Revenue the simulated horizon must reach: ``goal x marketing_share x horizon.months``.
    days
        Days of the horizon: one simulated period (a month, or several; the text says
        "months" only for a horizon of about one month).
    currency
        The scenario's currency.
    reps, seed
        Months per multiplier and the root seed (the same months at every multiplier).
    confidence
        ``sla.confidence``: the share of months the needed quotas are searched for.
    quotas
        Per tier: the quota, the leads a month needs (p10-p90), the leads for the confidence.
    at_quotas
        The quotas as proposed (multiplier 1).
    needed
        The smallest multiplier on the grid with P(goal) >= confidence (None: not found up to
        :data:`MAX_MULTIPLIER`).
    levels
        Every multiplier simulated, in increasing order.
    limit
        Why the confidence is not reached (None when it is).
    """

    goal: float
    marketing_share: float
    target: float
    days: int
    currency: str
    reps: int
    seed: int
    confidence: float
    quotas: tuple[TierQuota, ...]
    at_quotas: GoalLevel
    needed: GoalLevel | None
    levels: tuple[GoalLevel, ...]
    limit: str | None

    @property
    def periods(self) -> str:
        """What a replication is, in words: ``"months"``, or ``"91-day periods"``."""
        return periods_in_words(self.days)

    def describe(self) -> list[str]:
        """Sentences for the terminal: P(goal) at the quotas, then the needed multiplier."""
        money = text_spec("revenue")
        a = self.at_quotas
        of, its = self.periods, "month's" if self.periods == "months" else "period's"
        lines = [
            f"At these quotas the goal ({money.format(self.goal)} {self.currency} a month"
            + (f", {self.marketing_share:.0%} from marketing" if self.marketing_share < 1 else "")
            + f") is reached in {a.p_goal:.0%} of {of} (95 % CI {a.p_low:.0%}-{a.p_high:.0%});"
            f" the {its} revenue: mean {money.format(a.revenue_mean)}, p10 "
            f"{money.format(a.revenue_p10)}, p90 {money.format(a.revenue_p90)} (target over the "
            f"horizon {money.format(self.target)}).",
        ]
        if self.needed is not None:
            n = self.needed
            lines.append(
                f"Quotas x {n.multiplier:.2f} reach it in "
                f"{percent_against(n.p_goal, self.confidence)} of {of} (95 % CI "
                f"{n.p_low:.0%}-{n.p_high:.0%}; sla.confidence {bar_percent(self.confidence)}): "
                "evidence for the quotas, not a verdict on the agreement."
            )
        else:
            lines.append(
                f"No quotas reach it in {bar_percent(self.confidence)} of {of}: {self.limit}"
            )
        return lines

    def to_dict(self) -> dict[str, object]:
        """The ``revenue_goal`` block of ``slasim plan --json`` (docs: Reference > Outputs)."""

        def level(v: GoalLevel | None) -> dict[str, float | None] | None:
            if v is None:
                return None
            return {k: _finite(getattr(v, k)) for k in GoalLevel.__dataclass_fields__}

        return {
            "simulated": True,
            "goal": self.goal,
            "marketing_share": self.marketing_share,
            "target": self.target,
            "days": self.days,
            "currency": self.currency,
            "reps": self.reps,
            "seed": self.seed,
            "confidence": self.confidence,
            "revenue_basis": "steady_month",
            "quotas": [
                {
                    "tier": q.tier,
                    "leads": q.leads,
                    "leads_low": q.leads_low,
                    "leads_high": q.leads_high,
                    "leads_for_confidence": q.leads_for_confidence,
                }
                for q in self.quotas
            ],
            "at_quotas": level(self.at_quotas),
            "needed": level(self.needed),
            "levels": [level(v) for v in self.levels],
            "reachable": self.needed is not None,
            "limit": self.limit,
            "text": " ".join(self.describe()),
        }


def _finite(value: float) -> float | None:
    """JSON has no NaN: an undefined value (utilisation without sellers) becomes null."""
    return float(value) if math.isfinite(value) else None


def periods_in_words(days: int) -> str:
    """``"months"`` for a horizon of about a month (25-35 days), else ``"91-day periods"``."""
    return "months" if 25 <= days <= 35 else f"{days}-day periods"
