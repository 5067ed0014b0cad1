"""Calibrate a scenario from a CRM export: estimates with 95 % intervals, and a commented
scenario overlay (``extends = <base>``) that ``slasim.scenario.load.load_scenario`` loads.

``Calibrator(base).fit(crm_import)`` estimates, per tier:

- monthly volume (Poisson exact interval, widened for negative-binomial dispersion when at
  least 3 full calendar months give a month-to-month variance), tier mix (Wilson);
- the weekday x hour arrival profile (weekday only when ``created_at`` has no times), and the
  holiday factor when the period holds holidays of the base calendar;
- the contact and qualify decay curves with each tier's rate at age 0 (``base_contact``,
  ``base_qualify``) by maximum likelihood (:mod:`slasim.crm.calibrate.decayfit`: exponential with
  floor vs power law vs no decay, chosen by AIC);
- stage conversion rates with Wilson intervals: contact (leads past the cadence window),
  qualify, opportunity, win (closed opportunities only: a deal still open says nothing about
  its outcome when the cycle length does not depend on it), and lead -> won over *mature*
  leads (older than the observed p90 of the creation -> won time at the export);
- deal size and sales cycle median / p90, handling times when present.

Only values with enough data reach the overlay: below its minimum sample (e.g. 30 rows for a
rate, 10 successes and 10 failures for a decay curve; :mod:`slasim.crm.calibrate._guard` says which
and
why) a value keeps the base scenario's, and a value whose 95 % interval spans most of its range
is written with a warning; both are said per field (``kept_``, ``warnings_``, the overlay's
comments). Stages missing from the export keep the base scenario's values; when the export
shows the end result (e.g. lead -> won) but not the stages in between, ``base_qualify`` is
*anchored*:
rescaled so that the calibrated scenario, simulated, converts leads like the data (qualify
decisions do not feed back into the queue, so the simulated rate is proportional to
``base_qualify``; one rescaling is exact up to Monte Carlo error).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from slasim.crm._stats import ROW_COLUMNS, Row, rows_frame
from slasim.crm.calibrate._anchor import anchor_base_qualify
from slasim.crm.calibrate._arrivals import estimate_arrivals
from slasim.crm.calibrate._entries import EntryBuilder
from slasim.crm.calibrate._funnel import (
    LeadArrays,
    contact_decay,
    cycle_rows,
    deal_rows,
    handling_rows,
    qualify_decay,
    rate_rows,
)
from slasim.crm.calibrate.decayfit import DecayFit
from slasim.crm.calibrate.overlay import OverlayEntry, overlay_data, render_overlay
from slasim.crm.io.imported import CrmImport, ImportSummary
from slasim.errors import InputError
from slasim.model.holidays import public_holidays
from slasim.scenario.load import deep_merge, scenario_from_dict
from slasim.scenario.schema import Scenario
from slasim.seeding import Seed, root_seed

__all__ = ["SUMMARY_COLUMNS", "Calibrator"]

#: Columns of :attr:`Calibrator.summary`.
SUMMARY_COLUMNS = ROW_COLUMNS
_DEFAULT_WINDOW_DAYS = 10.0  # cadence window when there is no base scenario


def _select(rows: Iterable[Row], prefix: str) -> pd.DataFrame:
    return rows_frame(r for r in rows if r.parameter.startswith(prefix))


class Calibrator:
    """Estimate scenario parameters from a CRM import (lifelines-style estimator).

    Parameters
    ----------
    base
        The scenario being calibrated: its tiers, calendar (holidays), cadence window and the
        values of stages the export does not show. ``None``: estimates only, no overlay.
    alpha
        1 - confidence level of the intervals (0.05: 95 %).
    seed
        Seed of the bootstrap and of the anchoring simulation (:mod:`slasim.seeding`).
    n_bootstrap
        Bootstrap resamples for quantile intervals.
    as_of
        Export time (censoring point); default: the latest timestamp in the export.
    sim_reps
        Simulated periods used when ``base_qualify`` is anchored.

    Attributes
    ----------
    tiers_ : tuple of str
        Tier names, in the base scenario's order.
    period_ : (date, date)
        First and last local creation date; ``days_`` is its length in days.
    as_of_ : pandas.Timestamp
        The export time used for censoring.
    volume_, mix_, weekday_profile_, hour_profile_, holiday_factor_ : DataFrame
        Arrival estimates (tidy: ``parameter``, ``tier``, ``estimate``, ``ci_low``,
        ``ci_high``, ``n``, ``method``; ``hour_profile_`` is empty without times of day).
    rates_ : DataFrame
        Stage conversion rates (``parameter`` is the stage: ``contact_rate``,
        ``qualify_rate``, ``opportunity_rate``, ``win_rate``, ``lead_won_rate``, ...).
    contact_decay_, qualify_decay_ : DecayFit or None
        Fitted curves with the per-tier rates at age 0.
    sales_cycle_, deal_size_, handling_ : DataFrame
        Quantile and handling estimates.
    anchor_ : DataFrame or None
        How ``base_qualify`` was anchored (observed vs simulated rate per tier).
    entries_ : tuple of OverlayEntry
        The calibrated values written to the overlay (inactive ones: the base value is kept,
        too few rows; see :mod:`slasim.crm.calibrate._guard`).
    kept_, warnings_ : tuple of str
        Per field: why the base value was kept; which written value has a weak interval.
    notes_ : tuple of str
        What could not be estimated, and how censoring and model choice were handled.
    """

    def __init__(
        self,
        base: Scenario | None = None,
        *,
        alpha: float = 0.05,
        seed: Seed = 0,
        n_bootstrap: int = 2000,
        as_of: datetime | pd.Timestamp | None = None,
        sim_reps: int = 20,
    ) -> None:
        if not 0 < alpha < 1:
            raise ValueError(f"alpha(={alpha!r}) must be in (0, 1).")
        self.base = base
        self.alpha = alpha
        self.seed = root_seed(seed)  # an int: bootstrap and simulation draw from it
        self.n_bootstrap = n_bootstrap
        self.as_of = as_of
        self.sim_reps = sim_reps
        self._rows: list[Row] = []

    # -- fitting -------------------------------------------------------------------------
    def fit(self, crm: CrmImport) -> Calibrator:
        """Estimate everything the export supports; returns ``self``."""
        if len(crm.leads) == 0:
            raise InputError.single(
                crm.summary.source, "", "no usable rows to calibrate from (all rows rejected)"
            )
        base = self.base
        names = list(base.tiers) if base else sorted(crm.leads["tier"].unique())
        unknown = sorted(set(crm.leads["tier"]) - set(names))
        if unknown:
            raise InputError.single(
                crm.summary.source, "tier",
                f"tiers {unknown} are not in the base scenario's [tiers] {names}; read the "
                "export with tiers=list(base.tiers) so that such rows are reported",
            )
        notes: list[str] = []
        la = LeadArrays.from_import(crm, names, self.as_of)
        self.tiers_ = tuple(names)
        self.import_summary_: ImportSummary = crm.summary
        self.as_of_ = pd.Timestamp(la.as_of * 60.0, unit="s", tz="UTC").tz_convert(
            crm.summary.timezone
        )

        created = crm.leads["created_at"]
        first_day = created.min().date()
        days = (created.max().date() - first_day).days + 1
        arrivals = estimate_arrivals(
            created, la.created_timed, la.tier, names, self._holidays(first_day, days),
            self.alpha,
        )
        notes += arrivals.notes
        self.period_ = arrivals.period
        self.days_ = arrivals.days
        rows = list(arrivals.rows)

        self.contact_decay_: DecayFit | None
        self.qualify_decay_: DecayFit | None
        self.contact_decay_, note = contact_decay(la, names)
        notes.append(note)
        self.qualify_decay_, note = qualify_decay(la, names)
        notes.append(note)
        for fit, key in ((self.contact_decay_, "base_contact"),
                         (self.qualify_decay_, "base_qualify")):
            if fit is not None:
                rows += [_renamed(r, key) for r in fit.model.base]
                rows += [_renamed(r, f"decay.{fit.stage}.{r.parameter}") for r in fit.model.params]

        rng = np.random.default_rng(self.seed)
        if la.has("won_at"):
            cycle, note = cycle_rows(la, names, rng, self.n_bootstrap, self.alpha)
            rows += cycle
            notes.append(note)
        else:
            notes.append("sales cycle not estimated: the export has no won_at")
        rows += deal_rows(la, names, rng, self.n_bootstrap, self.alpha)
        rows += handling_rows(la, self.alpha)
        rates, rate_notes = rate_rows(la, names, self.alpha, self._window_minutes)
        rows += rates
        notes += rate_notes
        self._rows = rows

        self._kept: list[str] = []
        self._warnings: list[str] = []
        entries = self._entries()
        self.anchor_: pd.DataFrame | None = None
        entries, anchor_notes = self._anchor(la, names, entries)
        notes += anchor_notes
        self.entries_ = tuple(entries)
        self.notes_ = tuple(notes)
        self.kept_ = tuple(self._kept)
        self.warnings_ = tuple(self._warnings)
        return self

    def _holidays(self, first: date, days: int) -> list[date]:
        if self.base is None:
            return []
        out = set(self.base.calendar.holidays)
        if self.base.calendar.holiday_country:
            out.update(public_holidays(self.base.calendar.holiday_country, first, days))
        return sorted(out)

    @property
    def _window_minutes(self) -> float:
        days = self.base.cadence.window_days if self.base else _DEFAULT_WINDOW_DAYS
        return days * 1440.0

    # -- overlay entries -----------------------------------------------------------------
    def _entries(self) -> list[OverlayEntry]:
        if self.base is None:
            return []
        builder = EntryBuilder(self.base, self._rows, self.tiers_,
                               (self.contact_decay_, self.qualify_decay_), self.alpha)
        out = builder.entries()
        self._kept += builder.kept
        self._warnings += builder.warnings
        return out

    # -- anchoring -----------------------------------------------------------------------
    def _anchor(
        self, la: LeadArrays, names: Sequence[str], entries: list[OverlayEntry]
    ) -> tuple[list[OverlayEntry], list[str]]:
        """Rescale ``base_qualify`` so that the model converts leads like the data
        (:mod:`slasim.crm.calibrate._anchor`)."""
        if self.base is None or self.qualify_decay_ is not None:
            return entries, []
        done = anchor_base_qualify(
            la, names, entries, window_minutes=self._window_minutes, alpha=self.alpha,
            sim_reps=self.sim_reps, seed=self.seed, merged=self._merged,
        )
        self._rows += done.rows
        self._kept += done.kept
        self._warnings += done.warnings
        if done.table is not None:
            self.anchor_ = done.table
        return done.entries, done.notes

    # -- results -------------------------------------------------------------------------
    def _merged(self, entries: Sequence[OverlayEntry]) -> Scenario:
        assert self.base is not None
        data = self.base.model_dump(mode="python", exclude_none=True)
        data.pop("extends", None)
        return scenario_from_dict(
            deep_merge(data, overlay_data(entries)), source="<calibrated scenario>"
        )

    def calibrated_scenario(self) -> Scenario:
        """The base scenario with the calibrated values applied (validated)."""
        self._check_fitted()
        if self.base is None:
            raise ValueError("Calibrator(base=None) has no scenario to calibrate.")
        return self._merged(self.entries_)

    def to_overlay_toml(
        self, base_path: str | Path, out_path: str | Path | None = None, name: str | None = None
    ) -> str:
        """The overlay TOML: ``extends`` the base file, every value commented.

        Parameters
        ----------
        base_path
            The base scenario file (``extends`` is written relative to ``out_path``'s folder).
        out_path
            Where the overlay will be written (default: the current directory).
        name
            Scenario name (default ``<base name>-calibrated``).
        """
        self._check_fitted()
        if self.base is None:
            raise ValueError("Calibrator(base=None) cannot write an overlay.")
        folder = Path(out_path).resolve().parent if out_path else Path.cwd()
        extends = Path(os.path.relpath(Path(base_path).resolve(), folder)).as_posix()
        s = self.import_summary_
        header = [
            f"Calibrated by slasim calibrate from {s.source}: {s.rows_used} of {s.rows_read} "
            f"rows used ({s.rows_rejected} rejected); leads created {self.period_[0]} .. "
            f"{self.period_[1]} ({self.days_} days, {s.timezone}); export time "
            f"{self.as_of_.isoformat()}.",
            "Each value: estimate, 95 % confidence interval, rows it rests on, method.",
            "Values not listed here come from the base scenario; '# key: kept from the base "
            "scenario' lines name those the export has too few rows for, and 'WARNING' marks "
            "a value whose 95 % interval spans most of its range.",
            "",
            *(f"note: {n}" for n in self.notes_),
        ]
        return render_overlay(
            self.entries_, extends, name or f"{self.base.name}-calibrated",
            f"{self.base.name} calibrated from {Path(s.source).name} "
            f"({self.period_[0]} .. {self.period_[1]})",
            header,
        )

    def _check_fitted(self) -> None:
        if not hasattr(self, "entries_"):
            raise ValueError("This Calibrator is not fitted yet; call fit(crm_import) first.")

    @property
    def summary(self) -> pd.DataFrame:
        """Every estimate: ``parameter``, ``tier``, ``estimate``, ``ci_low``, ``ci_high``,
        ``n`` (rows used), ``method``."""
        self._check_fitted()
        return rows_frame(self._rows)

    @property
    def volume_(self) -> pd.DataFrame:
        return _select(self._rows, "monthly_volume")

    @property
    def mix_(self) -> pd.DataFrame:
        return _select(self._rows, "tier_share")

    @property
    def weekday_profile_(self) -> pd.DataFrame:
        return _select(self._rows, "profile.weekday.")

    @property
    def hour_profile_(self) -> pd.DataFrame:
        return _select(self._rows, "profile.hour.")

    @property
    def holiday_factor_(self) -> pd.DataFrame:
        return _select(self._rows, "profile.holiday_factor")

    @property
    def rates_(self) -> pd.DataFrame:
        stages = ("contact_rate", "qualify_rate", "opportunity_rate", "win_rate",
                  "lead_won_rate", "won_per_qualified", "lead_qualified_rate",
                  "lead_opportunity_rate")
        return rows_frame(r for r in self._rows if r.parameter in stages)

    @property
    def sales_cycle_(self) -> pd.DataFrame:
        return _select(self._rows, "sales_cycle_days.")

    @property
    def deal_size_(self) -> pd.DataFrame:
        return _select(self._rows, "deal_size.")

    @property
    def handling_(self) -> pd.DataFrame:
        return _select(self._rows, "handling_")

    def format_summary(self, hours: bool = False) -> str:
        """The summary as text (hour-profile rows only with ``hours=True``)."""
        self._check_fitted()
        lines = [f"{'parameter':<34} {'tier':<8} {'estimate':>11} {'95 % CI':>23} {'n':>7}"]
        for r in self._rows:
            if r.parameter.startswith("profile.hour.") and not hours:
                continue
            ci = f"{r.ci_low:>11.4g} - {r.ci_high:<9.4g}" if r.has_ci else ""
            lines.append(
                f"{r.parameter:<34} {r.tier:<8} {r.estimate:>11.4g} {ci:>23} {r.n:>7}"
            )
        for fit in (self.contact_decay_, self.qualify_decay_):
            if fit is not None:
                lines.append(f"{fit.stage} decay: {fit.reason}")
        lines += [f"note: {n}" for n in self.notes_]
        lines += [f"kept: {k}" for k in self.kept_]
        lines += [f"warning: {w}" for w in self.warnings_]
        return "\n".join(lines)


def _renamed(row: Row, parameter: str) -> Row:
    return Row(parameter, row.tier, row.estimate, row.ci_low, row.ci_high, row.n, row.method)
