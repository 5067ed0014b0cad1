"""Calibrate a queue from a call-level export: arrivals, handling, wrap-up, patience, roster.

``QueueCalibrator(base).fit(read_calls(...))`` estimates, each with a 95 % interval and a
goodness-of-fit statement (:attr:`QueueCalibrator.summary`, ``slasim calibrate --json``):

- per tier, the monthly volume and the weekday x hour arrival profile
  (:mod:`slasim.crm.calibrate.callarrivals`);
- talk time (``ended - answered``, every answered row) and wrap-up (``wrapup_ended - ended``)
  by maximum likelihood, the family (lognormal, gamma or exponential) chosen by AIC
  (:mod:`slasim.crm.calibrate.durationfit`);
- patience, from first attempts: a caller who abandoned was observed to give up after
  ``ended - created``; a served caller only shows that their patience exceeded their wait
  (``answered - created``: right-censored), and so does a caller still waiting at the export
  time (``as_of - created``) or cut off without being served or abandoning (``ended -
  created``). Exponential, lognormal and Weibull are fitted by censored maximum likelihood and
  compared by AIC; Kaplan-Meier is the model-free check. Ignoring the censoring (fitting the
  hang-up times alone) would describe only the impatient: the callers who were served before
  they would have hung up are the patient ones;
- the roster from agent ids (:mod:`slasim.crm.calibrate.callroster`);
- with ``conversation`` and ``outcome`` columns, per tier the leads' propensity spread
  (``propensity_concentration``), ``disqualify_rate`` and the first conversation's qualify
  rate by censored maximum likelihood with profile-likelihood intervals
  (:mod:`slasim.crm.calibrate.propensityfit`), and the most conversations any lead had.

:meth:`QueueCalibrator.to_overlay_toml` writes them as a scenario overlay
(:mod:`slasim.crm.calibrate._queueoverlay` decides what is written and what is kept from the base).
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from slasim.crm._stats import ROW_COLUMNS, Estimate, Row, wilson_ci
from slasim.crm.calibrate.callarrivals import TierArrivals, estimate_call_arrivals, profile_frame
from slasim.crm.calibrate.callroster import RosterEstimate, estimate_roster, repeat_weeks_before
from slasim.crm.calibrate.durationfit import DurationFit, fit_durations
from slasim.crm.calibrate.propensityfit import (
    OUTCOMES,
    PropensityFit,
    fit_propensity,
    outcome_table,
)
from slasim.crm.io.calls import CallImport
from slasim.errors import InputError
from slasim.model.calendar import WEEKDAYS
from slasim.outputs import json_table
from slasim.scenario.schema import Scenario

__all__ = ["PATIENCE_FAMILIES", "SERVICE_FAMILIES", "SUMMARY_COLUMNS", "QueueCalibrator"]

#: Columns of :attr:`QueueCalibrator.summary`.
SUMMARY_COLUMNS = [*ROW_COLUMNS, "gof"]
#: Families compared for patience (``routing.patience``) and for talk and wrap-up
#: (``team.handling_conversation``, ``team.wrapup_conversation``).
PATIENCE_FAMILIES = ("exponential", "lognormal", "weibull")
SERVICE_FAMILIES = ("exponential", "lognormal", "gamma")


def _minutes(later: pd.Series, earlier: pd.Series) -> np.ndarray:
    return np.asarray((later - earlier).dt.total_seconds().to_numpy() / 60.0, dtype=np.float64)


class QueueCalibrator:
    """Estimate a queue's parameters from a call-level export (lifelines-style estimator).

    Parameters
    ----------
    base
        The scenario being calibrated (its tiers; ``None``: estimates only, no overlay).
    alpha
        1 - confidence level of the intervals.
    as_of
        Export time: callers neither served nor abandoned are censored there (default: the
        latest timestamp in the export; at or after the last ``created``).
    roster_interval_minutes, roster_gap_minutes
        Grid of the estimated shifts and the longest pause inside one
        (:func:`~slasim.crm.calibrate.callroster.estimate_roster`).

    Attributes
    ----------
    tiers_ : tuple of str
    period_ : (date, date)
        First and last local date of the export; ``days_`` its length.
    as_of_ : pandas.Timestamp
    arrivals_ : tuple of TierArrivals
        Volume and profile per tier; ``profile_`` the 7 x 24 weights as a table.
    patience_, handling_, wrapup_ : DurationFit or None
        ``None`` when the export cannot tell (no abandoned call, no answered call, no
        ``wrapup_ended`` column).
    abandonment_ : Estimate
        Abandoned first attempts / first attempts, Wilson interval.
    roster_ : RosterEstimate or None
        ``None`` without agent ids.
    notes_ : tuple of str
    """

    def __init__(
        self,
        base: Scenario | None = None,
        *,
        alpha: float = 0.05,
        as_of: datetime | pd.Timestamp | None = None,
        roster_interval_minutes: int = 15,
        roster_gap_minutes: float = 60.0,
    ) -> None:
        if not 0 < alpha < 1:
            raise ValueError(f"alpha(={alpha!r}) must be in (0, 1).")
        self.base = base
        self.alpha = alpha
        self.as_of = as_of
        self.roster_interval_minutes = roster_interval_minutes
        self.roster_gap_minutes = roster_gap_minutes

    # -- fitting -------------------------------------------------------------------------
    def fit(self, calls: CallImport) -> QueueCalibrator:
        """Estimate everything the export supports; returns ``self``."""
        c = calls.calls
        source = calls.summary.source
        if len(c) == 0:
            raise InputError.single(source, "", "no usable rows to calibrate from (all rows "
                                    "rejected)")
        names = list(self.base.tiers) if self.base else sorted(c["tier"].unique())
        tz = calls.summary.timezone
        self.tiers_ = tuple(names)
        self.import_summary_ = calls.summary
        latest = max(c[k].max() for k in ("created", "answered", "ended", "wrapup_ended")
                     if c[k].notna().any())
        as_of = latest if self.as_of is None else pd.Timestamp(self.as_of).tz_convert(tz)
        last_call = c["created"].max()
        if as_of < last_call:
            # Later answers and hang-ups are fine (a simulation's export runs past its horizon
            # end); a call arriving after the export was taken is not.
            raise InputError.single(
                "<cli>", "--as-of", f"got {as_of.isoformat()}, before the export's last call "
                f"arrived ({last_call.isoformat()}); expected the time the export was taken, at "
                "or after every created time in it",
            )
        self.as_of_ = as_of
        notes: list[str] = []
        first = c[c["first"]]
        dates = c["created"].dt.date
        # An --as-of past the last call (a closed weekend at the end of a month) is still the
        # export's period: its days with no call count, as the scenario that made it counts
        # them (26 days instead of 28 made the overlay's horizon differ from its base).
        end = dates.max()
        if self.as_of is not None:
            end = max(end, (as_of - pd.Timedelta(microseconds=1)).date())
        self.period_ = (dates.min(), end)
        self.days_ = (self.period_[1] - self.period_[0]).days + 1
        tier_index = pd.Categorical(first["tier"], categories=names).codes.astype(np.intp)
        self.arrivals_: tuple[TierArrivals, ...] = estimate_call_arrivals(
            first["created"], tier_index, names, self.period_, self.alpha)
        self.profile_ = profile_frame(self.arrivals_, self.alpha)

        resolution = calls.resolution_seconds / 60.0
        self.patience_ = self._patience(first, resolution, notes)
        answered = c["answered"].notna() & c["ended"].notna()
        self.handling_: DurationFit | None = fit_durations(
            _minutes(c["ended"][answered], c["answered"][answered]),
            families=SERVICE_FAMILIES, resolution=resolution, alpha=self.alpha)
        if self.handling_ is None:
            notes.append("talk time not estimated: fewer than 3 calls with answered and ended")
        self.wrapup_: DurationFit | None = None
        if calls.has("wrapup_ended"):
            done = c["wrapup_ended"].notna() & c["ended"].notna()
            wrap = _minutes(c["wrapup_ended"][done], c["ended"][done])
            self.wrapup_ = fit_durations(wrap, families=SERVICE_FAMILIES,
                                         resolution=resolution, alpha=self.alpha)
            zero = int((wrap == 0).sum())
            if zero:
                notes.append(f"wrap-up: {zero} of {len(wrap)} calls have none (wrapup_ended = "
                             "ended); they are fitted as durations under a second")
        else:
            notes.append("wrap-up not estimated: the export has no wrapup_ended column")
        self.roster_: RosterEstimate | None = None
        if calls.has("agent") and c["agent"].notna().any():
            busy_end = c["wrapup_ended"].fillna(c["ended"])
            self.roster_ = estimate_roster(c["agent"], c["answered"], busy_end,
                                           self.roster_interval_minutes, self.roster_gap_minutes)
        else:
            notes.append("roster not estimated: the export has no agent ids")
        self.propensity_: tuple[PropensityFit, ...] = ()
        self.max_conversations_ = 0
        if calls.has("conversation"):
            self.propensity_, self.max_conversations_ = self._propensity(c, names, notes)
        self.notes_ = tuple(notes)
        self._rows = self._summary_rows()
        return self

    def _propensity(self, c: pd.DataFrame, names: list[str], notes: list[str]
                    ) -> tuple[tuple[PropensityFit, ...], int]:
        # One lead per lead_id (else per row): its last conversation's number and outcome.
        talks = c[c["conversation"] > 0]
        if talks.empty:
            notes.append("propensity not estimated: no row has a conversation number")
            return (), 0
        lead = talks["lead_id"].where(talks["lead_id"].notna(), "row:" + talks["row"].astype(str))
        last = talks.assign(lead=lead).sort_values("conversation").groupby(
            "lead", sort=False).tail(1)
        most = int(last["conversation"].max())
        if most < 2:
            # Everybody decided at the first conversation: nothing about the spread, and a
            # "disqualified" there is just "not qualified".
            notes.append("propensity not estimated: every lead had one conversation")
            return (), most
        fits = []
        for tier in names:
            mine = last[last["tier"] == tier]
            if mine.empty:
                continue
            table = outcome_table(mine["conversation"].to_numpy(), mine["outcome"].to_numpy())
            fits.append(fit_propensity(tier, table, self.alpha))
        return tuple(fits), most

    def _patience(self, first: pd.DataFrame, resolution: float,
                  notes: list[str]) -> DurationFit | None:
        abandoned = first["abandoned"].to_numpy()
        ended = first["ended"].notna().to_numpy()
        served = first["answered"].notna().to_numpy()
        created = first["created"]
        events = _minutes(first["ended"], created)[abandoned & ended]
        waits = _minutes(first["answered"], created)[served]
        other = ~abandoned & ~served
        cut = first["ended"].where(first["ended"].notna(), self.as_of_)
        open_waits = _minutes(cut, created)[other]
        no_end = int((abandoned & ~ended).sum())
        if no_end:
            notes.append(f"patience: {no_end} abandoned calls have no ended (hang-up) time and "
                         "are left out of the fit (arrivals count them)")
        n_ab = int(abandoned.sum())
        lo, hi = wilson_ci(n_ab, len(first), self.alpha)
        self.abandonment_ = Estimate(n_ab / len(first), lo, hi, len(first))
        fit = fit_durations(events, np.concatenate([waits, open_waits]),
                            families=PATIENCE_FAMILIES, resolution=resolution, alpha=self.alpha)
        if fit is None:
            notes.append(f"patience not estimated: {len(events)} abandoned calls with a hang-up "
                         "time (needs 3)")
        else:
            notes.append(
                f"patience: {len(events)} hang-ups observed, {len(waits)} served callers "
                f"censored at their wait and {int(other.sum())} neither served nor abandoned "
                "censored at their end (or the export time)")
        return fit

    # -- results -------------------------------------------------------------------------
    def _summary_rows(self) -> list[tuple[Row, str]]:
        rows: list[tuple[Row, str]] = []
        days = self.days_
        for a in self.arrivals_:
            v = a.volume
            rows.append((Row("monthly_volume", a.tier, v.value, v.ci_low, v.ci_high, v.n,
                             f"first attempts over {days} days; Poisson exact"), a.gof))
            for k, e in enumerate(a.weekday):
                rows.append((Row(f"profile.weekday.{WEEKDAYS[k]}", a.tier, e.value, e.ci_low,
                                 e.ci_high, e.n, "calls per day of this weekday, mean 1; "
                                 "Poisson exact"), a.profile_text))
            for h, e in enumerate(a.hour):
                rows.append((Row(f"profile.hour.{h:02d}", a.tier, e.value, e.ci_low, e.ci_high,
                                 e.n, "calls per local hour, mean 1; Poisson exact"),
                             a.profile_text))
        ab = self.abandonment_
        rows.append((Row("abandonment_rate", "all", ab.value, ab.ci_low, ab.ci_high, ab.n,
                         "abandoned first attempts / first attempts; Wilson"), ""))
        for key, fit in (("patience", self.patience_), ("handling_conversation", self.handling_),
                         ("wrapup_conversation", self.wrapup_)):
            if fit is None:
                continue
            how = (f"{fit.family}, censored ML ({fit.events} observed, {fit.censored} "
                   "censored); delta method" if fit.censored else
                   f"{fit.family}, ML over {fit.events} values; delta method")
            for name in ("mean", "median", "cv"):
                e = getattr(fit, name)
                rows.append((Row(f"{key}.{name}", "all", e.value, e.ci_low, e.ci_high, e.n, how),
                             fit.gof))
            km = fit.kaplan_meier
            if km is not None:
                m = km.median
                rows.append((Row(f"{key}.median_kaplan_meier", "all", m.value, m.ci_low,
                                 m.ci_high, m.n, "Kaplan-Meier, log-log band"),
                             "model-free: no goodness of fit needed"))
        for f in self.propensity_:
            how = (f"beta-geometric, censored ML over {f.leads} leads ({f.followed} with 2+ "
                   "conversations); profile likelihood")
            for name, iv in (("propensity_concentration", f.kappa),
                             ("disqualify_rate", f.disqualify),
                             ("qualify_first_conversation", f.m)):
                rows.append((Row(name, f.tier, iv.value, iv.ci_low, iv.ci_high, f.leads, how),
                             "flat qualify curve assumed across a lead's conversations"))
        if self.roster_ is not None:
            r = self.roster_
            nan = math.nan
            for name, value in (("roster.agents", r.agents), ("roster.duty_hours", r.duty_hours),
                                ("roster.occupancy", r.occupancy)):
                rows.append((Row(name, "all", float(value), nan, nan, r.calls,
                                 "reconstructed from agent ids (no interval: not a sample "
                                 "estimate)"), r.statement))
        return rows

    def _check_fitted(self) -> None:
        if not hasattr(self, "_rows"):
            raise ValueError("This QueueCalibrator is not fitted yet; call fit(call_import) "
                             "first.")

    @property
    def summary(self) -> pd.DataFrame:
        """Every estimate: ``parameter``, ``tier``, ``estimate``, ``ci_low``, ``ci_high``,
        ``n``, ``method``, ``gof`` (the goodness-of-fit statement of its model)."""
        self._check_fitted()
        return pd.DataFrame(
            [(r.parameter, r.tier, r.estimate, r.ci_low, r.ci_high, r.n, r.method, gof)
             for r, gof in self._rows], columns=SUMMARY_COLUMNS)

    def format_summary(self, hours: bool = False) -> str:
        """The summary as text, then each model's statement (hour rows with ``hours=True``)."""
        self._check_fitted()
        lines = [f"{'parameter':<34} {'tier':<8} {'estimate':>11} {'95 % CI':>23} {'n':>7}"]
        statements: dict[str, None] = {}
        for r, _ in self._rows:
            if r.parameter.startswith("profile.hour.") and not hours:
                continue
            ci = f"{r.ci_low:>11.4g} - {r.ci_high:<9.4g}" if r.has_ci else ""
            lines.append(f"{r.parameter:<34} {r.tier:<8} {r.estimate:>11.4g} {ci:>23} {r.n:>7}")
        for a in self.arrivals_:
            if a.n:
                statements[f"arrivals {a.tier}: {a.profile_text}; {a.gof}"] = None
        for key, fit in (("patience", self.patience_), ("talk", self.handling_),
                         ("wrap-up", self.wrapup_)):
            if fit is not None:
                statements[f"{key}: {fit.gof}"] = None
        if self.roster_ is not None:
            statements[f"roster: {self.roster_.statement}"] = None
        lines += [f"fit: {s}" for s in statements]
        lines += [f"note: {n}" for n in self.notes_]
        return "\n".join(lines)

    def to_dict(self, roster_file: str | Path | None = None) -> dict[str, Any]:
        """Everything as JSON-ready data (``slasim calibrate --json``); NaN becomes null."""
        self._check_fitted()
        s = self.import_summary_

        def records(frame: pd.DataFrame) -> Any:
            return json_table(frame)

        def fit_data(fit: DurationFit | None) -> Any:
            if fit is None:
                return None
            out: dict[str, Any] = {"family": fit.family, "events": fit.events,
                                   "censored": fit.censored,
                                   "candidates": records(fit.candidates), "gof": fit.gof}
            if fit.kaplan_meier is not None:
                km = fit.kaplan_meier
                out["kaplan_meier"] = records(pd.DataFrame(
                    {"minutes": km.times, "survival": km.survival, "ci_low": km.low,
                     "ci_high": km.high}))
            return out

        return {
            "format": "calls",
            "source": s.source,
            "rows_read": s.rows_read,
            "rows_used": s.rows_used,
            "rows_rejected": s.rows_rejected,
            "rejected_by_reason": {str(k): int(v) for k, v in s.rejected_by_reason.items()},
            "timezone": s.timezone,
            "period": [self.period_[0].isoformat(), self.period_[1].isoformat()],
            "days": self.days_,
            "as_of": self.as_of_.isoformat(),
            "summary": records(self.summary),
            "profile": records(self.profile_),
            "patience": fit_data(self.patience_),
            "handling_conversation": fit_data(self.handling_),
            "wrapup_conversation": fit_data(self.wrapup_),
            "roster": None if self.roster_ is None else {
                "statement": self.roster_.statement, "shifts": len(self.roster_.shifts),
                "file": None if roster_file is None else str(roster_file)},
            "propensity": [{
                "tier": f.tier, "leads": f.leads, "followed": f.followed,
                "loglik": f.loglik,
                "leads_by_last_conversation": {
                    o: f.table[:, k].tolist() for k, o in enumerate(OUTCOMES)},
                "qualify_by_conversation": [
                    None if math.isnan(x) else x for x in f.by_conversation().tolist()],
            } for f in self.propensity_],
            "notes": list(self.notes_),
        }

    @property
    def warmup_days(self) -> int:
        """The base scenario's ``horizon.warmup_days`` (0 without it)."""
        return int(getattr(self.base.horizon, "warmup_days", 0) or 0) if self.base else 0

    def roster_frame(self) -> pd.DataFrame:
        """The roster CSV's rows: the estimated shifts, and when the base scenario warms up,
        the warm-up days as copies of the export's first week (a dated roster has no sellers
        on dates it does not list)."""
        self._check_fitted()
        if self.roster_ is None:
            raise ValueError("no roster: the export has no agent ids")
        return repeat_weeks_before(self.roster_.shifts, self.period_[0], self.warmup_days)

    def to_overlay_toml(self, base_path: str | Path, out_path: str | Path | None = None,
                        roster_file: str | None = None, name: str | None = None) -> str:
        """The overlay TOML (``extends`` the base file); see
        :mod:`slasim.crm.calibrate._queueoverlay`.

        ``roster_file``: the roster CSV written next to the overlay (its name relative to
        the overlay's folder), or ``None`` for no roster.
        """
        from slasim.crm.calibrate._queueoverlay import render_queue_overlay

        self._check_fitted()
        if self.base is None:
            raise ValueError("QueueCalibrator(base=None) cannot write an overlay.")
        return render_queue_overlay(self, base_path, out_path, roster_file, name)
