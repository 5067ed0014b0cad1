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
    response term is met vacuously, like the attempt commitment below. NaN for a tier without
    SLA terms (no target; the period's share leaves it out).
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
    the queue metrics, defined in :mod:`slasim.measure.queue_metrics` (informative: not SLA terms).
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
    A horizon of several months (:mod:`slasim.measure.months`) is judged month by month
    (:func:`month_metrics`): its flags are then 1 when the term was met in every month.
    Marketing meets a tier's quota when leads created >= quota x period length in months.
    The attempt commitment counts uncontacted leads whose attempt window ended inside the
    period; it is met vacuously when there are none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from slasim.engine.replication import Replication
from slasim.engine.staff import head_count, paid_seller_months
from slasim.measure.catalogue import METRICS, STATES
from slasim.measure.months import SEP, Month, month_column, months_of
from slasim.measure.quantiles import linear_quantiles
from slasim.measure.queue_metrics import queue_metrics, response_grid
from slasim.measure.terms import SIDES, TERMS
from slasim.measure.verdict import side_flags
from slasim.model.calendar import BusinessCalendar
from slasim.model.people import has_people_changes
from slasim.scenario.schema import Scenario

__all__ = [
    "ALL",
    "METRICS",
    "MONTHLY_METRICS",
    "MetricContext",
    "attempt_share",
    "attempt_shares",
    "month_metrics",
    "replication_metrics",
    "response_share",
    "response_shares",
]

#: The tier label of period totals.
ALL = "all"

_STATE = {name: i for i, name in enumerate(STATES)}
_TERM_FLAGS = frozenset(term.flag for term in TERMS)
_FLAGS = frozenset(
    (*(term.flag for term in TERMS), *(side.flag for side in SIDES))
)
#: The metrics computed per calendar month of a multi-month horizon (:func:`month_metrics`).
MONTHLY_METRICS: tuple[str, ...] = tuple(dict.fromkeys((  # marketing's term is its side
    "leads_created", "won_deals", "revenue",
    *(term.flag for term in TERMS), *(side.flag for side in SIDES),
)))


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
    #: ``sla.tiers.<tier>.quota`` (a month's quota is this x the month's length in months).
    quota: float | None = None


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
    #: The calendar months of a multi-month horizon (:func:`slasim.measure.months.months_of`); empty
    #: for a horizon judged as one period.
    months: tuple[Month, ...] = ()
    #: ``routing.age_cutoff_minutes``: when a never-attempted lead left (for a month's end).
    age_cutoff_minutes: float | None = None

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
                    quota=terms.quota if terms else None,
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
        h = scenario.horizon
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
            months=months_of(h.start, h.days, h.timezone),
            age_cutoff_minutes=scenario.routing.age_cutoff_minutes,
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
    # Both from one partition (the values of np.quantile, without its overhead: eight calls a
    # replication made them a tenth of a month's cost).
    if not len(values):
        return float("nan"), float("nan")
    p50, p90 = linear_quantiles(values, (0.5, 0.9))
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
    served = kpi.get(f"answered_within_target_{t.target_clock}")
    if not t.has_terms:  # no response target: "within" it means nothing (was 1.0, an infinite
        return {"first_attempt_within_target": np.nan}  # target, which compare read as a gain)
    if served is not None:
        # The queue metrics' service level on the SLA's clock is this share: each lead of the
        # tier against the tier's target (response_outcomes), so it is not computed twice.
        # Only _tier_metrics passes a kpi holding it, from queue_metrics(leads, ctx) on these
        # same leads and context (month_metrics' kpi has no queue metrics: it computes).
        share = served
    else:
        share = response_share(leads, ctx, t.target_minutes, t.target_clock, attempted)
    out = {"first_attempt_within_target": share}
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


#: How each term of :data:`slasim.measure.terms.TERMS` is scored in one month of one tier.
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
    over the decided leads (:func:`slasim.measure.queue_metrics.response_outcomes`)."""
    return response_shares(leads, ctx, (target_minutes,), clock, attempted)[0]


def response_shares(
    leads: np.ndarray,
    ctx: MetricContext,
    targets: Sequence[float],
    clock: str,
    attempted: np.ndarray | None = None,
) -> list[float]:
    """:func:`response_share` for each of ``targets`` on the same records (the optimizer scores
    a tier's menu of targets with it)."""
    within, decided = response_grid(leads, ctx, np.array(targets, dtype=np.float64), clock,
                                    attempted)
    # Counts, not within[decided].mean(): the mean of 0/1 values sums them exactly, so the
    # same quotient of two integers, for all targets at once.
    hits = np.count_nonzero(within & decided, axis=1)
    total = np.count_nonzero(decided, axis=1)
    return [h / t if t else float("nan") for h, t in zip(hits.tolist(), total.tolist(),
                                                          strict=True)]


def attempt_share(leads: np.ndarray, ctx: MetricContext, min_attempts: int) -> float:
    """Share of uncontacted leads whose window closed that got ``min_attempts`` attempts."""
    return attempt_shares(leads, ctx, (min_attempts,))[0]


def attempt_shares(
    leads: np.ndarray, ctx: MetricContext, min_attempts: Sequence[int]
) -> list[float]:
    """:func:`attempt_share` for each of ``min_attempts`` on the same records."""
    uncontacted = np.isnan(leads["contacted"])
    window_closed = leads["created"] + ctx.window_minutes <= ctx.horizon_minutes
    eligible = uncontacted & window_closed
    if not eligible.any():
        return [1.0] * len(min_attempts)
    attempts = leads["attempts"][eligible]
    return [float((attempts >= k).mean()) for k in min_attempts]


def replication_metrics(rep: Replication, ctx: MetricContext) -> dict[tuple[str, str], float]:
    """All metrics of one replication as ``{(metric, tier): value}``; ``tier`` may be ``all``."""
    out: dict[tuple[str, str], float] = {}
    leads = rep.leads
    totals: dict[str, float] = {}
    for index, t in enumerate(ctx.tiers):
        values = _tier_metrics(_of_tier(leads, index), ctx, t)
        for name, value in values.items():
            out[(name, t.name)] = value
        for name in ("pipeline_value", "cost_leads"):
            totals[name] = totals.get(name, 0.0) + values[name]
    overall = _tier_metrics(leads, ctx, None)
    overall.update(totals)
    overall.update(_overall_flags({k: v for k, v in out.items() if k[0] in _TERM_FLAGS}, ctx))
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
    if ctx.months:
        monthly = month_metrics(leads, ctx)
        out.update(monthly)
        # A multi-month horizon keeps its terms when it keeps them in every month: the
        # period's flags are the products of the months' (what the verdict calls P(every
        # month)), so every reader of a flag column sees the monthly judgement.
        for name, tier in list(out):
            if name in _FLAGS and SEP not in tier:
                out[(name, tier)] = float(all(
                    monthly[(name, month_column(tier, month))] for month in ctx.months
                ))
    return out


def _of_tier(leads: np.ndarray, index: int) -> np.ndarray:
    """The records of tier ``index``; when it holds every lead, the records themselves rather
    than a copy (88 bytes a lead, 62 without the fields no metric reads)."""
    mine = leads["tier"] == index
    return leads if mine.all() else leads[mine]


def _overall_flags(
    by_tier: dict[tuple[str, str], float], ctx: MetricContext
) -> dict[str, float]:
    """Period-wide SLA flags from each tier's ``{(term_flag, tier): 0/1}``: a term is met when
    every tier meets it; a side when it keeps every term of every tier (the one definition,
    :func:`slasim.measure.verdict.side_flags`)."""
    named = tuple(t.name for t in ctx.tiers if t.has_terms)
    out: dict[str, float] = {}
    for term in TERMS:
        if named:
            out[term.flag] = float(all(by_tier[(term.flag, tier)] for tier in named))
    if named:
        columns = {(term.flag, tier): np.array([by_tier[(term.flag, tier)]])
                   for tier in named for term in TERMS}
        for side, kept in side_flags(columns, named).items():
            out[f"{side}_met"] = float(kept[0])
    return out


def _as_of(leads: np.ndarray, end: float, age_cutoff: float | None) -> np.ndarray:
    """``leads`` as they stood at simulation minute ``end`` (a month's close): a first attempt
    or a contact after it has not happened yet, and a lead not attempted by then is still
    waiting unless it had already left (gave up, or was cut off at ``age_cutoff``)."""
    rec = leads.copy()
    late = rec["first_attempt"] > end  # NaN (never attempted) compares False
    rec["first_attempt"][late] = np.nan
    rec["response_business"][late] = np.nan
    rec["attempts"][late] = 0
    unreached = rec["contacted"] > end
    rec["contacted"][unreached] = np.nan
    rec["qualified"][unreached] = False
    rec["opportunity"][unreached] = False
    cutoff = np.inf if age_cutoff is None else age_cutoff
    left = np.where(np.isnan(rec["abandoned"]), rec["created"] + cutoff, rec["abandoned"])
    rec["abandoned"][rec["abandoned"] > end] = np.nan
    still = np.isnan(rec["first_attempt"]) & (left > end)
    rec["state"][still] = _STATE["waiting"]
    return rec


def month_metrics(leads: np.ndarray, ctx: MetricContext) -> dict[tuple[str, str], float]:
    """Per calendar month of ``ctx.months``: :data:`MONTHLY_METRICS` keyed
    ``(metric, "<tier>@<YYYY-MM>")`` (``"all@..."`` for totals).

    The term flags are the period's (the same scoring functions) on a sub-period: the leads
    created in the month as of its end (:func:`_as_of`), its quota pro rata to its days; wins
    and revenue are the deals closed in the month (see :mod:`slasim.measure.months`).
    """
    out: dict[tuple[str, str], float] = {}
    created = leads["created"]
    if created.size > 1 and not bool(np.all(created[1:] >= created[:-1])):
        leads = leads[np.argsort(created, kind="stable")]  # the engine's records are sorted
        created = leads["created"]
    # Wins and revenue by (closing month, tier) in one pass, not one mask per month and tier.
    n_months, n_tiers = len(ctx.months), len(ctx.tiers)
    won = np.flatnonzero(leads["state"] == _STATE["won"])
    # Months are contiguous ([start, end) each, the next starting at the end).
    bounds = np.array([m.start for m in ctx.months] + [m.end for m in ctx.months[-1:]])
    cm = np.searchsorted(bounds, leads["closed"][won], side="right") - 1  # -1: before the first
    inside = (cm >= 0) & (cm < n_months)
    cell = cm[inside] * n_tiers + leads["tier"][won][inside].astype(np.int64)
    size = n_months * n_tiers
    won_deals = np.bincount(cell, minlength=size).reshape(n_months, n_tiers)
    revenue = np.bincount(cell, weights=leads["value"][won][inside], minlength=size).reshape(
        n_months, n_tiers
    )
    for k, month in enumerate(ctx.months):
        lo, hi = np.searchsorted(created, [month.start, month.end], side="left")
        now = _as_of(leads[lo:hi], month.end, ctx.age_cutoff_minutes)
        sub = replace(ctx, horizon_minutes=month.end)
        flags: dict[tuple[str, str], float] = {}
        for index, t in enumerate(ctx.tiers):
            mine = _of_tier(now, index)
            n = len(mine)
            kpi = {
                "leads_created": float(n),
                "qualify_rate": float(mine["qualified"].sum()) / n if n else float("nan"),
            }
            values = {**kpi, "won_deals": float(won_deals[k, index]),
                      "revenue": float(revenue[k, index])}
            if t.has_terms:
                quota = None if t.quota is None else t.quota * month.months
                values.update(_attainment(mine, sub, replace(t, quota_in_period=quota),
                                          ~np.isnan(mine["first_attempt"]), kpi))
                flags.update({(f, t.name): values[f] for f in _TERM_FLAGS})
            column = month_column(t.name, month)
            out.update({(m, column): values[m] for m in MONTHLY_METRICS if m in values})
        total = {"leads_created": float(len(now)), "won_deals": float(won_deals[k].sum()),
                 "revenue": float(revenue[k].sum()), **_overall_flags(flags, ctx)}
        out.update({(m, month_column(ALL, month)): v for m, v in total.items()})
    return out
