"""KPI and SLA-attainment definitions, computed from one replication's lead records.

All rates are per lead *created* in the period (so they add up along the funnel), response
times are from creation to the start of the first attempt. Definitions, in one place:

``leads_created``
    leads that arrived in the period.
``response_minutes_mean|p50|p90``, ``response_business_minutes_*``
    wall-clock / business minutes to the first attempt, over leads that got one
    (``leads_never_attempted`` counts the others).
``first_attempt_within_target``
    share of leads whose first attempt started within the tier's target on the SLA's clock.
    Leads whose deadline falls after the period end and that were not yet attempted are
    censored (left out): the period cannot say whether they will be on time.
    When no lead of a tier can be judged yet (none attempted, no deadline passed), the
    response term is met vacuously, like the attempt commitment below.
``attempts_per_lead``, ``contact_rate``, ``qualify_rate``, ``opportunity_rate``, ``win_rate``
    per lead created.
``won_deals``, ``revenue``
    deals won inside the period and their value.
``pipeline_value``
    expected value of opportunities still open at the end: deal value x the tier's win rate.
``leads_won|lost|nurtured|in_pipeline|waiting``
    end-of-period states; they add up to ``leads_created``.
``leads_abandoned``
    nurtured leads that left the queue before a first attempt because their patience
    (``routing.patience`` or ``routing.patience_minutes``) ran out; 0 without patience.
``wait_positive_share``, ``wait_served_minutes_mean|p90``, ``wait_abandoned_minutes_mean``,
``abandonment_rate``, ``abandoned_short_share``, ``answered_within_target_wall|business``
    the queue metrics, defined in :mod:`slasim.queue_metrics` (informative: not SLA terms).
``seller_utilization``
    busy minutes inside availability / available minutes (shift time after shrinkage), so at
    most 1: the part of an attempt that runs into a break or past the shift end is overtime.
``seller_overtime_minutes``
    handling minutes of the whole team outside its available time (into breaks, past shift
    ends) in the period: the work that utilization does not count.
``cost_sellers``, ``cost_leads``, ``cost``, ``profit``
    seller cost pro rata for the period, lead cost (plus ``costs.lead_cost_curve``'s surcharge
    on leads beyond the reference volume), their sum; profit = gross margin x
    (revenue + pipeline_value) - cost.
``marketing_met``, ``response_met``, ``attempts_met``, ``conversion_met``, ``sales_met``,
``joint_met``
    1 if the SLA term was met in this period, else 0; their mean over replications is P(met).
    Marketing meets a tier's quota when leads created >= quota x period length in months.
    The attempt commitment counts uncontacted leads whose attempt window ended inside the
    period; it is met vacuously when there are none.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from slasim.calendar import BusinessCalendar
from slasim.catalogue import METRICS, STATES
from slasim.engine import Replication
from slasim.people import has_people_changes
from slasim.queue_metrics import queue_metrics, response_outcomes
from slasim.scenario import Scenario
from slasim.staff import head_count, paid_seller_months
from slasim.terms import TERMS
from slasim.verdict import side_flags

__all__ = [
    "ALL",
    "METRICS",
    "MetricContext",
    "attempt_share",
    "replication_metrics",
    "response_share",
]

#: The tier label of period totals.
ALL = "all"

_STATE = {name: i for i, name in enumerate(STATES)}
_TERM_FLAGS = frozenset(term.flag for term in TERMS)


@dataclass(frozen=True)
class _TierContext:
    name: str
    quota_in_period: float | None
    target_minutes: float
    target_clock: str
    response_share: float
    min_attempts: int
    attempt_share: float
    qualify_target: float | None
    win_rate: float
    cost_per_lead: float
    has_terms: bool
    # costs.lead_cost_curve: leads beyond this many in the period cost `extra_cost` more each.
    reference_in_period: float = float("inf")
    extra_cost: float = 0.0


@dataclass(frozen=True)
class MetricContext:
    """What the metrics need from the scenario, precomputed once per experiment (picklable)."""

    tiers: tuple[_TierContext, ...]
    calendar: BusinessCalendar
    horizon_minutes: float
    window_minutes: float
    seller_cost: float
    gross_margin: float
    #: ``routing.short_abandon_seconds`` in minutes (``abandoned_short_share``).
    short_abandon_minutes: float = 10.0 / 60.0

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> MetricContext:
        months = scenario.horizon.months
        tiers = []
        for name, tier in scenario.tiers.items():
            terms = scenario.sla.tiers.get(name)
            tiers.append(
                _TierContext(
                    name=name,
                    quota_in_period=terms.quota * months if terms else None,
                    target_minutes=terms.response_target_minutes if terms else np.inf,
                    target_clock=terms.response_clock if terms else "wall",
                    response_share=terms.response_share if terms else 0.0,
                    min_attempts=terms.min_attempts if terms else 0,
                    attempt_share=terms.attempt_share if terms else 0.0,
                    qualify_target=terms.qualify_rate_target if terms else None,
                    win_rate=tier.win_rate,
                    cost_per_lead=scenario.costs.cost_per_lead.get(name, 0.0),
                    has_terms=terms is not None,
                    **_curve(scenario, name, months),
                )
            )
        calendar = scenario.business_calendar()
        sellers = head_count(scenario)
        cost = scenario.team.cost_per_seller_month
        # Hires are paid from their start, planned leavers up to their last day.
        seller_cost = (
            paid_seller_months(scenario) * cost if has_people_changes(scenario)
            else sellers * cost * months
        )
        return cls(
            tiers=tuple(tiers),
            calendar=calendar,
            horizon_minutes=calendar.horizon_minutes,
            window_minutes=scenario.cadence.window_days * 1440.0,
            seller_cost=seller_cost,
            gross_margin=scenario.costs.gross_margin,
            short_abandon_minutes=scenario.routing.short_abandon_seconds / 60.0,
        )


def _curve(scenario: Scenario, tier: str, months: float) -> dict[str, float]:
    curve = scenario.costs.lead_cost_curve.get(tier)
    if curve is None:
        return {}
    return {
        "reference_in_period": curve.reference_volume * months,
        "extra_cost": curve.extra_cost_per_lead,
    }


def _median_p90(values: np.ndarray) -> tuple[float, float]:
    # One np.quantile call for both: one partition instead of two (the same order statistics
    # and the same interpolation, so the same values as two calls).
    if not len(values):
        return float("nan"), float("nan")
    p50, p90 = np.quantile(values, (0.5, 0.9)).tolist()
    return p50, p90


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else float("nan")


def _tier_metrics(
    leads: np.ndarray, ctx: MetricContext, t: _TierContext | None
) -> dict[str, float]:
    n = len(leads)
    attempted = ~np.isnan(leads["first_attempt"])
    wall = (leads["first_attempt"] - leads["created"])[attempted]
    business = leads["response_business"][attempted]
    state = leads["state"]
    per_lead = 1.0 / n if n else float("nan")
    won = state == _STATE["won"]
    pipeline = state == _STATE["in_pipeline"]
    wall_p50, wall_p90 = _median_p90(wall)
    business_p50, business_p90 = _median_p90(business)
    out = {
        "leads_created": float(n),
        "response_minutes_mean": _mean(wall),
        "response_minutes_p50": wall_p50,
        "response_minutes_p90": wall_p90,
        "response_business_minutes_mean": _mean(business),
        "response_business_minutes_p50": business_p50,
        "response_business_minutes_p90": business_p90,
        "leads_never_attempted": float(n - attempted.sum()),
        "attempts_per_lead": float(leads["attempts"].sum()) * per_lead,
        "contact_rate": float((~np.isnan(leads["contacted"])).sum()) * per_lead,
        "qualify_rate": float(leads["qualified"].sum()) * per_lead,
        "opportunity_rate": float(leads["opportunity"].sum()) * per_lead,
        "win_rate": float(won.sum()) * per_lead,
        "won_deals": float(won.sum()),
        "revenue": float(leads["value"][won].sum()),
    }
    for name, index in _STATE.items():
        out[f"leads_{name}"] = float((state == index).sum())
    out["leads_abandoned"] = float((~np.isnan(leads["abandoned"])).sum())
    out.update(queue_metrics(leads, ctx, served_p90=wall_p90))
    if t is not None:
        out["pipeline_value"] = float(leads["value"][pipeline].sum()) * t.win_rate
        out["cost_leads"] = n * t.cost_per_lead + t.extra_cost * max(
            0.0, n - t.reference_in_period
        )
        out.update(_attainment(leads, ctx, t, attempted, out))
    return out


def _attainment(
    leads: np.ndarray,
    ctx: MetricContext,
    t: _TierContext,
    attempted: np.ndarray,
    kpi: dict[str, float],
) -> dict[str, float]:
    """Per-term SLA flags for one tier (see the module docstring for the definitions)."""
    share = response_share(leads, ctx, t.target_minutes, t.target_clock, attempted)
    out = {"first_attempt_within_target": share}
    if not t.has_terms:
        return out
    scored = {term.flag: _SCORE[term.name](leads, ctx, t, share, kpi) for term in TERMS}
    out.update(scored)
    sides = side_flags({(flag, t.name): np.array([v]) for flag, v in scored.items()}, (t.name,))
    out.update({f"{side}_met": float(v[0]) for side, v in sides.items()})
    return out


def _quota_met(leads: np.ndarray, ctx: MetricContext, t: _TierContext, share: float,
               kpi: dict[str, float]) -> float:
    return float(kpi["leads_created"] >= (t.quota_in_period or 0.0))


def _response_met(leads: np.ndarray, ctx: MetricContext, t: _TierContext, share: float,
                  kpi: dict[str, float]) -> float:
    # No lead of the tier can be judged yet: met vacuously (nothing was late).
    return float(share >= t.response_share) if not np.isnan(share) else 1.0


def _attempts_met(leads: np.ndarray, ctx: MetricContext, t: _TierContext, share: float,
                  kpi: dict[str, float]) -> float:
    return float(attempt_share(leads, ctx, t.min_attempts) >= t.attempt_share)


def _conversion_met(leads: np.ndarray, ctx: MetricContext, t: _TierContext, share: float,
                    kpi: dict[str, float]) -> float:
    if t.qualify_target is None or np.isnan(kpi["qualify_rate"]):
        return 1.0  # no promise, or no leads at all: nothing was promised on them
    return float(kpi["qualify_rate"] >= t.qualify_target)


#: How each term of :data:`slasim.terms.TERMS` is scored in one month of one tier.
_SCORE = {
    "marketing": _quota_met,
    "response": _response_met,
    "attempts": _attempts_met,
    "conversion": _conversion_met,
}


def response_share(
    leads: np.ndarray,
    ctx: MetricContext,
    target_minutes: float,
    clock: str,
    attempted: np.ndarray | None = None,
) -> float:
    """Share of one tier's ``leads`` first attempted within ``target_minutes`` on ``clock``,
    over the decided leads (:func:`slasim.queue_metrics.response_outcomes`).

    Public so that the optimizer can score a menu of targets on the same records.
    """
    within, decided = response_outcomes(leads, ctx, target_minutes, clock, attempted)
    return float(within[decided].mean()) if decided.any() else float("nan")


def attempt_share(leads: np.ndarray, ctx: MetricContext, min_attempts: int) -> float:
    """Share of uncontacted leads whose window closed that got ``min_attempts`` attempts."""
    uncontacted = np.isnan(leads["contacted"])
    window_closed = leads["created"] + ctx.window_minutes <= ctx.horizon_minutes
    eligible = uncontacted & window_closed
    return float((leads["attempts"][eligible] >= min_attempts).mean()) if eligible.any() else 1.0


def replication_metrics(rep: Replication, ctx: MetricContext) -> dict[tuple[str, str], float]:
    """All metrics of one replication as ``{(metric, tier): value}``; ``tier`` may be ``all``."""
    out: dict[tuple[str, str], float] = {}
    leads = rep.leads
    totals: dict[str, float] = {}
    flags: dict[str, list[float]] = {}
    for index, t in enumerate(ctx.tiers):
        values = _tier_metrics(leads[leads["tier"] == index], ctx, t)
        for name, value in values.items():
            out[(name, t.name)] = value
            if t.has_terms and name in _TERM_FLAGS:
                flags.setdefault(name, []).append(value)
        for name in ("pipeline_value", "cost_leads"):
            totals[name] = totals.get(name, 0.0) + values[name]
    overall = _tier_metrics(leads, ctx, None)
    overall.update(totals)
    # Period-wide SLA flags: a term is met when every tier meets it; a side when it keeps every
    # term of every tier (the one definition, slasim.verdict.side_flags).
    for term in TERMS:
        if term.flag in flags:
            overall[term.flag] = float(all(flags[term.flag]))
    terms_by_tier = {
        (term.flag, t.name): np.array([out[(term.flag, t.name)]])
        for t in ctx.tiers if t.has_terms for term in TERMS
    }
    if terms_by_tier:
        named = tuple(t.name for t in ctx.tiers if t.has_terms)
        for side, kept in side_flags(terms_by_tier, named).items():
            overall[f"{side}_met"] = float(kept[0])
    # Response share over all tiers, each lead judged against its own tier's target.
    within = [out.get(("first_attempt_within_target", t.name), np.nan) for t in ctx.tiers]
    counts = [out[("leads_created", t.name)] for t in ctx.tiers]
    weights = np.array([c if not np.isnan(w) else 0.0 for w, c in zip(within, counts, strict=True)])
    overall["first_attempt_within_target"] = (
        float(np.nansum(np.array(within) * weights) / weights.sum()) if weights.sum() else np.nan
    )
    available = float(rep.sellers["available_minutes"].sum())
    busy = float(rep.sellers["busy_minutes"].sum())
    overall["seller_utilization"] = busy / available if available else float("nan")
    overall["seller_overtime_minutes"] = float(rep.sellers["overtime_minutes"].sum())
    overall["cost_sellers"] = ctx.seller_cost
    overall["cost"] = ctx.seller_cost + overall["cost_leads"]
    overall["profit"] = (
        ctx.gross_margin * (overall["revenue"] + overall["pipeline_value"]) - overall["cost"]
    )
    for name, value in overall.items():
        out[(name, ALL)] = value
    return out
