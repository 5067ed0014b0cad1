"""The records of one replication: one :data:`LEAD_DTYPE` record per lead (or, when nobody
keeps them, a :data:`METRIC_DTYPE` record: the fields the metrics read), one
:data:`SELLER_DTYPE` record per seller.

An attempt's contact outcome is decided in the event loop, at its start (age = start -
created); the funnel of a contacted lead (qualified, opportunity, won, deal value, close time)
depends only on the contact time and per-lead random numbers, so :func:`lead_records` computes
it vectorised after the run. With ``team.ramp`` a contacted lead's qualify probability is
multiplied by its owner's conversion factor at the contact time. With a warm-up,
:func:`measured` keeps the leads created in the horizon, their times (:data:`TIME_FIELDS`)
made relative to its start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from slasim.engine import conversations
from slasim.engine.funnel_numbers import FunnelNumbers
from slasim.engine.routing import CONTACTED, GAVE_UP, OPEN, RunState

if TYPE_CHECKING:
    from slasim.engine.arrivals import Arrivals
    from slasim.engine.compile import Model
    from slasim.engine.tenure import SeatFactors

__all__ = [
    "LEAD_DTYPE",
    "METRIC_DTYPE",
    "METRIC_FIELDS",
    "SELLER_DTYPE",
    "STATES",
    "TIME_FIELDS",
    "lead_records",
    "measured",
]

FloatArray = npt.NDArray[np.float64]
#: Leads per slice of :func:`lead_records`' funnel (its temporaries' size).
FUNNEL_CHUNK = 1 << 13

#: Final state of a lead; ``LEAD_DTYPE["state"]`` indexes into this tuple.
STATES: tuple[str, ...] = ("won", "lost", "nurtured", "in_pipeline", "waiting")
_WON, _LOST, _NURTURED, _PIPELINE, _WAITING = range(5)

LEAD_DTYPE = np.dtype(
    [
        ("tier", np.int8),  # index into Replication.tier_names
        ("created", np.float64),  # simulation minutes
        ("first_attempt", np.float64),  # start of the first attempt; NaN if none
        ("response_business", np.float64),  # business minutes created -> first attempt
        ("attempts", np.int16),
        ("contacted", np.float64),  # start of the attempt that reached the lead; NaN if never
        ("qualified", np.bool_),
        ("opportunity", np.bool_),
        ("state", np.int8),  # index into STATES
        ("closed", np.float64),  # won/lost decision time; NaN otherwise
        ("value", np.float64),  # deal value if won or in_pipeline, else 0
        ("abandoned", np.float64),  # left the queue (patience ran out) at; NaN otherwise
        ("seller", np.int32),  # index of the seller who made the first attempt; -1 if none
        # End of the first attempt's handling (talk), and of its wrap-up (= first_end without
        # wrap-up); NaN if none. They may lie past the horizon: the attempt is finished.
        ("first_end", np.float64),
        ("first_wrapup_end", np.float64),
        # The seller who owns the lead (routing.owner; by default the one who made the first
        # attempt, = seller); -1 if none.
        ("owner", np.int32),
        ("conversations", np.int16),  # conversations held with the lead (0 if never reached)
    ]
)
"""One record per lead: 88 bytes (100,000 leads are 8.8 MB per replication held)."""

#: The record fields the metrics read (:mod:`slasim.measure`: a month's metrics, its term
#: flags, the scorers'). A replication whose records are not kept builds only these.
METRIC_FIELDS: tuple[str, ...] = (
    "tier", "created", "first_attempt", "response_business", "attempts", "contacted",
    "qualified", "opportunity", "state", "closed", "value", "abandoned",
)
METRIC_DTYPE = np.dtype([(name, LEAD_DTYPE[name]) for name in METRIC_FIELDS])
"""The :data:`METRIC_FIELDS` of :data:`LEAD_DTYPE`, same types: 62 bytes a lead."""

SELLER_DTYPE = np.dtype(
    [
        ("shift", np.int16),  # index into team.shifts (or the roster's: slasim.engine.staff)
        ("available_minutes", np.float64),  # on shift minus breaks, within the horizon
        # Handling time (talk plus wrap-up) inside the seller's available intervals (so
        # <= available_minutes).
        ("busy_minutes", np.float64),
        # Handling time outside them, within the horizon: an attempt (and its wrap-up) that
        # runs into a break or past the end of the shift is finished, and that part is overtime.
        ("overtime_minutes", np.float64),
        # Occupants of the seat who left in the horizon (team.attrition; 0 without it).
        ("leavers", np.int16),
    ]
)
"""One record per seller (seat): 28 bytes.

