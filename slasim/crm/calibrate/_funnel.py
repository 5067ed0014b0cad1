"""Funnel estimates from a CRM import: stage rates, decay fits, sales cycle, deal size,
handling times. Each function returns tidy tables; censoring rules are stated where applied.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt
import pandas as pd

from slasim.crm._stats import Row, bootstrap_quantiles, fit_censored_lognormal, wilson_ci
from slasim.crm.calibrate.decayfit import MIN_FAILURES, MIN_ROWS, MIN_SUCCESSES, DecayFit, fit_decay
from slasim.crm.io.imported import CrmImport
from slasim.errors import InputError
from slasim.measure.intervals import t_half_width

__all__ = [
    "LeadArrays",
    "contact_decay",
    "cycle_rows",
    "deal_rows",
    "first_attempt_success",
    "handling_rows",
    "mature_won",
    "proportion_rows",
    "qualify_decay",
    "rate_rows",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]
#: A contact logged within this many minutes of the first attempt is that attempt's success
#: when the export has no ``attempts`` column.
SAME_ATTEMPT_MINUTES = 1.0
_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")


def _minutes(series: pd.Series) -> FloatArray:
    """Minutes since 1970 (NaN for missing)."""
    out = (series.dt.tz_convert("UTC") - _EPOCH).dt.total_seconds() / 60.0
    return out.to_numpy(dtype=np.float64, na_value=np.nan)


@dataclass(frozen=True, eq=False)
class LeadArrays:
    """The import as numpy arrays (minutes since 1970; NaN = missing).

    ``*_timed`` says whether a timestamp carried a time of day; ``present`` lists the
    canonical columns in the export; ``as_of`` is the export time (minutes since 1970).
    """

    tier: IntArray
    created: FloatArray
    created_timed: BoolArray
    first: FloatArray
    first_timed: BoolArray
    attempts: FloatArray
    contacted: FloatArray
    contacted_timed: BoolArray
    qualified: BoolArray
    qualified_at: FloatArray
    opportunity: BoolArray
    opportunity_at: FloatArray
    won_at: FloatArray
    lost_at: FloatArray
    deal_value: FloatArray
    conversation: FloatArray
    unanswered: FloatArray
    present: frozenset[str]
    as_of: float

    @classmethod
    def from_import(cls, crm: CrmImport, tier_names: Sequence[str],
                    as_of: datetime | pd.Timestamp | None) -> LeadArrays:
        leads = crm.leads
        index = {name: i for i, name in enumerate(tier_names)}
        stamps = [c for c in crm.date_only.columns if c in leads]
        # The export time: the latest timestamp anywhere in it, unless --as-of says later.
        latest = max((leads[c].max() for c in stamps if leads[c].notna().any()), default=None)
        given = latest if as_of is None else as_of
        if given is None:
            raise InputError.single(crm.summary.source, "created_at", "no row has a time; "
                                    "expected leads with created_at (or --as-of)")
        stamp = crm.export_stamp(given, crm.summary.timezone)
        if latest is not None and stamp < latest:
            # Rows after it would be counted as seen (track sets them aside; calibrating on
            # them as if the export were older has no meaning): refused.
            shown = pd.Timestamp(latest).tz_convert(stamp.tzinfo).isoformat()
            raise InputError.single(
                "<cli>", "--as-of", f"got {stamp.isoformat()}, before the latest time in "
                f"{crm.summary.source} ({shown}); expected the time the export was taken, at "
                "or after every time in it (leave --as-of out to use that latest time)")
        flags = crm.date_only

        def timed(name: str) -> BoolArray:
            return (~flags[name].to_numpy(dtype=bool)) & leads[name].notna().to_numpy()

        def flag(name: str) -> BoolArray:
            return leads[name].fillna(False).to_numpy(dtype=bool)

        return cls(
            tier=np.asarray(leads["tier"].map(index).to_numpy(), dtype=np.intp),
            created=_minutes(leads["created_at"]),
            created_timed=timed("created_at"),
            first=_minutes(leads["first_attempt_at"]),
            first_timed=timed("first_attempt_at"),
            attempts=np.asarray(
                leads["attempts"].astype("Float64").to_numpy(na_value=np.nan), dtype=np.float64
            ),
            contacted=_minutes(leads["contacted_at"]),
            contacted_timed=timed("contacted_at"),
            qualified=flag("qualified"),
            qualified_at=_minutes(leads["qualified_at"]),
            opportunity=flag("opportunity"),
            opportunity_at=_minutes(leads["opportunity_at"]),
            won_at=_minutes(leads["won_at"]),
            lost_at=_minutes(leads["lost_at"]),
            deal_value=leads["deal_value"].to_numpy(dtype=np.float64),
            conversation=leads["conversation_minutes"].to_numpy(dtype=np.float64),
            unanswered=leads["unanswered_minutes"].to_numpy(dtype=np.float64),
            present=frozenset(crm.present)
            | ({"qualified"} if crm.has("qualified_at") else set())
            | ({"opportunity"} if crm.has("opportunity_at") else set()),
            as_of=(stamp.tz_convert("UTC") - _EPOCH).total_seconds() / 60.0,
        )

    def has(self, name: str) -> bool:
        return name in self.present

    @property
    def won(self) -> BoolArray:
        return ~np.isnan(self.won_at)

    @property
    def lost(self) -> BoolArray:
        return ~np.isnan(self.lost_at)

    @property
    def is_contacted(self) -> BoolArray:
        return ~np.isnan(self.contacted)


def proportion_rows(
    stage: str, denominator: BoolArray, success: BoolArray, tier: IntArray,
    tier_names: Sequence[str], method: str, alpha: float = 0.05,
) -> list[Row]:
    """One Wilson-interval row per tier and one for all tiers (``tier == "all"``)."""
    rows = []
    groups = [(name, denominator & (tier == t)) for t, name in enumerate(tier_names)]
    for name, mask in [*groups, ("all", denominator)]:
        n = int(mask.sum())
        k = int((mask & success).sum())
        lo, hi = wilson_ci(k, n, alpha)
        rows.append(Row(stage, name, k / n if n else math.nan, lo, hi, n, method))
    return rows


def first_attempt_success(la: LeadArrays) -> BoolArray:
    """Whether the first attempt reached the lead.

    With an ``attempts`` column: contacted and ``attempts == 1``; otherwise contacted within
    :data:`SAME_ATTEMPT_MINUTES` of the first attempt.
    """
    contacted = la.is_contacted
    known = ~np.isnan(la.attempts)
    by_count = contacted & (la.attempts == 1)
    with np.errstate(invalid="ignore"):
        by_time = contacted & (np.abs(la.contacted - la.first) <= SAME_ATTEMPT_MINUTES)
    return np.where(known, by_count, by_time)


def _too_few(n: int, successes: int) -> str:
    return (f"{successes} of {n} (needs >= {MIN_ROWS}, with >= {MIN_SUCCESSES} successes and "
            f">= {MIN_FAILURES} failures)")


def contact_decay(la: LeadArrays, tier_names: Sequence[str]) -> tuple[DecayFit | None, str]:
    """Contact curve from (first-attempt delay, first attempt reached the lead) pairs.

    Only the first attempt is used: its age is known for every attempted lead, while the
    export does not give the times of later unanswered attempts. Leads never attempted are
    left out (nothing was observed about them), which does not bias ``P(contact | delay)``.
    """
    if not (la.has("first_attempt_at") and la.has("contacted_at")):
        return None, "contact decay not fitted: needs first_attempt_at and contacted_at columns"
    rows = la.created_timed & la.first_timed
    if not rows.any():
        return None, ("contact decay not fitted: created_at or first_attempt_at has no times "
                      "of day, so response delays cannot be measured")
    age = la.first[rows] - la.created[rows]
    reached = first_attempt_success(la)[rows]
    fit = fit_decay(age, reached, la.tier[rows], tier_names, "contact")
    if fit is None:
        return None, (f"contact decay not fitted: {_too_few(len(reached), int(reached.sum()))} "
                      "timed first attempts reached the lead; the base curve is kept")
    return fit, (f"contact decay from {fit.n} first attempts ({fit.successes} reached the lead): "
                 f"{fit.reason}")


def qualify_decay(la: LeadArrays, tier_names: Sequence[str]) -> tuple[DecayFit | None, str]:
    """Qualify curve from (lead age at contact, qualified) over contacted leads.

    Censoring: when ``qualified_at`` is known, leads contacted less than the 90th percentile
    of the contact -> qualification lag before the export are left out (their decision may
    still be pending).
    """
    if not (la.has("qualified") and la.has("contacted_at")):
        return None, "qualify decay not fitted: needs contacted_at and qualified columns"
    rows = la.is_contacted & la.contacted_timed & la.created_timed
    lag_note = ""
    if la.has("qualified_at"):
        lag = la.qualified_at - la.contacted
        lag = lag[la.qualified & ~np.isnan(lag)]
        if len(lag):
            p90 = float(np.quantile(np.maximum(lag, 0.0), 0.9))
            rows &= la.as_of - la.contacted >= p90
            if p90 > 0:
                lag_note = f"; leads contacted < {p90 / 1440:.1f} days before the export left out"
    if not rows.any():
        return None, "qualify decay not fitted: no contacted lead with times of day"
    age = la.contacted[rows] - la.created[rows]
    qualified = la.qualified[rows]
    fit = fit_decay(age, qualified, la.tier[rows], tier_names, "qualify")
    if fit is None:
        return None, (f"qualify decay not fitted: {_too_few(len(qualified), int(qualified.sum()))}"
                      " contacted leads qualified; the base curve is kept")
    return fit, (f"qualify decay from {fit.n} contacted leads ({fit.successes} qualified)"
                 f"{lag_note}: {fit.reason}")


def cycle_rows(
    la: LeadArrays, tier_names: Sequence[str], rng: np.random.Generator, n_boot: int,
    alpha: float = 0.05,
) -> tuple[list[Row], str]:
    """Sales cycle (days) median and p90 per tier.

    The cycle starts at ``qualified_at`` (else ``contacted_at``, else ``created_at``). With
    ``opportunity``, ``won_at`` and ``lost_at`` columns, closed opportunities are events and
    open ones are right-censored
    at the export time: lognormal maximum likelihood, intervals by the delta method. Without
    it, the open leads that will eventually close cannot be told apart, so the quantiles are
    those of the won deals (bootstrap intervals; slow deals still open are missing, a
    downward bias).
    """
    start = la.qualified_at.copy()
    label = "qualified_at"
    if np.isnan(start).all():
        start, label = la.contacted.copy(), "contacted_at"
    if np.isnan(start).all():
        start, label = la.created.copy(), "created_at"
    start = np.where(np.isnan(start), la.contacted, start)
    start = np.where(np.isnan(start), la.created, start)
    closed_at = np.where(la.won, la.won_at, la.lost_at)
    rows: list[Row] = []
    if la.has("opportunity") and la.has("won_at") and la.has("lost_at"):
        method = f"lognormal ML from {label}; open opportunities right-censored"
        for t, name in enumerate([*tier_names, "all"]):
            mask = la.opportunity & ((la.tier == t) if name != "all" else True)
            closed = mask & ~np.isnan(closed_at)
            open_ = mask & np.isnan(closed_at)
            times = np.concatenate([closed_at[closed] - start[closed],
                                    la.as_of - start[open_]]) / 1440.0
            censored = np.concatenate([np.zeros(closed.sum(), bool), np.ones(open_.sum(), bool)])
            fit = fit_censored_lognormal(times, censored, alpha)
            if fit is None:
                continue
            for q, est in (("median", fit.median), ("p90", fit.p90)):
                rows.append(Row(f"sales_cycle_days.{q}", name, est.value, est.ci_low,
                                est.ci_high, est.n,
                                f"{method} ({fit.closed} closed, {fit.censored} open)"))
        note = f"sales cycle measured from {label}; {method}"
    else:
        method = f"won deals' quantiles from {label}, bootstrap CI; open deals not seen"
        for t, name in enumerate([*tier_names, "all"]):
            mask = la.won & ((la.tier == t) if name != "all" else True)
            days = np.maximum(la.won_at[mask] - start[mask], 0.0) / 1440.0
            for q, est in zip(("median", "p90"),
                              bootstrap_quantiles(days, (0.5, 0.9), rng, n_boot, alpha),
                              strict=True):
                if est.n:
                    rows.append(Row(f"sales_cycle_days.{q}", name, est.value, est.ci_low,
                                    est.ci_high, est.n, method))
        note = f"sales cycle measured from {label}; {method}"
    return rows, note


def deal_rows(
    la: LeadArrays, tier_names: Sequence[str], rng: np.random.Generator, n_boot: int,
    alpha: float = 0.05,
) -> list[Row]:
    """Deal size median and p90 of won deals per tier (percentile bootstrap intervals)."""
    rows = []
    valued = la.won & (la.deal_value > 0)
    for t, name in enumerate([*tier_names, "all"]):
        mask = valued & ((la.tier == t) if name != "all" else True)
        for q, est in zip(("median", "p90"),
                          bootstrap_quantiles(la.deal_value[mask], (0.5, 0.9), rng, n_boot, alpha),
                          strict=True):
            if est.n:
                rows.append(Row(f"deal_size.{q}", name, est.value, est.ci_low, est.ci_high,
                                est.n, "won deals, bootstrap CI"))
    return rows


def handling_rows(la: LeadArrays, alpha: float = 0.05) -> list[Row]:
    """Mean handling minutes (t-interval) and coefficient of variation, all tiers pooled."""
    rows = []
    for quantity, values in (("conversation", la.conversation), ("unanswered", la.unanswered)):
        v = values[~np.isnan(values)]
        if len(v) < 2:
            continue
        mean, sd = float(v.mean()), float(v.std(ddof=1))
        half = t_half_width(v, alpha)
        rows.append(Row(f"handling_{quantity}.mean_minutes", "all", mean, mean - half,
                        mean + half, len(v), "t-interval"))
        rows.append(Row(f"handling_{quantity}.cv", "all", sd / mean if mean > 0 else math.nan,
                        math.nan, math.nan, len(v), "sample sd / mean"))
    return rows


def mature_won(la: LeadArrays, window_minutes: float) -> tuple[float, str]:
    """Minimum lead age at the export for its won / not-won outcome to count as final."""
    waits = (la.won_at - la.created)[la.won]
    p90 = float(np.quantile(waits, 0.9)) if len(waits) else 0.0
    cut = max(p90, window_minutes)
    return cut, (
        f"leads >= {cut / 1440:.0f} days old at the export (the larger of the p90 of "
        f"creation -> won, {p90 / 1440:.0f} days, and the cadence window)"
    )


def rate_rows(la: LeadArrays, names: Sequence[str], alpha: float,
              window: float) -> tuple[list[Row], list[str]]:
    """Stage conversion rates with Wilson intervals, as far as the export shows them.

    ``window`` is the cadence window in minutes (a lead older than it has had every
    attempt); returns the rows and notes.
    """
    rows: list[Row] = []
    notes = []
    old = la.as_of - la.created >= window
    if la.has("contacted_at"):
        rows += proportion_rows(
            "contact_rate", old, la.is_contacted, la.tier, names,
            f"leads older than the cadence window ({window / 1440:g} days); Wilson", alpha,
        )
    if la.has("qualified") and la.has("contacted_at"):
        rows += proportion_rows(
            "qualify_rate", la.is_contacted, la.qualified, la.tier, names,
            "qualified among contacted; Wilson", alpha,
        )
    if la.has("opportunity") and la.has("qualified"):
        rows += proportion_rows(
            "opportunity_rate", la.qualified, la.opportunity, la.tier, names,
            "opportunities among qualified; Wilson", alpha,
        )
    if la.has("opportunity") and la.has("won_at") and not la.has("lost_at"):
        # Without lost_at a lost deal looks open: only mature opportunities tell.
        cut, text = mature_won(la, window)
        rows += proportion_rows(
            "win_rate", la.opportunity & (la.as_of - la.created >= cut), la.won, la.tier,
            names, f"won among opportunities of {text} (no lost_at column); Wilson", alpha,
        )
    if la.has("opportunity") and la.has("won_at") and la.has("lost_at"):
        closed = la.opportunity & (la.won | la.lost)
        rows += proportion_rows(
            "win_rate", closed, la.won, la.tier, names,
            "won among closed opportunities (open ones are censored; assumes the cycle "
            "length does not depend on the outcome); Wilson", alpha,
        )
        notes.append(
            f"win rate from {int(closed.sum())} closed opportunities; "
            f"{int((la.opportunity & ~(la.won | la.lost)).sum())} still open are censored"
        )
    if la.has("won_at"):
        cut, text = mature_won(la, window)
        mature = la.as_of - la.created >= cut
        rows += proportion_rows(
            "lead_won_rate", mature, la.won, la.tier, names, f"{text}; Wilson", alpha
        )
        if la.has("qualified") and not la.has("opportunity"):
            rows += proportion_rows(
                "won_per_qualified", mature & la.qualified, la.won, la.tier, names,
                f"qualified {text}; Wilson", alpha,
            )
    return rows, notes
