"""The overlay of a queue calibration: which estimates replace the base scenario's values.

Written, each with its estimate, 95 % interval, rows and goodness of fit in a comment:

- ``tiers.<tier>.monthly_volume`` (a tier with calls) and ``tiers.<tier>.profile.matrix``
  (from :data:`~slasim.crm.calibrate._guard.MIN_HOUR_LEADS` calls of the tier: fewer leave the
  base's
  profile);
- ``routing.patience`` (``dist``, ``mean_minutes``, ``cv``) from 30 hang-ups
  (:data:`MIN_EVENTS`); with an exponential fit and a base that uses the
  ``routing.patience_minutes`` shorthand, that shorthand instead. A base with
  ``patience_minutes`` and a lognormal or Weibull fit cannot be overlaid (a TOML overlay
  cannot remove a key): the values are written as a commented line with a warning;
- ``team.handling_conversation`` and ``team.wrapup_conversation`` from 30 calls
  (:data:`~slasim.crm.calibrate._guard.MIN_HANDLING`);
- ``team.roster`` (the per-seller CSV written next to the overlay) and the horizon of the
  export's dates, which a dated roster covers;
- ``tiers.<tier>.propensity_concentration`` (from :data:`~slasim.crm.calibrate.propensityfit.
  MIN_FOLLOWED` leads with two or more conversations, and only when the fit finds a spread:
  an infinite estimate is "no spread", the base's omitted field), ``disqualify_rate`` (from
  30 leads) and ``cadence.max_conversations`` (the most conversations a lead had, when 2 or
  more).

A field this version of slasim does not have (they arrive with issue 14) is written as a
commented line saying so, never as a key the loader would refuse.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING

from slasim.crm.calibrate._guard import MIN_HANDLING, MIN_HOUR_LEADS, MIN_RATE, kept_comment
from slasim.crm.calibrate.durationfit import DurationFit
from slasim.crm.calibrate.overlay import OverlayEntry, render_overlay
from slasim.crm.calibrate.propensityfit import MIN_FOLLOWED
from slasim.scenario.schema import Routing, Team

if TYPE_CHECKING:
    from slasim.crm.calibrate.queuefit import QueueCalibrator

__all__ = ["MIN_EVENTS", "queue_entries", "render_queue_overlay"]

#: Hang-ups (observed patience times) needed before the patience reaches the overlay.
MIN_EVENTS = 30
_MAX_SERVICE_CV = 5.0  # Distribution.cv's bound
_PATIENCE_CV = (0.01, 20.0)  # Patience.cv's bounds
_MAX_CONVERSATIONS = 20  # Cadence.max_conversations' bound


def _has(model: type, name: str) -> bool:
    return name in getattr(model, "model_fields", {})


def _fit_comment(fit: DurationFit) -> str:
    m, cv = fit.mean, fit.cv
    ci = (f"95 % CI {m.ci_low:.3g}-{m.ci_high:.3g}" if math.isfinite(m.ci_low)
          else "no 95 % CI")
    return (f"mean {m.value:.3g} min ({ci}), cv {cv.value:.3g}, median {fit.median.value:.3g}; "
            f"{fit.events} observed" + (f", {fit.censored} censored" if fit.censored else "")
            + f"; {fit.gof}")


def _distribution_entries(key: str, fit: DurationFit | None, present: bool,
                          kept: list[str], warnings: list[str]) -> list[OverlayEntry]:
    table = ("team", key)
    if not present:
        kept.append(f"team.{key}: this slasim has no such field yet (issue 14); not written")
        return [OverlayEntry(("team",), key, "", "not written: this version of slasim has no "
                             f"team.{key} (issue 14)", active=False)]
    if fit is None:
        return []
    if fit.events < MIN_HANDLING:
        comment = kept_comment("base", fit.events, MIN_HANDLING, "calls")
        kept.append(f"team.{key}: {comment}")
        return [OverlayEntry(table, "mean_minutes", 0.0, comment, active=False)]
    cv = 1.0 if fit.family == "exponential" else fit.cv.value
    if cv > _MAX_SERVICE_CV:
        warnings.append(f"team.{key}.cv: fitted {cv:.3g}, written as {_MAX_SERVICE_CV:g} "
                        "(the largest the scenario allows)")
        cv = _MAX_SERVICE_CV
    return [
        OverlayEntry(table, "dist", fit.family, "chosen by AIC"),
        OverlayEntry(table, "mean_minutes", round(fit.mean.value, 4), _fit_comment(fit)),
        OverlayEntry(table, "cv", round(cv, 4), f"95 % CI {fit.cv.ci_low:.3g}-"
                     f"{fit.cv.ci_high:.3g}" if fit.family != "exponential" else
                     "an exponential's cv is 1"),
    ]


def _patience_entries(cal: QueueCalibrator, kept: list[str],
                      warnings: list[str]) -> list[OverlayEntry]:
    fit = cal.patience_
    assert cal.base is not None
    routing = cal.base.routing
    if fit is None:
        return []
    if fit.events < MIN_EVENTS:
        comment = kept_comment("base", fit.events, MIN_EVENTS, "hang-ups")
        kept.append(f"routing.patience: {comment}")
        return [OverlayEntry(("routing",), "patience", "", comment, active=False)]
    mean = round(fit.mean.value, 4)
    comment = _fit_comment(fit)
    shorthand = routing.patience_minutes is not None
    if fit.family == "exponential" and (shorthand or not _has(Routing, "patience")):
        return [OverlayEntry(("routing",), "patience_minutes", mean,
                             f"exponential patience; {comment}")]
    text = f'dist = "{fit.family}", mean_minutes = {mean:g}, cv = {fit.cv.value:.4g}'
    if not _has(Routing, "patience"):
        kept.append("routing.patience: this slasim has no routing.patience yet (issue 14); "
                    f"the fit is {text}")
        return [OverlayEntry(("routing",), "patience", "", f"not written: this version of "
                             f"slasim has no routing.patience (issue 14); the fit is {text}; "
                             f"{comment}", active=False)]
    current = getattr(routing, "patience", None)
    if shorthand or (current is not None and getattr(current, "dist", "") == "empirical"):
        why = ("the base scenario sets routing.patience_minutes" if shorthand else
               "the base scenario's routing.patience is an empirical table")
        warnings.append(f"routing.patience not written: {why}, which an overlay cannot remove; "
                        f"remove it from the base, then set [routing.patience] {text}")
        return [OverlayEntry(("routing",), "patience", "", f"not written ({why}, which an "
                             f"overlay cannot remove): [routing.patience] {text}; {comment}",
                             active=False)]
    table = ("routing", "patience")
    cv = 1.0 if fit.family == "exponential" else min(max(fit.cv.value, _PATIENCE_CV[0]),
                                                     _PATIENCE_CV[1])
    return [
        OverlayEntry(table, "dist", fit.family, "chosen by AIC among exponential, lognormal, "
                     "weibull (censored maximum likelihood)"),
        OverlayEntry(table, "mean_minutes", mean, comment),
        OverlayEntry(table, "cv", round(cv, 4), "an exponential's cv is 1"
                     if fit.family == "exponential" else
                     f"95 % CI {fit.cv.ci_low:.3g}-{fit.cv.ci_high:.3g}; median "
                     f"{fit.median.value:.3g} min, 95 % CI {fit.median.ci_low:.3g}-"
                     f"{fit.median.ci_high:.3g}"),
    ]


def _propensity_entries(cal: QueueCalibrator, kept: list[str]) -> list[OverlayEntry]:
    entries: list[OverlayEntry] = []
    for f in cal.propensity_:
        table = ("tiers", f.tier)
        spec = cal.base.tiers.get(f.tier) if cal.base is not None else None
        base_k = "omitted" if spec is None or spec.propensity_concentration is None else (
            spec.propensity_concentration)
        base_d = spec.disqualify_rate if spec is not None else 0.0
        k, d = f.kappa, f.disqualify
        rests = f"{f.leads} leads, {f.followed} with 2+ conversations; beta-geometric ML"
        if f.followed < MIN_FOLLOWED:
            comment = kept_comment(base_k, f.followed, MIN_FOLLOWED,
                                   "leads with two or more conversations")
            kept.append(f"tiers.{f.tier}.propensity_concentration: {comment}")
            entries.append(OverlayEntry(table, "propensity_concentration", 0.0, comment,
                                        active=False))
        elif not math.isfinite(k.value):
            comment = (f"no spread found (95 % CI lower bound {k.ci_low:.3g}): every lead "
                       f"qualifies alike; {rests}")
            kept.append(f"tiers.{f.tier}.propensity_concentration: {comment}")
            entries.append(OverlayEntry(table, "propensity_concentration", 0.0, comment,
                                        active=False))
        else:
            high = f"{k.ci_high:.4g}" if math.isfinite(k.ci_high) else "inf"
            # Four significant digits, not decimals: a k of 2e-9 (all or nothing) rounded to
            # 0.0, which no scenario accepts, and calibrate wrote nothing.
            value = float(f"{k.value:.4g}")
            # The interval reaching 0 (the search's lower edge) is the mirror of an upper
            # bound of inf: the data cannot exclude all or nothing.
            edge = "" if k.ci_low > 0 else (
                "; the data cannot exclude all or nothing (a lead qualifies at its first "
                "conversations or never); a decaying qualify curve reads as spread too")
            entries.append(OverlayEntry(
                table, "propensity_concentration", value,
                f"95 % CI {k.ci_low:.4g}-{high}; {rests}; first-conversation qualify rate "
                f"{f.m.value:.3g}{edge}"))
        if f.leads < MIN_RATE:
            comment = kept_comment(base_d, f.leads, MIN_RATE, "leads with a conversation")
            kept.append(f"tiers.{f.tier}.disqualify_rate: {comment}")
            entries.append(OverlayEntry(table, "disqualify_rate", 0.0, comment, active=False))
        else:
            entries.append(OverlayEntry(
                table, "disqualify_rate", round(d.value, 4),
                f"95 % CI {d.ci_low:.4g}-{d.ci_high:.4g}; {rests}"))
    if cal.max_conversations_ >= 2:
        entries.append(OverlayEntry(("cadence",), "max_conversations",
                                    min(cal.max_conversations_, _MAX_CONVERSATIONS),
                                    "the most conversations a lead had in the export"))
    return entries


def queue_entries(cal: QueueCalibrator, roster_file: str | None
                  ) -> tuple[list[OverlayEntry], list[str], list[str]]:
    """The overlay entries, the kept-from-base lines and the warnings."""
    kept: list[str] = []
    warnings: list[str] = []
    entries: list[OverlayEntry] = []
    if roster_file is not None and cal.roster_ is not None:
        first, days = cal.period_[0], cal.days_
        if _has(Team, "roster"):
            entries += [
                OverlayEntry(("horizon",), "start", first.isoformat(),
                             "the export's first date: the dated roster covers its dates"),
                OverlayEntry(("horizon",), "days", days, "the export's days"),
                OverlayEntry(("team",), "roster", roster_file, cal.roster_.statement + (
                    f"; the {cal.warmup_days} warm-up days repeat the export's first week"
                    if cal.warmup_days else "")),
            ]
        else:
            kept.append(f"team.roster: this slasim has no team.roster yet (issue 14); the "
                        f"roster is in {roster_file}")
            entries.append(OverlayEntry(("team",), "roster", "", f"not written: this version of "
                                        f"slasim has no team.roster (issue 14); the estimated "
                                        f"roster is in {roster_file}", active=False))
    days = cal.days_
    for a in cal.arrivals_:
        table = ("tiers", a.tier)
        if a.n == 0:
            kept.append(f"tiers.{a.tier}: no calls of this tier; volume and profile kept")
            continue
        v = a.volume
        entries.append(OverlayEntry(
            table, "monthly_volume", round(v.value, 2),
            f"95 % CI {v.ci_low:.4g}-{v.ci_high:.4g}: {a.n} calls over {days} days; Poisson "
            f"exact; {a.gof}"))
        if a.n < MIN_HOUR_LEADS:
            comment = kept_comment("base", a.n, MIN_HOUR_LEADS, "calls of this tier")
            kept.append(f"tiers.{a.tier}.profile: {comment}")
            entries.append(OverlayEntry((*table, "profile"), "matrix", 0.0, comment,
                                        active=False))
            continue
        matrix = [[round(float(w), 4) for w in row] for row in a.matrix]
        entries.append(OverlayEntry((*table, "profile"), "matrix", matrix,
                                    f"Monday..Sunday x local hours 00..23, mean 1: "
                                    f"{a.profile_text}"))
    entries += _propensity_entries(cal, kept)
    entries += _patience_entries(cal, kept, warnings)
    entries += _distribution_entries("handling_conversation", cal.handling_, True, kept,
                                     warnings)
    entries += _distribution_entries("wrapup_conversation", cal.wrapup_,
                                     _has(Team, "wrapup_conversation"), kept, warnings)
    return entries, kept, warnings


def render_queue_overlay(cal: QueueCalibrator, base_path: str | Path,
                         out_path: str | Path | None, roster_file: str | None,
                         name: str | None) -> str:
    """The overlay TOML text (see the module docstring)."""
    assert cal.base is not None
    entries, kept, warnings = queue_entries(cal, roster_file)
    folder = Path(out_path).resolve().parent if out_path else Path.cwd()
    extends = Path(os.path.relpath(Path(base_path).resolve(), folder)).as_posix()
    s = cal.import_summary_
    period = f"{cal.period_[0]} .. {cal.period_[1]}"
    header = [
        f"Calibrated by slasim calibrate from the call-level export {s.source}: {s.rows_used} "
        f"of {s.rows_read} rows used ({s.rows_rejected} rejected); calls created {period} "
        f"({cal.days_} days, {s.timezone}); export time {cal.as_of_.isoformat()}.",
        "Each value: estimate, 95 % confidence interval, rows it rests on, method, goodness "
        "of fit. Values not listed here come from the base scenario.",
        "",
        *(f"note: {n}" for n in cal.notes_),
        *(f"kept: {k}" for k in kept),
        *(f"WARNING: {w}" for w in warnings),
    ]
    return render_overlay(entries, extends, name or f"{cal.base.name}-calibrated",
                          f"{cal.base.name} calibrated from {Path(s.source).name} ({period})",
                          header)
