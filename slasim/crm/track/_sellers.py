"""The per-seller table of ``slasim track``: volume first, every rate next to its count.

Rates of small numbers mislead, so each rate comes with the count it rests on and its 95 %
Wilson interval; sellers are ordered by volume, then name, never by a rate (a league table of
a rate with 20 leads ranks chance).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from slasim.crm._stats import wilson_ci
from slasim.crm.track._observe import lead_outcomes
from slasim.engine.records import STATES
from slasim.measure.metrics import ALL, MetricContext

__all__ = ["UNASSIGNED", "seller_rows"]

#: Owner shown for leads without one (kept, never dropped: counts must add up).
UNASSIGNED = "(unassigned)"
_WON = STATES.index("won")


def _rate(successes: int, n: int) -> tuple[float, float, float]:
    if n == 0:
        return math.nan, math.nan, math.nan
    low, high = wilson_ci(successes, n)
    return successes / n, low, high


def _put_rate(
    row: dict[str, object], name: str, rate_name: str, hits: int, trials: int, off: bool
) -> None:
    """A count, its rate and the rate's 95 % Wilson interval (NaN when not measurable)."""
    rate, low, high = _rate(hits, trials)
    row[name] = np.nan if off else hits
    row[rate_name] = np.nan if off else rate
    row[f"{rate_name}_ci_low"] = np.nan if off else low
    row[f"{rate_name}_ci_high"] = np.nan if off else high


def seller_rows(
    label: str, owners: np.ndarray, rec: np.ndarray, ctx: MetricContext,
    names: tuple[str, ...], missing: tuple[str, ...],
) -> list[dict[str, object]]:
    """Rows of ``TrackResult.by_seller`` for one period.

    Parameters
    ----------
    label
        The period (``YYYY-MM``).
    owners
        Owner of each record of ``rec`` (``UNASSIGNED`` where the export has none).
    rec, ctx
        The period's observed lead records and its metric context.
    names
        Tier names (``rec["tier"]`` indexes them).
    missing
        Measures the export cannot give: their counts and rates are NaN, never 0.
    """
    out = lead_outcomes(rec, ctx)
    rows: list[dict[str, object]] = []
    totals = pd.Series(owners).value_counts()
    # Volume first, then name: the order must not be a league table of a rate.
    order = sorted(totals.index, key=lambda o: (-int(totals[o]), str(o)))
    for owner in order:
        mine = owners == owner
        for tier in (ALL, *names):
            m = mine if tier == ALL else mine & (rec["tier"] == names.index(tier))
            n = int(m.sum())
            if n == 0:
                continue
            row: dict[str, object] = {"period": label, "owner": owner, "tier": tier, "leads": n}

            decided = out.decided & m
            row["response_judged"] = (
                np.nan if "first_attempt_within_target" in missing else int(decided.sum())
            )
            off = "first_attempt_within_target" in missing
            _put_rate(row, "within_target", "within_target_rate",
                      int((out.within & decided).sum()), int(decided.sum()), off)
            row["attempts_per_lead"] = (
                np.nan if "attempts_per_lead" in missing else float(rec["attempts"][m].mean())
            )
            _put_rate(row, "contacted", "contact_rate", int((~np.isnan(rec["contacted"][m])).sum()),
                      n, "contact_rate" in missing)
            _put_rate(row, "qualified", "qualify_rate", int(rec["qualified"][m].sum()), n,
                      "qualify_rate" in missing)
            won = rec["state"][m] == _WON
            _put_rate(row, "won", "win_rate", int(won.sum()), n, "won_deals" in missing)
            row["revenue"] = (
                np.nan if "revenue" in missing else float(rec["value"][m][won].sum())
            )
            rows.append(row)
    return rows
