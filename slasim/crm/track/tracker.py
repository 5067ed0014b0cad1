"""Actual versus target: a CRM export measured against the agreement, month by month.

:func:`track` cuts the export into calendar months (in the agreement's time zone), measures
each month with the simulator's own KPI definitions (:mod:`slasim.measure.metrics`) and compares the
result with (a) the agreed targets and (b) what the simulation of that same month expected:
the agreement scenario is simulated over the month (``horizon.start`` = the 1st, ``days`` =
the days in the month) and each actual is placed below, inside or above the simulated
p10-p90 band. A band holds 80 % of simulated months, so one measure outside it now and then
is expected; several in a row, or by far, are the signal.

How a month is measured (the same way the simulation measures its month, so actual and band
are comparable, and a closed month's figures do not change with later exports):

- leads created in the month count; their events (attempts, contacts, wins) count up to the
  *cut-off*: the month end, or the export time for a month still running;
- a month whose cut-off is before its end is *partial*: its quotas are pro-rated to the
  elapsed share of the month, and its bands come from the simulated months cut at the same
  point;
- response compliance uses the agreement's clock (business or wall minutes) and target per
  tier; a lead never attempted counts as late once its deadline has passed by the cut-off and
  is left out (censored) before that, exactly as in :mod:`slasim.measure.metrics`;
- a measure whose columns the export lacks (e.g. no ``first_attempt_at``) is reported as not
  measurable, never as zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd

from slasim.crm.io.imported import CrmImport
from slasim.crm.track._agreement import agreement_batch, agreement_months, with_agreement_flags
from slasim.crm.track._observe import LeadTable, lead_outcomes, observe
from slasim.crm.track._sellerbands import SELLER_BAND_COLUMNS, seller_band_rows, simulated_seats
from slasim.crm.track._sellers import UNASSIGNED, seller_rows
from slasim.crm.track.periods import (
    TrackedPeriod,
    check_simulable,
    export_time,
    month_scenario,
    period_context,
    select_periods,
)
from slasim.engine.records import SELLER_DTYPE
from slasim.engine.replication import Replication
from slasim.errors import InputError
from slasim.measure.catalogue import TRACKED
from slasim.measure.executors import Executor, executor_for, run_batches
from slasim.measure.experiment import (
    SimulationResult,
    replications_table,
    result_of,
    simulation_batch,
    verdict_of,
)
from slasim.measure.metrics import ALL, MetricContext, replication_metrics
from slasim.measure.months import leads_needed
from slasim.measure.shares import bar_percent
from slasim.measure.terms import SIDES as SIDE_REGISTRY
from slasim.measure.terms import TERMS as TERM_REGISTRY
from slasim.measure.verdict import Verdict
from slasim.outputs import json_table
from slasim.scenario.schema import Scenario
from slasim.seeding import Seed, root_seed

__all__ = ["MEASURES", "TERMS", "TrackResult", "TrackedPeriod", "month_scenario", "track"]

#: Measures of ``TrackResult.by_tier`` (metric names of :mod:`slasim.measure.metrics`), in order.
MEASURES: tuple[str, ...] = TRACKED
#: SLA terms of ``TrackResult.summary`` per tier, and the metric flag saying each was met.
TERMS: dict[str, str] = {t.name: t.flag for t in TERM_REGISTRY}
#: Period-wide rows (tier ``all``) of the summary: a side meets the SLA when every tier does.
SIDES: dict[str, str] = {s.name: s.flag for s in SIDE_REGISTRY}
#: The term whose flag a measure row shows in ``by_tier.met``.
_MEASURE_TERM = {t.measure: t.name for t in TERM_REGISTRY if t.measure is not None}
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class TrackResult:
    """The outcome of :func:`track`.

    Attributes
    ----------
    agreement
        Name of the agreement scenario; ``currency`` its currency.
    tiers
        Tier names in the agreement's order.
    periods
        The tracked months.
    by_tier
        Tidy: period, tier (``all`` for totals), measure, actual, target, met, sim_p10,
        sim_median, sim_p90, band (``below`` / ``inside`` / ``above`` the simulated p10-p90,
        ``n/a`` when not measurable), partial.
    by_seller
        Per period, owner and tier (``all`` first): leads, then every rate next to its count
        and a 95 % Wilson interval (``*_ci_low``, ``*_ci_high``); ordered by volume, then name.
    seller_bands
        Tidy, per period, owner (of the export; not the unassigned) and measure of
        :data:`~slasim.crm.track._sellerbands.SELLER_MEASURES`: leads, actual, sim_p10, sim_median,
        sim_p90 over every simulated seat of every simulated month (lead counts scaled to the
        export's owned leads per owner), band, partial. Evidence beside each seller, not a
        verdict. Empty when the export names no owner.
    summary
        One row per period, tier and SLA term (tier ``all``: marketing, sales, joint): target
        (text), actual, met (``True`` / ``False`` / ``None`` = not measurable), sim_p_met (share
        of simulated months that met it), partial.
    as_of
        The export time (local), the cut-off of a month still running.
    reps, seed
        Simulated months per tracked month, and the seed.
    scenario
        The agreement (the dashboard words its terms as the agreement document does).
    verdicts
        Per tracked month, the verdict on its simulated months (:mod:`slasim.measure.verdict`): how
        realistic the agreement was for that month, beside what happened.
    """

    agreement: str
    currency: str
    tiers: tuple[str, ...]
    periods: tuple[TrackedPeriod, ...]
    by_tier: pd.DataFrame
    by_seller: pd.DataFrame
    summary: pd.DataFrame
    as_of: datetime
    reps: int
    seed: int
    scenario: Scenario = field(repr=False)
    verdicts: dict[str, Verdict] = field(default_factory=dict, repr=False)
    seller_bands: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def to_dict(self) -> dict[str, object]:
        """Everything as JSON-ready values (``track --json``): the tables as lists of records,
        NaN as None."""

        def records(frame: pd.DataFrame) -> list[dict[str, object]]:
            return list(json_table(frame, date_format="iso"))

        return {
            "agreement": self.agreement,
            "currency": self.currency,
            "as_of": self.as_of.isoformat(),
            "reps": self.reps,
            "seed": self.seed,
            "tiers": list(self.tiers),
            "periods": [
                {"label": p.label, "start": p.start.isoformat(), "days": p.days,
                 "cutoff": p.cutoff.isoformat(), "partial": p.partial, "fraction": p.fraction,
                 "leads": p.leads, "not_measurable": list(p.not_measurable)}
                for p in self.periods
            ],
            "verdicts": {label: v.to_dict() for label, v in self.verdicts.items()},
            "by_tier": records(self.by_tier),
            "summary": records(self.summary),
            "by_seller": records(self.by_seller),
            "seller_bands": records(self.seller_bands),
        }

    def to_frame(self) -> pd.DataFrame:
        """:attr:`summary` as a new table, one row per period, tier and SLA term."""
        return self.summary.copy()


def _not_measurable(crm: CrmImport, rows: pd.Index) -> tuple[str, ...]:
    has = crm.has
    dated = crm.date_only.loc[rows]
    timed = not dated["created_at"].any() and not dated["first_attempt_at"].any()
    response = has("first_attempt_at") and timed
    won = has("won_at") or has("status")
    ok = {
        "leads_created": True,
        "first_attempt_within_target": response,
        "response_minutes_p90": response,
        "response_business_minutes_p90": response,
        "attempts_per_lead": has("attempts"),
        "contact_rate": has("contacted_at"),
        "qualify_rate": has("qualified") or has("qualified_at"),
        "win_rate": won,
        "won_deals": won,
        "revenue": won and has("deal_value"),
    }
    return tuple(m for m in MEASURES if not ok[m])


def _term_measurable(term: str, missing: tuple[str, ...]) -> bool:
    needs = {t.name: t.needs for t in TERM_REGISTRY}
    needs["sales"] = tuple(m for t in TERM_REGISTRY if t.side == "sales" for m in t.needs)
    needs["joint"] = needs["sales"]
    return not any(m in missing for m in needs[term])


def _measure(rec: np.ndarray, ctx: MetricContext, names: tuple[str, ...]) -> dict[
    tuple[str, str], float
]:
    # Real exports carry no seller rosters: utilisation is undefined (NaN), never shown.
    rep = Replication(rec, np.zeros(0, dtype=SELLER_DTYPE), ctx.horizon_minutes, names)
    return replication_metrics(rep, ctx)


def _simulated(
    scenario: Scenario, ctx: MetricContext, partial: bool, result: SimulationResult,
) -> pd.DataFrame:
    """The simulated months' metrics; a partial month is measured as the export is (cut at
    the export time, from its records)."""
    if not partial:
        return result.replications
    assert result.records is not None
    names = tuple(scenario.tiers)
    rows = []
    for rep in result.records:
        rec, _ = observe(LeadTable.from_records(rep.leads), ctx.horizon_minutes, ctx.calendar)
        rows.append(_measure(rec, ctx, names))
    return pd.DataFrame(rows)


def _band(actual: float, low: float, high: float) -> str:
    if math.isnan(actual) or math.isnan(low):
        return "n/a"
    return "below" if actual < low else "above" if actual > high else "inside"


def _flag(value: float | None) -> bool | None:
    return None if value is None or math.isnan(value) else bool(value)


def _target(term: str, tier: str, scenario: Scenario, ctx: MetricContext) -> tuple[float, str]:
    """The numeric target of a term and its wording."""
    terms = scenario.sla.tiers[tier]
    t = next(c for c in ctx.tiers if c.name == tier)
    if term == "marketing":
        quota = float(t.quota_in_period or 0.0)
        # The whole leads needed (quota x days / 30.4375, pro-rated to a partial month, rounded
        # up), as the agreement's table states them: 137.99 reads 138, 68.4 reads 69, not 68.
        return quota, f">= {leads_needed(quota):,} leads"
    if term == "response":
        unit = "business min" if terms.response_clock == "business" else "min"
        return terms.response_share, (
            f">= {bar_percent(terms.response_share)} within "
            f"{terms.response_target_minutes:g} {unit}"
        )
    if term == "attempts":
        return terms.attempt_share, (
            f">= {bar_percent(terms.attempt_share)} of unreached leads get "
            f"{terms.min_attempts} attempts"
        )
    target = terms.qualify_rate_target
    if target is None:
        return math.nan, "no target"
    return target, f"qualify rate >= {bar_percent(target)}"


def track(
    crm: CrmImport,
    agreement: Scenario,
    *,
    period: str | None = None,
    reps: int = 100,
    seed: Seed = 0,
    workers: int = 1,
    as_of: datetime | pd.Timestamp | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> TrackResult:
    """Measure a CRM export against ``agreement``, month by month, with simulated bands.

    Parameters
    ----------
    crm
        The export (:func:`slasim.crm.io.importer.read_crm`, ideally with the agreement's tiers).
    agreement
        The agreed scenario: its SLA terms are the targets, its model gives the bands.
    period
        ``YYYY-MM`` to track one month; default every month with leads in the export.
    reps, seed, workers
        Simulated months per tracked month, root seed, worker processes (results do not
        depend on ``workers``).
    as_of
        The export time (cut-off of a month still running); default: the latest timestamp in
        the export. Naive values are local time of the agreement.
    progress
        ``progress(done, total)`` after each finished task, counting simulated months over
        every tracked period.
    executor
        Where the months are simulated (:mod:`slasim.measure.executors`; left open); default: one
        pool of ``workers`` processes. Every tracked period's months go in one submission.

    Raises
    ------
    InputError
        For an export without usable leads, tiers the agreement does not know, a ``period``
        that is not ``YYYY-MM`` inside the export's range, a tier without SLA terms, or an
        ``as_of`` before the first lead was created.
    """
    seed = root_seed(seed)  # once: every simulation below runs on the same months
    source = crm.summary.source
    names = tuple(agreement.tiers)
    leads = crm.leads
    if len(leads) == 0:
        raise InputError.single(source, "", "no usable leads to track (every row was rejected)")
    unknown = sorted(set(leads["tier"]) - set(names))
    if unknown:
        raise InputError.single(
            source, "tier", f"tiers {unknown} are not in the agreement; expected {list(names)} "
            "(read the export with the agreement as --base, or map sources with --source-tier)",
        )
    missing_terms = [t for t in names if t not in agreement.sla.tiers]
    if missing_terms:
        raise InputError.single(
            agreement.name, "sla.tiers", f"has no terms for tiers {missing_terms}; an agreement "
            "to track needs terms for every tier",
        )
    tz = agreement.horizon.timezone
    exported = export_time(crm, as_of, tz)
    local = leads["created_at"].dt.tz_convert(tz)
    labels = local.dt.strftime("%Y-%m")
    # A month that starts at or after the export time has nothing measured yet (its leads
    # are later than the export: as for the rest of a partial month, they do not count);
    # measured at that time its length was negative ("internal error: KeyError").
    export_month = f"{exported:%Y-%m}"
    started = sorted(m for m in labels.unique() if m <= export_month)
    if period is not None and period.strip() in set(labels) and period.strip() not in started:
        raise InputError.single(
            "<cli>", "--period",
            f"got {period!r}, a month that starts after the export time "
            f"{exported.isoformat()}; expected a month from {started[0]} to {started[-1]}",
        )
    selected = select_periods(period, started)
    check_simulable(selected, labels, crm, agreement)

    periods: list[TrackedPeriod] = []
    verdicts: dict[str, Verdict] = {}
    tier_rows: list[dict[str, object]] = []
    summary_rows: list[dict[str, object]] = []
    sellers: list[dict[str, object]] = []
    bands: list[dict[str, object]] = []
    months = []
    for label in selected:
        start = date(int(label[:4]), int(label[5:]), 1)
        scenario = month_scenario(agreement, start)
        cal = scenario.business_calendar()
        t0 = pd.Timestamp(cal.to_local(0.0))
        month_end = cal.horizon_minutes
        cutoff = min(month_end, (exported - t0).total_seconds() / 60.0)
        months.append((label, start, scenario, cal, t0, cutoff, cutoff < month_end,
                       cutoff / month_end))
    # Every tracked month's simulated months in one submission (a partial month keeps its
    # records: it is cut at the export time below; with owners in the export every month
    # does: the seats' measures give the per-seller bands).
    owners_named = crm.has("owner") and bool(leads["owner"].notna().any())
    batches = [
        simulation_batch(m[2], reps, seed, keep_records=m[6] or owners_named) for m in months
    ]
    # A whole month of a multi-month agreement is judged on the agreement's own months.
    whole = agreement_batch(agreement, reps, seed, [m[0] for m in months if not m[6]])
    with executor_for(executor, workers) as pool:
        outs = run_batches([*batches, *([whole] if whole else [])], pool, workers, progress)
    flags = None if whole is None else replications_table(outs[-1].metrics, whole.job.context)
    whole_months = agreement_months(agreement)
    for (label, start, scenario, cal, t0, cutoff, partial, fraction), batch, out in zip(
        months, batches, outs, strict=False  # the agreement's batch, if any, comes last
    ):
        ctx = period_context(scenario, cutoff, fraction)
        rows = labels.index[(labels == label).to_numpy()]
        month = leads.loc[rows]
        missing = _not_measurable(crm, rows)
        rec, keep = observe(LeadTable.from_crm(month, t0, names), cutoff, cal)
        actual = _measure(rec, ctx, names)
        result = result_of(scenario, batch, out)
        sim = _simulated(scenario, ctx, partial, result)
        if flags is not None and not partial and label in whole_months:
            sim = with_agreement_flags(sim, flags, whole_months[label])
        verdicts[label] = verdict_of(scenario, sim)
        info = TrackedPeriod(
            label, start, scenario.horizon.days,
            cal.to_local(cutoff), partial, fraction, len(rec), missing,
        )
        periods.append(info)
        tier_rows += _tier_rows(info, actual, sim, scenario, ctx, names)
        summary_rows += _summary_rows(info, actual, sim, rec, scenario, ctx, names)
        owners = month["owner"].fillna(UNASSIGNED).to_numpy(dtype=object)[keep]
        rows_now = seller_rows(label, owners, rec, ctx, names, missing)
        sellers += rows_now
        if owners_named:
            frame = pd.DataFrame(rows_now)
            bands += seller_band_rows(
                label, frame[frame["tier"] == ALL],
                simulated_seats(ctx, partial, result.records), missing, partial,
            )

    by_tier, summary = pd.DataFrame(tier_rows), pd.DataFrame(summary_rows)
    # True / False / None (not measurable) as Python objects, whatever pandas would infer.
    by_tier["met"] = pd.Series(list(by_tier["met"]), dtype=object)
    summary["met"] = pd.Series(list(summary["met"]), dtype=object)
    return TrackResult(
        agreement=agreement.name,
        currency=agreement.costs.currency,
        tiers=names,
        periods=tuple(periods),
        by_tier=by_tier,
        by_seller=pd.DataFrame(sellers),
        summary=summary,
        as_of=exported.to_pydatetime(),
        reps=reps,
        seed=seed,
        scenario=agreement,
        verdicts=verdicts,
        seller_bands=pd.DataFrame(bands, columns=list(SELLER_BAND_COLUMNS)),
    )


def _tier_rows(
    info: TrackedPeriod, actual: dict[tuple[str, str], float], sim: pd.DataFrame,
    scenario: Scenario, ctx: MetricContext, names: tuple[str, ...],
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for tier in (*names, ALL):
        for measure in MEASURES:
            value = actual.get((measure, tier), math.nan)
            if measure in info.not_measurable:
                value = math.nan
            column = sim.get((measure, tier))
            values = (
                np.asarray(column, dtype=float) if column is not None else np.array([math.nan])
            )
            values = values[~np.isnan(values)]
            p10, p50, p90 = (
                np.quantile(values, (0.1, 0.5, 0.9)) if len(values) else (math.nan,) * 3
            )
            term = _MEASURE_TERM.get(measure)
            target, met = math.nan, None
            if term is not None and tier != ALL:
                target = _target(term, tier, scenario, ctx)[0]
                if _term_measurable(term, info.not_measurable) and not math.isnan(target):
                    met = _flag(actual.get((TERMS[term], tier)))
            rows.append({
                "period": info.label, "tier": tier, "measure": measure, "actual": value,
                "target": target, "met": met, "sim_p10": float(p10), "sim_median": float(p50),
                "sim_p90": float(p90), "band": _band(value, float(p10), float(p90)),
                "partial": info.partial,
            })
    return rows


def _summary_rows(
    info: TrackedPeriod, actual: dict[tuple[str, str], float], sim: pd.DataFrame,
    rec: np.ndarray, scenario: Scenario, ctx: MetricContext, names: tuple[str, ...],
) -> list[dict[str, object]]:
    out = lead_outcomes(rec, ctx)
    rows: list[dict[str, object]] = []

    def p_met(flag: str, tier: str) -> float:
        column = sim.get((flag, tier))
        if column is None:
            return math.nan
        return float(np.nanmean(np.asarray(column, dtype=float)))

    for index, tier in enumerate(names):
        mine = rec["tier"] == index
        for term, flag in TERMS.items():
            target, wording = _target(term, tier, scenario, ctx)
            if term == "marketing":
                value = actual[("leads_created", tier)]
            elif term == "response":
                value = actual.get(("first_attempt_within_target", tier), math.nan)
            elif term == "attempts":
                eligible = out.attempt_eligible & mine
                value = (
                    float(out.attempts_ok[eligible].mean()) if eligible.any() else math.nan
                )
            else:
                value = actual.get(("qualify_rate", tier), math.nan)
            measurable = _term_measurable(term, info.not_measurable)
            rows.append({
                "period": info.label, "tier": tier, "term": term, "target": wording,
                "target_value": target, "actual": value if measurable else math.nan,
                "met": _flag(actual.get((flag, tier))) if measurable else None,
                "sim_p_met": p_met(flag, tier), "partial": info.partial,
            })
    for side, flag in SIDES.items():
        measurable = _term_measurable(side, info.not_measurable)
        rows.append({
            "period": info.label, "tier": ALL, "term": side,
            "target": "every tier's terms" if side != "joint" else "marketing and sales",
            "target_value": math.nan, "actual": math.nan,
            "met": _flag(actual.get((flag, ALL))) if measurable else None,
            "sim_p_met": p_met(flag, ALL), "partial": info.partial,
        })
    return rows
