"""Lead histories as the simulator's records, *as seen at a cut-off time*.

Tracking compares a real month with simulated months, so both must be measured the same way.
Both kinds of lead history (a CRM export, or the engine's records of a simulated month) are
first put in one :class:`LeadTable` (simulation minutes since the month start, NaN = not
happened / not recorded), then :func:`observe` keeps what had happened by the cut-off (the
month end, or the export time for a month still running) and returns engine records
(:data:`slasim.engine.records.LEAD_DTYPE`), so :func:`slasim.measure.metrics.replication_metrics`
computes
actual and simulated KPIs with one set of definitions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from slasim.engine.records import LEAD_DTYPE, STATES
from slasim.measure.metrics import MetricContext
from slasim.model.calendar import BusinessCalendar

__all__ = ["LeadOutcomes", "LeadTable", "lead_outcomes", "observe"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]

_STATE = {name: i for i, name in enumerate(STATES)}
_NO_HINT = -1
_INT16_MAX = np.iinfo(np.int16).max
_SET_FIELDS = frozenset({
    "tier", "created", "first_attempt", "response_business", "attempts", "contacted",
    "qualified", "opportunity", "state", "closed", "value",
})


def _minutes(series: pd.Series, t0: pd.Timestamp) -> FloatArray:
    """Minutes since ``t0`` (NaN for missing); whole seconds stay exact multiples of 1/60."""
    out = (series - t0).dt.total_seconds() / 60.0
    return np.asarray(out.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)


@dataclass(frozen=True, eq=False)
class LeadTable:
    """Lead histories in simulation minutes since a month start (NaN = none recorded).

    ``state_hint`` is the index in :data:`slasim.engine.records.STATES` of a status the source
    states without a time (e.g. ``status = nurtured``), or -1.
    """

    tier: IntArray
    created: FloatArray
    first_attempt: FloatArray
    attempts: FloatArray
    contacted: FloatArray
    qualified: BoolArray
    qualified_at: FloatArray
    opportunity: BoolArray
    opportunity_at: FloatArray
    won_at: FloatArray
    lost_at: FloatArray
    value: FloatArray
    state_hint: IntArray

    @classmethod
    def from_crm(
        cls, leads: pd.DataFrame, t0: pd.Timestamp, tier_names: tuple[str, ...]
    ) -> LeadTable:
        """From the ``leads`` of a :class:`~slasim.crm.io.imported.CrmImport` (one month's rows)."""
        index = {name: i for i, name in enumerate(tier_names)}
        status = leads["status"].fillna("").astype(str).str.strip().str.lower()

        def flag(name: str) -> BoolArray:
            return leads[name].fillna(False).to_numpy(dtype=bool)

        return cls(
            tier=np.asarray(leads["tier"].map(index).to_numpy(), dtype=np.intp),
            created=_minutes(leads["created_at"], t0),
            first_attempt=_minutes(leads["first_attempt_at"], t0),
            attempts=np.asarray(
                leads["attempts"].astype("Float64").to_numpy(na_value=np.nan), dtype=np.float64
            ),
            contacted=_minutes(leads["contacted_at"], t0),
            qualified=flag("qualified"),
            qualified_at=_minutes(leads["qualified_at"], t0),
            opportunity=flag("opportunity"),
            opportunity_at=_minutes(leads["opportunity_at"], t0),
            won_at=_minutes(leads["won_at"], t0),
            lost_at=_minutes(leads["lost_at"], t0),
            value=np.nan_to_num(leads["deal_value"].to_numpy(dtype=np.float64), nan=0.0),
            state_hint=np.asarray(
                status.map(_STATE).fillna(_NO_HINT).to_numpy(), dtype=np.intp
            ),
        )

    @classmethod
    def from_records(cls, rec: npt.NDArray[np.void]) -> LeadTable:
        """From the engine's records of one replication (the month simulated in full)."""
        state = rec["state"].astype(np.intp)
        contacted = rec["contacted"]
        # The engine decides qualification and opportunity at contact (see crm.export).
        return cls(
            tier=rec["tier"].astype(np.intp),
            created=rec["created"],
            first_attempt=rec["first_attempt"],
            attempts=rec["attempts"].astype(np.float64),
            contacted=contacted,
            qualified=rec["qualified"].astype(bool),
            qualified_at=np.where(rec["qualified"], contacted, np.nan),
            opportunity=rec["opportunity"].astype(bool),
            opportunity_at=np.where(rec["opportunity"], contacted, np.nan),
            won_at=np.where(state == _STATE["won"], rec["closed"], np.nan),
            lost_at=np.where(state == _STATE["lost"], rec["closed"], np.nan),
            value=rec["value"].astype(np.float64),
            state_hint=state,
        )

    def __len__(self) -> int:
        return int(self.created.shape[0])


def _by(at: FloatArray, cutoff: float) -> BoolArray:
    return np.asarray(at <= cutoff)


def observe(
    table: LeadTable, cutoff: float, calendar: BusinessCalendar
) -> tuple[npt.NDArray[np.void], BoolArray]:
    """Engine records of the leads created by ``cutoff``, with only the events up to it.

    Returns the records and the mask of ``table`` rows kept. A stage with a time counts once
    its time has passed; a flag without a time (``qualified`` with no ``qualified_at``) counts
    as recorded. Attempts are the recorded count (a CRM gives no attempt times), 0 when the
    first attempt lies after the cut-off (a lead without a first-attempt time keeps its count).
    """
    keep = _by(table.created, cutoff)
    n = int(keep.sum())
    rec = np.zeros(n, dtype=LEAD_DTYPE)
    created = table.created[keep]
    first = np.where(_by(table.first_attempt[keep], cutoff), table.first_attempt[keep], np.nan)
    attempted = ~np.isnan(first)
    later = ~attempted & ~np.isnan(table.first_attempt[keep])  # first attempt after the cut-off
    recorded = table.attempts[keep]
    # A recorded first attempt is at least one attempt, whatever the attempts column says; a
    # lead without a first-attempt time keeps its recorded count (an export with `attempts`
    # and no `first_attempt_at` read 0 attempts per lead), one attempted after the cut-off 0.
    attempts = np.where(attempted, np.clip(np.nan_to_num(recorded, nan=1.0), 1, _INT16_MAX),
                        np.where(later, 0, np.clip(np.nan_to_num(recorded, nan=0.0), 0,
                                                   _INT16_MAX)))
    contacted = np.where(_by(table.contacted[keep], cutoff), table.contacted[keep], np.nan)

    def stage(flag: BoolArray, at: FloatArray) -> BoolArray:
        return np.asarray(flag[keep] & (np.isnan(at[keep]) | _by(at[keep], cutoff)))

    hint = table.state_hint[keep]
    won_at, lost_at = table.won_at[keep], table.lost_at[keep]
    won = _by(won_at, cutoff) | (np.isnan(won_at) & (hint == _STATE["won"]))
    lost = ~won & (_by(lost_at, cutoff) | (np.isnan(lost_at) & (hint == _STATE["lost"])))
    opportunity = stage(table.opportunity, table.opportunity_at)
    pipeline = ~won & ~lost & (opportunity | (hint == _STATE["in_pipeline"]))
    state = np.full(n, _STATE["waiting"], dtype=np.int8)
    state[hint == _STATE["nurtured"]] = _STATE["nurtured"]
    state[pipeline] = _STATE["in_pipeline"]
    state[lost] = _STATE["lost"]
    state[won] = _STATE["won"]

    rec["tier"] = table.tier[keep]
    rec["created"] = created
    rec["first_attempt"] = first
    response = np.full(n, np.nan)
    response[attempted] = calendar.business_between(created[attempted], first[attempted])
    rec["response_business"] = response
    rec["attempts"] = attempts
    rec["contacted"] = contacted
    rec["qualified"] = stage(table.qualified, table.qualified_at)
    rec["opportunity"] = opportunity
    rec["state"] = state
    rec["closed"] = np.where(won, won_at, np.where(lost, lost_at, np.nan))
    rec["value"] = np.where(won | pipeline, table.value[keep], 0.0)
    # Float fields this module does not know of (e.g. an engine timestamp added later) mean
    # "did not happen" (NaN), never minute 0.
    for name in set(LEAD_DTYPE.names or ()) - _SET_FIELDS:
        if LEAD_DTYPE[name].kind == "f":
            rec[name] = np.nan
    # The engine's seller index means nothing for a CRM lead (its owner is a name): none, -1,
    # never seller 0.
    rec["seller"] = -1
    return rec, keep


@dataclass(frozen=True, eq=False)
class LeadOutcomes:
    """Per-lead SLA outcomes, aligned with the records they were computed from.

    ``decided``: the response term can judge the lead (attempted, or its deadline passed by
    the cut-off); ``within``: attempted within the tier's target. ``attempt_eligible``:
    uncontacted with the attempt window closed; ``attempts_ok``: got the tier's minimum.
    """

    decided: BoolArray
    within: BoolArray
    attempt_eligible: BoolArray
    attempts_ok: BoolArray


def lead_outcomes(rec: npt.NDArray[np.void], ctx: MetricContext) -> LeadOutcomes:
    """Per-lead response and attempt outcomes by the rules of :mod:`slasim.measure.metrics`.

    The per-tier shares these give equal the ``first_attempt_within_target`` metric (the
    tests check it); they exist separately because seller views need counts, not shares.
    """
    n = len(rec)
    decided = np.zeros(n, dtype=bool)
    within = np.zeros(n, dtype=bool)
    eligible = np.zeros(n, dtype=bool)
    ok = np.zeros(n, dtype=bool)
    for index, t in enumerate(ctx.tiers):
        mask = rec["tier"] == index
        leads = rec[mask]
        created = leads["created"]
        attempted = ~np.isnan(leads["first_attempt"])
        if t.target_clock == "business":
            deadline = ctx.calendar.add_business(created, np.full(len(created), t.target_minutes))
            on_time = attempted & (leads["response_business"] <= t.target_minutes)
        else:
            deadline = created + t.target_minutes
            on_time = attempted & (leads["first_attempt"] - created <= t.target_minutes)
        decided[mask] = attempted | (deadline <= ctx.horizon_minutes)
        within[mask] = on_time
        closed = created + ctx.window_minutes <= ctx.horizon_minutes
        eligible[mask] = np.isnan(leads["contacted"]) & closed
        ok[mask] = leads["attempts"] >= t.min_attempts
    return LeadOutcomes(decided, within, eligible, ok)