``busy_minutes + overtime_minutes`` is the handling time of the seller's attempts, cut at the
horizon end (an attempt still running then counts up to the horizon only).
"""


#: Record fields holding a time (the others are durations, counts, flags or values).
TIME_FIELDS = (
    "created", "first_attempt", "contacted", "closed", "abandoned", "first_end",
    "first_wrapup_end",
)


def measured(records: npt.NDArray[np.void], t0: float) -> npt.NDArray[np.void]:
    """The records of the leads created from run minute ``t0`` (the horizon start) on, with
    their times made relative to it: the warm-up's leads are not in any metric."""
    kept = records[int(np.searchsorted(records["created"], t0, side="left")):].copy()
    for name in TIME_FIELDS:
        if name in (kept.dtype.names or ()):  # METRIC_DTYPE has no first_end
            kept[name] -= t0
    return kept


def lead_records(
    model: Model,
    leads: Arrivals,
    run: RunState,
    numbers: FunnelNumbers,
    patience: FloatArray | None = None,
    propensity: FloatArray | None = None,
    talks: conversations.Talks | None = None,
    factors: SeatFactors | None = None,
    dtype: np.dtype[np.void] = LEAD_DTYPE,
) -> npt.NDArray[np.void]:
    """Per-lead records; the funnel after contact is resolved here, vectorised, with the
    funnel uniforms and deal normals of ``numbers`` (drawn slice by slice).

    ``dtype`` is :data:`LEAD_DTYPE` or :data:`METRIC_DTYPE` (the fields the metrics read: no
    seller, owner, conversations or first attempt's end). In a :data:`LEAD_DTYPE` record the
    caller writes the first attempt's end times.

    ``propensity`` (per lead; None = the tiers' base_qualify) replaces base_qualify in the
    qualify draw of the one conversation; with follow-ups (``talks``) the loops decided
    qualification, at the conversation whose start the funnel then counts from.
    With a ramp (``factors``), the one conversation's qualify probability is multiplied by the
    conversion factor of the lead's owner at the contact time.
    """
    if dtype != LEAD_DTYPE and dtype != METRIC_DTYPE:
        raise ValueError(f"dtype(={dtype}) must be LEAD_DTYPE or METRIC_DTYPE.")
    n = len(leads)
    rec = np.zeros(n, dtype=dtype)
    rec["tier"] = leads.tier
    rec["created"] = leads.created
    rec["first_attempt"] = run.first
    rec["attempts"] = run.attempts
    rec["contacted"] = run.contact
    if dtype == LEAD_DTYPE:
        rec["seller"] = run.seller
        rec["owner"] = _owners(run, slice(None))
        rec["conversations"] = run.status == CONTACTED if talks is None else talks.held
    rec["closed"] = np.nan
    rec["abandoned"] = np.nan

    rec["response_business"] = np.nan
    # Response, nurture and the funnel in slices of leads: every step is element-wise (the
    # calendar's lookups too), so the values are those of one pass, with a dozen temporaries
    # (and the random numbers) of a slice's size instead of the month's.
    state = np.full(n, _WAITING, dtype=np.int8)
    for lo in range(0, n, FUNNEL_CHUNK):
        hi = min(n, lo + FUNNEL_CHUNK)
        first, created = run.first[lo:hi], leads.created[lo:hi]
        served = ~np.isnan(first)
        rec["response_business"][lo:hi][served] = (
            first[served] - created[served] if model.always_open
            else model.calendar.business_between(created[served], first[served])
        )
        _nurtured(model, leads, run, patience, rec, state, lo, hi)
        u, z = numbers.take(lo, hi)  # every slice: the generators move on in lead order
        ci = lo + np.flatnonzero(run.status[lo:hi] == CONTACTED)
        if len(ci):  # a slice nobody was reached in has no funnel
            _funnel(model, leads, run, rec, state, ci, lo, u, z, propensity, talks, factors)
    rec["state"] = state
    return rec


def _owners(run: RunState, leads: slice | npt.NDArray[np.intp]) -> npt.NDArray[np.int32]:
    """The owner of ``leads``: assigned at creation; otherwise (and for a lead no seat could be
    assigned to) the seller of the first attempt."""
    seller = run.seller[leads]
    if run.owner is None:
        return seller
    owner = run.owner[leads]
    return np.where(owner >= 0, owner, seller).astype(np.int32, copy=False)


