"""The overlay entries of a calibration: which estimates replace the base scenario's values.

:class:`EntryBuilder` turns the calibration's summary rows into :class:`OverlayEntry` values,
one per scenario field, by the rules of :mod:`slasim.crm.calibrate._guard`: a value below its
minimum
sample is kept from the base (an inactive entry whose comment says why), a value written
with a weak interval carries a warning. ``kept`` and ``warnings`` list both per field.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from slasim.crm._stats import Row, poisson_ci
from slasim.crm.calibrate._guard import (
    MIN_HANDLING,
    MIN_HOLIDAY_EXPECTED,
    MIN_HOUR_LEADS,
    MIN_QUANTILE,
    MIN_RATE,
    MIN_WEEKDAY_LEADS,
    Scale,
    kept_comment,
    weak_interval,
)
from slasim.crm.calibrate.decayfit import DecayFit
from slasim.crm.calibrate.overlay import OverlayEntry, Value
from slasim.scenario.schema import Scenario

__all__ = ["EntryBuilder"]

_WHAT = {
    "base_contact": "observations of this tier in the contact decay fit",
    "base_qualify": "observations of this tier in the qualify decay fit",
    "opportunity_rate": "qualified leads",
    "win_rate": "opportunities",
}


class EntryBuilder:
    """Builds the overlay entries of a calibration of ``base`` from its summary ``rows``."""

    def __init__(self, base: Scenario, rows: Sequence[Row], tiers: Sequence[str],
                 decays: Sequence[DecayFit | None], alpha: float = 0.05) -> None:
        self.base = base
        self.rows = rows
        self.tiers = tiers
        self.decays = decays
        self.alpha = alpha
        self.kept: list[str] = []
        self.warnings: list[str] = []

    # -- the rules -----------------------------------------------------------------------
    def get(self, parameter: str, tier: str) -> Row | None:
        """The row of ``parameter`` for ``tier`` if it exists and rests on data."""
        for r in self.rows:
            if r.parameter == parameter and r.tier == tier:
                return r if r.n > 0 and not math.isnan(r.estimate) else None
        return None

    def written(self, table: tuple[str, ...], key: str, value: Value, comment: str,
                checks: Sequence[tuple[Row, Scale]] = ()) -> OverlayEntry:
        """An entry that replaces the base value; a warning if an interval is weak."""
        for row, scale in checks:
            why = weak_interval(row, scale)
            if why is not None:
                field = ".".join((*table, key))
                self.warnings.append(f"{field} = {_shown(value)} written, but {why}")
                comment = f"WARNING: weak estimate, {why}; {comment}"
                break
        return OverlayEntry(table, key, value, comment)

    def kept_entry(self, table: tuple[str, ...], key: str, base: object, n: float,
                   minimum: float, what: str, estimate: str | None = None) -> OverlayEntry:
        """An inactive entry: the base value stays, and the comment says why."""
        comment = kept_comment(base, n, minimum, what, estimate)
        self.kept.append(f"{'.'.join((*table, key))}: {comment}")
        return OverlayEntry(table, key, 0.0, comment, active=False)

    # -- the entries ---------------------------------------------------------------------
    def entries(self) -> list[OverlayEntry]:
        out: list[OverlayEntry] = []
        for name in self.tiers:
            table = ("tiers", name)
            vol = next(r for r in self.rows if r.parameter == "monthly_volume" and r.tier == name)
            out.append(self.written(
                table, "monthly_volume", round(vol.estimate, 2),
                f"{vol.ci_text(4)}; {vol.n} leads; {vol.method}", [(vol, "positive")],
            ))
            disp = self.get("dispersion", name)
            if disp is not None:
                out.append(OverlayEntry(table, "dispersion", round(disp.estimate, 4), disp.method))
            out += self.funnel(name, table)
            out += self.profile(name, (*table, "profile"))
        out += self.decay()
        out += self.handling()
        return out

    def funnel(self, name: str, table: tuple[str, ...]) -> list[OverlayEntry]:
        tier = self.base.tiers[name]
        out = []
        for key in ("base_contact", "base_qualify", "opportunity_rate", "win_rate"):
            r = self.get(key, name)
            if r is None:
                continue
            if r.n < MIN_RATE:
                out.append(self.kept_entry(table, key, getattr(tier, key), r.n, MIN_RATE,
                                           _WHAT[key], r.ci_text()))
                continue
            out.append(self.written(table, key, round(r.estimate, 4),
                                    f"{r.ci_text()}; {r.n} rows; {r.method}",
                                    [(r, "probability")]))
        opp = tier.opportunity_rate
        per_qualified = self.get("won_per_qualified", name)
        if self.get("win_rate", name) is None and per_qualified is not None and opp > 0:
            if per_qualified.n < MIN_RATE:
                out.append(self.kept_entry(table, "win_rate", tier.win_rate, per_qualified.n,
                                           MIN_RATE, "qualified leads",
                                           f"won per qualified {per_qualified.ci_text()}"))
            else:
                out.append(self.written(
                    table, "win_rate", round(min(1.0, per_qualified.estimate / opp), 4),
                    f"won per qualified {per_qualified.ci_text()} ({per_qualified.n} rows) / the "
                    f"base opportunity_rate {opp:g} (the export has no opportunity column)",
                    [(per_qualified, "probability")],
                ))
        for key in ("deal_size", "sales_cycle_days"):
            med, p90 = self.get(f"{key}.median", name), self.get(f"{key}.p90", name)
            if med is None or p90 is None or not p90.estimate > med.estimate > 0:
                continue
            text = f"median {med.ci_text()}; p90 {p90.ci_text()}"
            if med.n < MIN_QUANTILE:
                base = getattr(tier, key)
                shown = f"median {base.median:g}, p90 {base.p90:g}" if base is not None else "none"
                out.append(self.kept_entry(table, key, shown, med.n, MIN_QUANTILE, "values",
                                           text))
                continue
            out.append(self.written(
                table, key,
                # An inline table keeps median and p90 together, as the reference files do.
                (("median", float(f"{med.estimate:.5g}")), ("p90", float(f"{p90.estimate:.5g}"))),
                f"{text}; {med.n} rows; {med.method}", [(med, "positive"), (p90, "positive")],
            ))
        return out

    def profile(self, name: str, table: tuple[str, ...]) -> list[OverlayEntry]:
        out: list[OverlayEntry] = []
        profile = self.base.tiers[name].profile
        if profile.matrix is not None:
            return out  # a 7 x 24 matrix in the base would override weekday/hour anyway
        days = [r for r in self.rows
                if r.parameter.startswith("profile.weekday.") and r.tier == name]
        leads = sum(r.n for r in days)
        if leads > 0 and not any(math.isnan(r.estimate) for r in days):
            if leads < MIN_WEEKDAY_LEADS:
                out.append(self.kept_entry(table, "weekday", "its weekday weights", leads,
                                           MIN_WEEKDAY_LEADS, "leads of this tier"))
            else:
                cis = ", ".join(f"{r.ci_low:.2f}-{r.ci_high:.2f}" for r in days)
                out.append(OverlayEntry(
                    table, "weekday", [round(r.estimate, 3) for r in days],
                    "leads per non-holiday day of each weekday, mean 1; Mon..Sun leads "
                    + ", ".join(str(r.n) for r in days) + f"; 95 % CIs {cis}",
                ))
        hours = [r for r in self.rows
                 if r.parameter.startswith("profile.hour.") and r.tier == name]
        leads = sum(r.n for r in hours)
        if leads >= MIN_HOUR_LEADS:
            widths = [(r.ci_high - r.ci_low) / 2 for r in hours]
            out.append(OverlayEntry(
                table, "hour", [round(r.estimate, 3) for r in hours],
                f"leads per local hour 00..23 on non-holidays, mean 1; {leads} leads; 95 % CI "
                f"half-widths {min(widths):.2f}-{max(widths):.2f} (per hour: slasim calibrate "
                "--hours)",
            ))
        elif leads > 0:
            out.append(self.kept_entry(table, "hour", "its hour weights", leads,
                                       MIN_HOUR_LEADS, "leads of this tier"))
        hol = next((r for r in self.rows
                    if r.parameter == "profile.holiday_factor" and r.tier == name), None)
        if hol is not None:
            # The row's upper bound is the Poisson bound of the holiday count / expected leads.
            expected = poisson_ci(hol.n, self.alpha)[1] / hol.ci_high
            if expected < MIN_HOLIDAY_EXPECTED:
                out.append(self.kept_entry(
                    table, "holiday_factor", profile.holiday_factor, round(expected, 1),
                    MIN_HOLIDAY_EXPECTED, "leads expected on the period's holidays",
                    hol.ci_text(),
                ))
            else:
                out.append(self.written(table, "holiday_factor", round(hol.estimate, 3),
                                        f"{hol.ci_text()}; {hol.method}", [(hol, "positive")]))
        return out

    def decay(self) -> list[OverlayEntry]:
        out = []
        for fit in self.decays:
            if fit is None:
                continue
            table = ("decay", fit.stage)
            model = fit.model
            out.append(OverlayEntry(table, "kind", model.kind, f"{fit.n} rows; {fit.reason}"))
            for p in model.params:
                scale: Scale = "probability" if p.parameter == "floor" else "positive"
                value = (round(p.estimate, 4) if scale == "probability"
                         else float(f"{p.estimate:.5g}"))
                out.append(self.written(table, p.parameter, value,
                                        f"{p.ci_text()}; {p.n} rows; {p.method}", [(p, scale)]))
            if model.kind == "power_law":
                # Written explicitly: a floor inherited from the base's curve would change it.
                out.append(OverlayEntry(table, "floor", 0.0, "the fitted power law has no floor"))
        return out

    def handling(self) -> list[OverlayEntry]:
        out = []
        for quantity in ("conversation", "unanswered"):
            mean = self.get(f"handling_{quantity}.mean_minutes", "all")
            if mean is None:
                continue
            table = ("team", f"handling_{quantity}")
            if mean.n < MIN_HANDLING:
                base = getattr(self.base.team, f"handling_{quantity}")
                out.append(self.kept_entry(table, "mean_minutes", base.mean_minutes, mean.n,
                                           MIN_HANDLING, "values", mean.ci_text()))
                continue
            out.append(self.written(table, "mean_minutes", round(mean.estimate, 3),
                                    f"{mean.ci_text()}; {mean.n} rows", [(mean, "positive")]))
            cv = self.get(f"handling_{quantity}.cv", "all")
            if cv is not None and cv.estimate > 0:
                out.append(OverlayEntry(table, "cv", round(cv.estimate, 3), cv.method))
        return out


def _shown(value: Value) -> str:
    if isinstance(value, tuple):
        return "{" + ", ".join(f"{k} = {v:g}" for k, v in value) + "}"
    return f"{value:g}" if isinstance(value, float) else str(value)
