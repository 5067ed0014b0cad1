"""Simulated bands per seller for ``slasim track``: each owner of the export next to the spread
of the same measure over the simulated seats.

For every owner in the export (not the unassigned leads) and every measure of
:data:`SELLER_MEASURES`, the actual value is placed against the p10-p90 of that measure over
every simulated seat of every simulated month (the agreement's routing, ``routing.owner``
included, decides how leads spread over seats). Rates are per seat as they are per seller.
Lead counts are scaled to the export's volume: a seat's share of the month's owned leads
times the export's owned leads per owner (``share * owned * seats / owners``), so a band of
counts reads "what one of this team's sellers would get", whatever the volume or the team
size; a seller far above it is given much more than the model's routing spreads. Only the
seats that own leads in some simulated month of the period count (a hire who starts later
is not a seat yet).

These are evidence beside each seller, not a judgement: whether the agreement is realistic is
the verdict's (:mod:`slasim.measure.verdict`) alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from slasim.crm.track._observe import LeadTable, lead_outcomes, observe
from slasim.crm.track._sellers import UNASSIGNED
from slasim.engine.records import STATES
from slasim.measure.metrics import MetricContext

if TYPE_CHECKING:
    from slasim.engine.replication import Replication

__all__ = [
    "SELLER_BAND_COLUMNS", "SELLER_MEASURES", "seat_values", "seller_band_rows", "simulated_seats",
]

#: Measures with a per-seller band (columns of ``TrackResult.by_seller``), in order.
SELLER_MEASURES: tuple[str, ...] = (
    "leads", "within_target_rate", "attempts_per_lead", "contact_rate", "qualify_rate",
    "win_rate",
)
#: Columns of ``TrackResult.seller_bands``.
SELLER_BAND_COLUMNS: tuple[str, ...] = (
    "period", "owner", "leads", "measure", "actual", "sim_p10", "sim_median", "sim_p90",
    "band", "partial",
)
#: The measure of :data:`slasim.crm.track.tracker.MEASURES` an export needs for each seller measure.
_NEEDS = {
    "leads": "leads_created",
    "within_target_rate": "first_attempt_within_target",
    "attempts_per_lead": "attempts_per_lead",
    "contact_rate": "contact_rate",
    "qualify_rate": "qualify_rate",
    "win_rate": "win_rate",
}
_WON = STATES.index("won")
FloatArray = npt.NDArray[np.float64]


def seat_values(
    rec: npt.NDArray[np.void], owner: npt.NDArray[np.int32], seats: int, ctx: MetricContext
) -> dict[str, FloatArray]:
    """Per seat, every measure of :data:`SELLER_MEASURES` of one simulated month (NaN for a
    rate of a seat that owned no lead it applies to); ``leads`` as the seat's *share* of the
    owned leads."""
    out = lead_outcomes(rec, ctx)
    mine = owner >= 0
    seat = owner[mine]

    def count(values: npt.NDArray[np.bool_] | FloatArray) -> FloatArray:
        weights = np.asarray(values, dtype=np.float64)[mine]
        return np.asarray(np.bincount(seat, weights=weights, minlength=seats), dtype=np.float64)

    def ratio(num: FloatArray, den: FloatArray) -> FloatArray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)

    leads = count(np.ones(len(rec)))
    total = leads.sum()
    return {
        "leads": leads / total if total > 0 else np.full(seats, np.nan),
        "within_target_rate": ratio(count(out.within & out.decided), count(out.decided)),
        "attempts_per_lead": ratio(count(rec["attempts"].astype(float)), leads),
        "contact_rate": ratio(count(~np.isnan(rec["contacted"])), leads),
        "qualify_rate": ratio(count(rec["qualified"]), leads),
        "win_rate": ratio(count(rec["state"] == _WON), leads),
    }


def seller_band_rows(
    label: str, sellers: pd.DataFrame, seats: Sequence[dict[str, FloatArray]],
    missing: tuple[str, ...], partial: bool,
) -> list[dict[str, object]]:
    """Rows of ``TrackResult.seller_bands`` for one period.

    Parameters
    ----------
    label
        The period (``YYYY-MM``).
    sellers
        The period's rows of ``by_seller`` at tier ``all`` (:func:`slasim.crm.track._sellers.
        seller_rows`): the actual values.
    seats
        :func:`seat_values` of each simulated month.
    missing
        Measures the export cannot give: not measurable, never compared.
    partial
        Whether the month is still running.
    """
    owned = sellers[sellers["owner"] != UNASSIGNED]
    n_owners = len(owned)
    if n_owners == 0 or not seats:
        return []
    # The seats seated in this period: a hire starting next month owns no lead in any simulated
    # month now, and counting it would spread the period's leads over seats nobody sat in
    # (7 seats for January's 5 sellers: bands 40 % too high, p10 at 0).
    present = np.any([np.nan_to_num(s["leads"]) > 0 for s in seats], axis=0)
    if not present.any():
        present[:] = True
    pooled = {m: np.concatenate([s[m][present] for s in seats]) for m in SELLER_MEASURES}
    n_seats = int(present.sum())
    # Shares of the month's owned leads, as counts for one of the export's owners.
    pooled["leads"] = pooled["leads"] * float(owned["leads"].sum()) * n_seats / n_owners
    bands = {}
    for m, values in pooled.items():
        values = values[~np.isnan(values)]
        bands[m] = (
            tuple(float(q) for q in np.quantile(values, (0.1, 0.5, 0.9)))
            if len(values) else (math.nan,) * 3
        )
    rows: list[dict[str, object]] = []
    for _, seller in owned.iterrows():
        for m in SELLER_MEASURES:
            actual = math.nan if _NEEDS[m] in missing else float(seller[m])
            low, mid, high = bands[m]
            band = (
                "n/a" if math.isnan(actual) or math.isnan(low)
                else "below" if actual < low else "above" if actual > high else "inside"
            )
            rows.append({
                "period": label, "owner": seller["owner"], "leads": int(seller["leads"]),
                "measure": m, "actual": actual, "sim_p10": low, "sim_median": mid,
                "sim_p90": high, "band": band, "partial": partial,
            })
    return rows


def simulated_seats(
    ctx: MetricContext, partial: bool, records: Sequence[Replication] | None
) -> list[dict[str, npt.NDArray[np.float64]]]:
    """Per simulated month, each seat's measures (:func:`seat_values`), measured as the
    export is (cut at the export time for a partial month)."""
    assert records is not None
    out = []
    for rep in records:
        rec, owner = rep.leads, rep.leads["owner"]
        if partial:
            rec, keep = observe(
                LeadTable.from_records(rep.leads), ctx.horizon_minutes, ctx.calendar
            )
            owner = owner[keep]
        out.append(seat_values(rec, owner, len(rep.sellers), ctx))
    return out
