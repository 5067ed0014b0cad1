"""Anchoring: when the export shows the end result (e.g. lead -> won) but not every stage
before it, rescale each tier's ``base_qualify`` so that the calibrated scenario, simulated,
converts leads like the data.

Qualify decisions do not feed back into the queue, so the simulated rate is proportional to
``base_qualify``: one rescaling is exact up to Monte Carlo error. Used by
:meth:`slasim.crm.calibrate.calibrator.Calibrator.fit`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from slasim.crm._stats import Row
from slasim.crm.calibrate._funnel import LeadArrays, mature_won, proportion_rows
from slasim.crm.calibrate._guard import MIN_RATE, kept_comment, weak_interval
from slasim.crm.calibrate.overlay import OverlayEntry
from slasim.scenario.schema import Scenario

__all__ = ["ANCHOR_COLUMNS", "Anchoring", "anchor_base_qualify"]

_STAGES = ("qualified", "opportunity", "won")
#: Columns of :attr:`Calibrator.anchor_ <slasim.crm.calibrate.calibrator.Calibrator>`.
ANCHOR_COLUMNS = [
    "tier", "stage", "observed", "ci_low", "ci_high", "n", "simulated",
    "base_qualify_before", "base_qualify", "base_qualify_ci_low", "base_qualify_ci_high",
]


@dataclass
class Anchoring:
    """What anchoring changed: the overlay entries, notes, and what the calibrator records.

    ``rows`` are appended to the calibrator's estimates in this order, ``kept`` and
    ``warnings`` to its per-field lists; ``table`` is ``None`` when nothing was anchored.
    """

    entries: list[OverlayEntry]
    notes: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    table: pd.DataFrame | None = None


def anchor_base_qualify(
    la: LeadArrays, names: Sequence[str], entries: list[OverlayEntry], *,
    window_minutes: float, alpha: float, sim_reps: int, seed: int,
    merged: Callable[[Sequence[OverlayEntry]], Scenario],
) -> Anchoring:
    """Rescale ``base_qualify`` so that the model converts leads like the data.

    ``merged`` gives the base scenario with overlay entries applied; the caller decides
    whether anchoring applies (a base scenario and no qualify decay fitted).
    """
    result = Anchoring(list(entries))
    stage = next((s for s in _STAGES if la.has("won_at" if s == "won" else s)), None)
    if stage is None:
        result.notes.append("no conversion in the export: the base funnel is kept")
        return result
    if stage == "won":
        cut, text = mature_won(la, window_minutes)
        success = la.won
    else:
        cut, text = window_minutes, "leads older than the cadence window"
        success = la.qualified if stage == "qualified" else la.opportunity
    mature = la.as_of - la.created >= cut
    observed = proportion_rows(
        f"lead_{stage}_rate", mature, success, la.tier, names, f"{text}; Wilson", alpha
    )
    if stage != "won":
        result.rows += observed
    scenario = merged(entries)
    model = model_rate(scenario, stage, sim_reps, seed)
    table = []
    out = result.entries
    for t, name in enumerate(names):
        obs = observed[t]
        before = scenario.tiers[name].base_qualify
        if not model[t] > 0:
            continue
        if obs.n < MIN_RATE:
            comment = kept_comment(before, obs.n, MIN_RATE, text,
                                   f"lead -> {stage} {obs.ci_text()}" if obs.n else None)
            result.kept.append(f"tiers.{name}.base_qualify: {comment}")
            out = [e for e in out
                   if not (e.table == ("tiers", name) and e.key == "base_qualify")]
            out.append(OverlayEntry(("tiers", name), "base_qualify", before, comment,
                                    active=False))
            continue
        value, lo, hi = (before * x / float(model[t])
                         for x in (obs.estimate, obs.ci_low, obs.ci_high))
        if value > 1.0:
            result.notes.append(
                f"{name}: the observed lead -> {stage} rate {obs.estimate:.3f} needs "
                f"base_qualify {value:.2f} > 1: the base's contact or later stages are too "
                "pessimistic; base_qualify set to 1"
            )
        value, lo, hi = min(1.0, value), min(1.0, lo), min(1.0, hi)
        table.append((name, stage, obs.estimate, obs.ci_low, obs.ci_high, obs.n,
                      float(model[t]), before, value, lo, hi))
        row = Row("base_qualify", name, value, lo, hi, obs.n,
                  f"anchored to lead -> {stage} (simulated {model[t]:.4f} at {before:g})")
        result.rows.append(row)
        out = [e for e in out if not (e.table == ("tiers", name) and e.key == "base_qualify")]
        out.append(_anchored_entry(row, obs, stage, text, float(model[t]), before, sim_reps,
                                   seed, result.warnings))
    result.entries = out
    result.table = pd.DataFrame(table, columns=ANCHOR_COLUMNS)
    anchored = (
        "base_qualify is anchored so that the simulated lead -> {stage} rate matches the "
        "data" if table else
        f"base_qualify would be anchored to the lead -> {stage} rate, but no tier has "
        f"{MIN_RATE} {text}"
    ).format(stage=stage)
    result.notes.append(
        f"the export shows lead -> {stage} but not every stage before it: those stages "
        f"keep the base values and {anchored}"
    )
    return result


def _anchored_entry(row: Row, obs: Row, stage: str, text: str, model: float, before: float,
                    sim_reps: int, seed: int, warnings: list[str]) -> OverlayEntry:
    """The anchored ``base_qualify`` entry (with a warning when its interval is weak)."""
    table, field = ("tiers", row.tier), f"tiers.{row.tier}.base_qualify"
    source = f"observed lead -> {stage} {obs.ci_text()} ({obs.n} {text})"
    comment = (f"anchored, 95 % CI {row.ci_low:.3g}-{row.ci_high:.3g}: {source} / "
               f"simulated {model:.4f} at base_qualify {before:g} ({sim_reps} "
               f"periods, seed {seed})")
    why = weak_interval(row, "probability")
    if why is not None:
        warnings.append(f"{field} = {row.estimate:.4g} written, but {why}")
        comment = f"WARNING: weak estimate, {why}; {comment}"
    return OverlayEntry(table, "base_qualify", round(row.estimate, 4), comment)


def model_rate(scenario: Scenario, stage: str, sim_reps: int,
               seed: int) -> npt.NDArray[np.float64]:
    """Simulated lead -> ``stage`` rate per tier over leads that finished the cadence."""
    from slasim.measure.experiment import simulate  # the engine is only needed for anchoring

    result = simulate(scenario, sim_reps, seed, keep_records=True)
    n_tiers = len(scenario.tiers)
    num, den = np.zeros(n_tiers), np.zeros(n_tiers)
    window = scenario.cadence.window_days * 1440.0
    for rep in result.records or []:
        leads = rep.leads
        cut = rep.horizon_minutes - window
        # Leads created within the cadence window of the horizon end are unfinished.
        done = leads["created"] < (cut if cut > 0 else rep.horizon_minutes)
        tiers = leads["tier"][done].astype(np.intp)
        num += np.bincount(tiers, weights=leads["qualified"][done], minlength=n_tiers)
        den += np.bincount(tiers, minlength=n_tiers)
    rate = np.divide(num, den, out=np.full(n_tiers, np.nan), where=den > 0)
    values = list(scenario.tiers.values())
    if stage in ("opportunity", "won"):
        rate = rate * np.array([t.opportunity_rate for t in values])
    if stage == "won":
        rate = rate * np.array([t.win_rate for t in values])
    return np.asarray(rate, dtype=np.float64)
