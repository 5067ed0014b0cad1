"""One replication: :func:`run_replication` simulates one period of a compiled
:class:`~slasim.engine.compile.Model` and returns a compact :class:`Replication` (one
:data:`~slasim.engine.records.LEAD_DTYPE` record per lead, or a
:data:`~slasim.engine.records.METRIC_DTYPE` record with ``only_metrics``; one
:data:`~slasim.engine.records.SELLER_DTYPE` record per seller).

It draws the replication's random numbers, takes the breaks and vacancies out of the sellers'
intervals, runs an event loop (:mod:`slasim.engine.eventloop`, or the simpy reference
:mod:`slasim.engine.simpyloop`) and builds the records (:mod:`slasim.engine.records`).

Random streams and common random numbers
----------------------------------------
The replication's SeedSequence is split into named children -- ``arrivals``, ``handling``,
``outcomes``, ``shrinkage``, ``deals``, ``patience``, ``wrapup``, ``attrition``,
``conversations``, ``owners`` (the same children as ``seed.spawn(10)`` on a fresh
sequence, derived without mutating ``seed``; new streams are only ever appended, so the
existing ones keep their numbers). Lead ``i`` is the ``i``-th lead by creation time.
Per-lead numbers are drawn in blocks indexed by attempt and lead, so lead ``i``'s attempt ``k``
uses the same numbers whatever the routing, staffing or shifts:

- ``outcomes/0``: contact uniforms, shape ``(max_attempts, n)``;
- ``outcomes/1``: funnel uniforms (qualify, opportunity, win), shape ``(3, n)``;
- ``handling/0`` and ``handling/1``: conversation and unanswered handling times,
  shape ``(max_attempts, n)`` each, so both outcomes of an attempt have a fixed duration;
- ``deals``: standard normals for deal value and sales cycle, shape ``(2, n)``; this block
  and ``outcomes/1`` are handed out slice by slice as the records are built, with the
  blocks' values (:class:`~slasim.engine.funnel_numbers.FunnelNumbers`);
- ``shrinkage/j/i``: the random breaks of seller ``i`` of shift ``j`` (of ``team.shifts``, or a
  shift of ``team.roster``: see :mod:`slasim.engine.staff`;
  :func:`~slasim.engine.breaks.shrinkage_breaks`), so adding a seller does not move anybody
  else's breaks; breaks by rule (``team.breaks``) draw nothing;
- ``patience``: standard exponentials, shape ``(n,)``, drawn only when the scenario has a
  patience (``routing.patience`` or ``routing.patience_minutes``) and turned into patiences by
  its law (:mod:`slasim.engine.patience`: the exponential scales them by the mean, the other
  laws take their quantile, ``inf`` for leads that never abandon), so switching patience on
  moves no other stream's numbers;
- ``wrapup/0`` and ``wrapup/1``: wrap-up (after-call work) after a reached and after an
  unanswered attempt, shape ``(max_attempts, n)`` each, drawn only when
  ``team.wrapup_conversation`` / ``team.wrapup_unanswered`` is set;
- ``owners``: one uniform per lead, shape ``(n,)``, drawn only with ``routing.owner =
  "weighted"`` (the owner drawn at creation, :mod:`slasim.engine.ownership`);
- ``attrition/s``: seat ``s``'s times to leave (standard exponentials, one per occupant in
  turn; :mod:`slasim.engine.tenure`), drawn only when ``team.attrition`` is set.

Sellers over time (:mod:`slasim.model.people`, :mod:`slasim.engine.tenure`): a seller index is a
seat; hires are seats after the shifts' seats, working from their start date. With ``team.ramp``
an attempt's duration (talk + wrap-up) is multiplied by its seller's handling factor at the
attempt's start, in the two Python loops (the compiled loop falls back to them), and a contacted
lead's qualify probability by its owner's conversion factor at the contact time
(:func:`~slasim.engine.records.lead_records`). With ``team.attrition`` a seat's intervals lose
the vacancy from a leave to the replacement's first day before the loop runs.

Wrap-up is busy time of the seller who made the attempt: it is added to the attempt's
handling time before the loop runs, so the three loops see one duration (talk + wrap-up), the
seller is free only at its end, utilisation and overtime include it, and the cadence spacing to
the next attempt counts from the end of the wrap-up. The records keep the first attempt's
seller, the end of its talk (``first_end``) and of its wrap-up (``first_wrapup_end``).

Blocks are filled attempt-row by attempt-row, so a scenario with more ``max_attempts`` also
shares the first attempts' numbers. Two scenarios that differ only in staffing or routing
therefore see identical leads (same ``created``, ``tier``) and identical per-attempt luck.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from slasim.engine import conversations, eventloop, simpyloop
from slasim.engine.arrivals import generate_arrivals
from slasim.engine.breaks import merge_touching, shrinkage_breaks, shrinkage_breaks_each
from slasim.engine.compile import Model
from slasim.engine.funnel_numbers import FunnelNumbers
from slasim.engine.ownership import assign_owners
from slasim.engine.records import (
    LEAD_DTYPE,
    METRIC_DTYPE,
    SELLER_DTYPE,
    lead_records,
    measured,
)
from slasim.engine.routing import CONTACTED, RunState
from slasim.engine.tenure import SeatFactors, Turnover, seat_factors, turnover

__all__ = ["STREAMS", "Replication", "run_replication"]

#: Named children of the replication SeedSequence, in spawn order.
STREAMS: tuple[str, ...] = (
    "arrivals", "handling", "outcomes", "shrinkage", "deals", "patience", "wrapup",
    "attrition", "conversations", "owners",
)


@dataclass(frozen=True, eq=False)
class Replication:
    """Result of one simulated period.

    Attributes
    ----------
    leads
        One :data:`LEAD_DTYPE` record per lead, sorted by creation time (a
        :data:`METRIC_DTYPE` record with ``only_metrics``).
    sellers
        One :data:`SELLER_DTYPE` record per seller.
    horizon_minutes
        Length of the period in minutes.
    tier_names
        Names of the tiers, in ``leads["tier"]`` index order.
    """

    leads: npt.NDArray[np.void]
    sellers: npt.NDArray[np.void]
    horizon_minutes: float
    tier_names: tuple[str, ...]


# -- random streams ----------------------------------------------------------------------


def _child(seed: np.random.SeedSequence, *key: int) -> np.random.SeedSequence:
    # Same as seed.spawn(...)[key] on a fresh sequence, but pure: calling run_replication twice
    # with one SeedSequence object must give the same result.
    return np.random.SeedSequence(
        seed.entropy, spawn_key=(*seed.spawn_key, *key), pool_size=seed.pool_size
    )


def _stream(seed: np.random.SeedSequence, name: str, *key: int) -> np.random.Generator:
    return np.random.default_rng(_child(seed, STREAMS.index(name), *key))


# -- sellers -----------------------------------------------------------------------------


def _seller_intervals(
    model: Model, seed: np.random.SeedSequence
) -> list[list[tuple[float, float]]]:
    # Breaks by rule are already out of seller_days (prepare); random shrinkage blocks come on
    # what is left: team.shrinkage is then the share of the time after breaks lost to absence.
    own = model.seller_days
    if own is None and model.shrinkage <= 0:
        merged = [merge_touching(days) for days in model.shift_days]
        return [merged[j] for j in model.seller_shift.tolist()]
    shift, rank = model.seller_shift.tolist(), model.seller_rank.tolist()
    if own is None:
        # Shrinkage on shared days: each shift's sellers in one pass (their own streams).
        pieces: list[npt.NDArray[np.float64]] = [np.empty((0, 2))] * len(shift)
        for j, days in enumerate(model.shift_days):
            mine = [s for s, sj in enumerate(shift) if sj == j]
            rngs = [_stream(seed, "shrinkage", j, rank[s]) for s in mine]
            cuts = shrinkage_breaks_each(days, model.shrinkage, rngs)
            for s, cut in zip(mine, cuts, strict=True):
                pieces[s] = cut
        return [merge_touching(p) for p in pieces]
    out = []
    for s, (j, r) in enumerate(zip(shift, rank, strict=True)):
        days = own[s]
        if model.shrinkage > 0:
            days = shrinkage_breaks(days, model.shrinkage, _stream(seed, "shrinkage", j, r))
        out.append(merge_touching(days))
    return out


def _people(
    model: Model, seed: np.random.SeedSequence, shifts: list[list[tuple[float, float]]]
) -> tuple[Turnover | None, SeatFactors | None]:
    """Attrition and ramp of one replication: who occupies each seat when (the seats'
    intervals in ``shifts`` lose the vacancies, in place) and the ramp's factors per seat."""
    n = model.n_sellers
    first = model.seller_start if model.seller_start is not None else np.full(n, -math.inf)
    turn = None
    occupants: list[list[float]] = [[t] for t in first.tolist()]
    if model.attrition is not None:
        rate, replace = model.attrition
        own = model.seller_days
        days = own if own is not None else [model.shift_days[j] for j in model.seller_shift]
        turn = turnover(
            first.tolist(), days, model.calendar.day_start, rate, replace,
            lambda s: _stream(seed, "attrition", s),
        )
        occupants = list(turn.starts)
        for s, (starts, leaves) in enumerate(zip(turn.starts, turn.leaves, strict=True)):
            gone = [
                (a, starts[k + 1] if k + 1 < len(starts) else math.inf)
                for k, a in enumerate(leaves) if a < math.inf
            ]
            gone = [(a, b) for a, b in gone if b > a]  # a same-day replacement: no vacancy
            if gone:
                shifts[s] = _without(shifts[s], gone)
    factors = None if model.ramp is None else seat_factors(model.ramp, occupants)
    return turn, factors