def _nurtured(
    model: Model,
    leads: Arrivals,
    run: RunState,
    patience: FloatArray | None,
    rec: npt.NDArray[np.void],
    state: npt.NDArray[np.int8],
    lo: int,
    hi: int,
) -> None:
    """Marks the leads ``lo:hi`` that gave up (or are past the cut-off or their patience at the
    horizon end) as nurtured in ``state``, and writes their abandonment time into ``rec``."""
    horizon = model.run_minutes
    status, attempts, created = run.status[lo:hi], run.attempts[lo:hi], leads.created[lo:hi]
    gave_up = status == GAVE_UP
    if model.age_cutoff is not None:
        # Leads still queued for a first attempt past the cut-off at the horizon end would be
        # nurtured when next considered; count them as nurtured rather than waiting.
        gave_up |= (status == OPEN) & (attempts == 0) & (horizon - created > model.age_cutoff)
    if patience is not None:
        # Waiting for a first attempt past the deadline at the horizon end: as with the
        # cut-off, the lead has left by then (the router just never looked at it again).
        mine = patience[lo:hi]
        limit = np.inf if model.age_cutoff is None else model.age_cutoff
        never = attempts == 0
        gave_up |= never & (status == OPEN) & (horizon - created > np.minimum(mine, limit))
        # A first-attempt drop is an abandonment when the patience ran out before the cut-off.
        quit_ = gave_up & never & (mine < limit)
        rec["abandoned"][lo:hi][quit_] = (created + mine)[quit_]
    state[lo:hi][gave_up] = _NURTURED


def _funnel(
    model: Model,
    leads: Arrivals,
    run: RunState,
    rec: npt.NDArray[np.void],
    state: npt.NDArray[np.int8],
    ci: npt.NDArray[np.intp],
    lo: int,
    u_funnel: FloatArray,
    z_deal: FloatArray,
    propensity: FloatArray | None,
    talks: conversations.Talks | None,
    factors: SeatFactors | None,
) -> None:
    """Qualify, opportunity, win, deal value and close time of the contacted leads ``ci``,
    written into ``rec`` and ``state``; ``u_funnel`` and ``z_deal`` hold the slice of leads
    from ``lo`` on."""
    horizon = model.run_minutes
    t = leads.tier[ci]
    if talks is None:
        tc = run.contact[ci]
        age = tc - leads.created[ci]
        factor = np.asarray(model.qualify_curve(age), dtype=np.float64).reshape(-1)
        if factors is not None:
            factor = factor * factors.conversion_of(_owners(run, ci).astype(np.int64), tc)
        q = model.base_qualify[t] if propensity is None else propensity[ci]
        qualified = u_funnel[0, ci - lo] < q * factor
    else:
        # Decided in the loop at the conversation starting at `decided`. Undecided: still
        # waiting for a follow-up at the horizon end, or (conversations used up, or the next
        # one past the window) sent to nurture; neither qualified nor closed.
        outcome = talks.outcome[ci]
        state[ci[outcome == conversations.UNDECIDED]] = _WAITING
        state[ci[outcome == conversations.EXHAUSTED]] = _NURTURED
        decided = (outcome == conversations.QUALIFIED) | (outcome == conversations.DISQUALIFIED)
        ci, t, outcome = ci[decided], t[decided], outcome[decided]
        tc = talks.decided[ci]
        qualified = outcome == conversations.QUALIFIED
    opportunity = qualified & (u_funnel[1, ci - lo] < model.opportunity_rate[t])
    won = opportunity & (u_funnel[2, ci - lo] < model.win_rate[t])
    deal = np.exp(model.deal_log_median[t] + model.deal_sigma[t] * z_deal[0, ci - lo])
    cycle_days = np.exp(model.cycle_log_median[t] + model.cycle_sigma[t] * z_deal[1, ci - lo])
    close = tc + cycle_days * 1440.0
    pipeline = opportunity & (close >= horizon)
    state[ci] = np.where(
        pipeline, _PIPELINE, np.where(won & ~pipeline, _WON, _LOST)
    ).astype(np.int8)
    rec["qualified"][ci] = qualified
    rec["opportunity"][ci] = opportunity
    # Lost before an opportunity: decided at contact; opportunities close after the cycle.
    rec["closed"][ci] = np.where(opportunity, np.where(pipeline, np.nan, close), tc)
    # In the pipeline the drawn deal value is kept whatever the win draw: metrics weight it.
    rec["value"][ci] = np.where(pipeline | won, deal, 0.0)