def _without(
    ivs: list[tuple[float, float]], gaps: list[tuple[float, float]]
) -> list[tuple[float, float]]:
    """The parts of the sorted intervals ``ivs`` outside every ``[a, b)`` of ``gaps``."""
    out = []
    for x, y in ivs:
        pieces = [(x, y)]
        for a, b in gaps:
            pieces = [
                p for u, v in pieces
                for p in ((u, min(v, a)), (max(u, b), v)) if p[1] > p[0]
            ]
        out += pieces
    return out


# -- replication ------------------------------------------------------------------------


def _first_ends(
    run: RunState,
    talk: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
    handling: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
    factors: SeatFactors | None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The end of each lead's first attempt (talk) and of its wrap-up (the loops' own sum,
    start + talk + wrap-up, so exactly when the seller was free); ``talk`` and ``handling``
    hold the first attempt's (reached, unanswered) durations, ``factors`` the ramp's handling
    factors when they slow the attempts."""
    # The first attempt reached the lead iff the lead is contacted after one attempt (a
    # contacted lead gets no further attempt).
    reached = (run.status == CONTACTED) & (run.attempts == 1)
    if factors is None:
        return (run.first + np.where(reached, *talk), run.first + np.where(reached, *handling))
    # The loops' factor and the same products: the same times, bit for bit.
    f = factors.handling_of(run.seller.astype(np.int64), run.first)
    return (run.first + np.where(reached, *talk) * f, run.first + np.where(reached, *handling) * f)


def run_replication(
    model: Model, seed: np.random.SeedSequence, *, loop: str = "fast",
    only_metrics: bool = False,
) -> Replication:
    """Simulate one period of ``model`` with the random streams of ``seed``.

    ``loop="fast"`` runs the event loop of :mod:`slasim.engine.eventloop`; ``loop="simpy"`` runs the
    reference (:mod:`slasim.engine.simpyloop`), the same model on a :class:`simpy.Environment`.
    Their records are identical. ``only_metrics=True`` builds only the fields the metrics read
    (:data:`~slasim.engine.records.METRIC_DTYPE`, 62 of 88 bytes a lead), with the same values.
    """
    if loop not in ("fast", "python", "simpy"):
        raise ValueError(f"loop(={loop!r}) must be 'fast', 'python' or 'simpy'")
    if model.trace is not None:
        leads = model.trace
    else:
        assert model.arrivals is not None
        leads = generate_arrivals(model.arrivals, _stream(seed, "arrivals"))
    n = len(leads)
    m = model.max_attempts
    u_contact = _stream(seed, "outcomes", 0).random((m, n))
    # The funnel's uniforms and deal normals are drawn slice by slice as the records are built.
    numbers = FunnelNumbers(
        lambda: _stream(seed, "outcomes", 1), lambda: _stream(seed, "deals"), n
    )
    h_conv = model.conversation.draw(_stream(seed, "handling", 0), (m, n))
    h_unans = model.unanswered.draw(_stream(seed, "handling", 1), (m, n))
    # The first attempt's talk, for the records (the loops see talk + wrap-up as one duration).
    # Copies only when wrap-up is added to the blocks below (else the rows are the talk), and
    # not at all for records without the first attempt's end times (only_metrics).
    wrapped = not only_metrics and model.wrapup_conversation is not None
    talk_conv = h_conv[0].copy() if wrapped else h_conv[0]
    wrapped = not only_metrics and model.wrapup_unanswered is not None
    talk_unans = h_unans[0].copy() if wrapped else h_unans[0]
    if model.wrapup_conversation is not None:
        model.wrapup_conversation.add_to(_stream(seed, "wrapup", 0), h_conv)
    if model.wrapup_unanswered is not None:
        model.wrapup_unanswered.add_to(_stream(seed, "wrapup", 1), h_unans)
    shifts = _seller_intervals(model, seed)
    turn = factors = None
    if model.attrition is not None or model.ramp is not None:
        turn, factors = _people(model, seed, shifts)
    slow = factors.handling_at if factors is not None and factors.slows else None
    patience = deadline = None
    if model.patience is not None:
        patience = model.patience.draw(_stream(seed, "patience"), n)
        deadline = leads.created + patience
        if model.age_cutoff is not None:
            deadline = np.minimum(deadline, leads.created + model.age_cutoff)

    owners = None
    if model.owner_rule != "first_attempt":
        owners = assign_owners(
            model.owner_rule, leads.created, shifts, model.owner_weights,
            _stream(seed, "owners") if model.owner_rule == "weighted" else None,
        )

    # Propensities and follow-up conversations: stream "conversations", drawn only when on.
    propensity, talks = conversations.draw(
        model, leads.tier, leads.created, numbers.qualify_row,
        lambda k: _stream(seed, "conversations", k),
    )

    if loop == "simpy":
        run = simpyloop.simulate(
            model, leads, u_contact, h_conv, h_unans, shifts, deadline, owners, talks, slow
        )
    else:
        run = eventloop.simulate(
            model, leads, u_contact, h_conv, h_unans, shifts, deadline,
            compiled=loop == "fast", owners=owners, talks=talks, slow=slow,
        )
    # The metrics do not read the first attempt's end times (only_metrics).
    ends = None if only_metrics else _first_ends(
        run, (talk_conv, talk_unans), (h_conv[0], h_unans[0]),
        None if slow is None else factors,
    )
    # 24 bytes per lead and attempt, and 8 per lead each: not held with the records.
    del u_contact, h_conv, h_unans, talk_conv, talk_unans, deadline

    records = lead_records(
        model, leads, run, numbers, patience, propensity, talks, factors,
        METRIC_DTYPE if only_metrics else LEAD_DTYPE,
    )
    if ends is not None:
        records["first_end"], records["first_wrapup_end"] = ends
    t0 = model.warmup_minutes
    if t0 > 0:
        records = measured(records, t0)
    sellers = np.zeros(len(shifts), dtype=SELLER_DTYPE)
    sellers["shift"] = model.seller_shift
    # Available minutes from the horizon start on (without warm-up: whole intervals).
    sellers["available_minutes"] = [
        sum(b - (a if a > t0 else t0) for a, b in ivs if b > t0) for ivs in shifts
    ]
    sellers["busy_minutes"] = run.busy
    sellers["overtime_minutes"] = run.overtime
    if turn is not None:
        sellers["leavers"] = turn.leavers(t0, model.run_minutes)
    return Replication(records, sellers, model.horizon_minutes, model.tier_names)
