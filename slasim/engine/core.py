"""The simulation model of one replication: leads, sellers, attempts, routing, funnel.

:func:`prepare` compiles a :class:`~slasim.scenario.schema.Scenario` into a picklable :class:`Model`
(calendar, arrival rates, curves, shift patterns, tier parameters as arrays);
:func:`run_replication` simulates one period and returns a compact :class:`Replication`
(one :data:`LEAD_DTYPE` record per lead, one :data:`SELLER_DTYPE` record per seller).

Event model
-----------
simpy's :class:`~simpy.Environment` is the event calendar of the reference loop
(``run_replication(..., loop="simpy")``), used callback-style: every event is a tiny slotted
object with one callback, scheduled with ``env.schedule``; there is no generator process per
lead. The default loop, :func:`slasim.engine.eventloop.simulate`, runs the same handlers on a plain
heap in simpy's event order, ~3x faster, with identical records (tested).

Events are attempt completions and seller interval starts/ends, plus one "wake" event kept
pending while some seller is idle. Lead creations (a sorted array) and
retries (a heap of due times) are not events of their own: every handler first admits, in time
order, everything created or due up to its own time into the ready queue, so the queue order is
exactly entry-time order, as if each had its own event; the wake event makes sure an idle seller
sees new work at the moment it appears. While every seller is busy or off shift (a backlog, a
night) leads and retries therefore cost no events at all.

Routing takes a task (lead ``i``, its next attempt) from the ready queue: ``fifo`` (earliest
entry), ``newest_first`` (latest entry), ``tier_priority`` (fifo within the tier order) or
``value_index``: the tier head with the largest
``value * base_contact * f(age) * mu(age) / max(theta(age), 1e-9)`` (Atar, Giat & Shimkin 2010),
where ``value = opportunity_rate * win_rate * deal mean * base_qualify``, ``f`` is the product
of the contact and qualify curves, ``theta`` the sum of their decay rates and ``mu`` the service
rate ``1 / E[handling + wrap-up]`` at the current contact probability. With lead ownership
(``routing.owner`` / ``keep_owner``, :mod:`slasim.engine.ownership`) each seat also has a queue of
its
own, and a seller takes from it and the shared queue in that order of the policy.

An attempt's contact outcome is decided at its start (age = start - created); the funnel of a
contacted lead (qualified, opportunity, won, deal value, close time) depends only on the contact
time and per-lead random numbers, so it is computed vectorised after the run.

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
- ``deals``: standard normals for deal value and sales cycle, shape ``(2, n)``;
- ``shrinkage/j/i``: the random breaks of seller ``i`` of shift ``j`` (of ``team.shifts``, or a
  shift of ``team.roster``: see :mod:`slasim.engine.staff`), so adding a seller does not move
  anybody
  else's breaks; breaks by rule (``team.breaks``) draw nothing;
- ``patience``: standard exponentials, shape ``(n,)``, drawn only when the scenario has a
  patience (``routing.patience`` or ``routing.patience_minutes``) and turned into patiences by
  its law (:mod:`slasim.engine.patience`: the exponential scales them by the mean, the other laws
  take
  their quantile, ``inf`` for leads that never abandon), so switching patience on moves no other
  stream's numbers;
- ``wrapup/0`` and ``wrapup/1``: wrap-up (after-call work) after a reached and after an
  unanswered attempt, shape ``(max_attempts, n)`` each, drawn only when
  ``team.wrapup_conversation`` / ``team.wrapup_unanswered`` is set;
- ``owners``: one uniform per lead, shape ``(n,)``, drawn only with ``routing.owner =
  "weighted"`` (the owner drawn at creation, :mod:`slasim.engine.ownership`);
- ``attrition/s``: seat ``s``'s times to leave (standard exponentials, one per occupant in
  turn; :mod:`slasim.engine.tenure`), drawn only when ``team.attrition`` is set.

Sellers over time (:mod:`slasim.model.people`, :mod:`slasim.engine.tenure`): a seller index is a
seat; hires
are seats after the shifts' seats, working from their start date. With ``team.ramp`` an attempt's
duration (talk + wrap-up) is multiplied by its seller's handling factor at the attempt's start,
in the two Python loops (the compiled loop falls back to them), and a contacted lead's qualify
probability by its owner's conversion factor at the contact time (:func:`_lead_records`). With
``team.attrition`` a seat's intervals lose the vacancy from a leave to the replacement's first
day before the loop runs.

Wrap-up is busy time of the seller who made the attempt: it is added to the attempt's
handling time before the loop runs, so the three loops see one duration (talk + wrap-up), the
seller is free only at its end, utilisation and overtime include it, and the cadence spacing to
the next attempt counts from the end of the wrap-up. The records keep the first attempt's
seller, the end of its talk (``first_end``) and of its wrap-up (``first_wrapup_end``).

Patience (Erlang A abandonment) is lazy like the age cut-off: lead ``i`` gets a deadline
``created + patience_i`` (the earlier of that and the cut-off), and a router that meets it
past its deadline before its first attempt drops it as ``nurtured`` (recording ``abandoned``).
Under FIFO this is exactly an abandonment at the deadline, since a lead that has left never
blocks anyone; the no-patience path is unchanged.

Blocks are filled attempt-row by attempt-row, so a scenario with more ``max_attempts`` also
shares the first attempts' numbers. Two scenarios that differ only in staffing or routing
therefore see identical leads (same ``created``, ``tier``) and identical per-attempt luck.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from heapq import heappop, heappush
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import simpy
from simpy.events import NORMAL

from slasim.engine import conversations, eventloop
from slasim.engine.arrivals import (
    ArrivalPlan,
    Arrivals,
    arrival_plan,
    generate_arrivals,
    load_trace,
)
from slasim.engine.breaks import merge_touching as _merge_touching
from slasim.engine.breaks import rule_breaks, shrinkage_breaks
from slasim.engine.ownership import assign_owners
from slasim.engine.patience import PatienceLaw, patience_law
from slasim.engine.routing import CONTACTED, GAVE_UP, OPEN, RunState, floats, ints, router
from slasim.engine.staff import staffing
from slasim.engine.tenure import SeatFactors, Turnover, seat_factors, turnover
from slasim.errors import InputError
from slasim.model.calendar import BusinessCalendar
from slasim.model.decay import DecayCurve, ExponentialDecay, FlatDecay
from slasim.model.people import ramp_curve
from slasim.scenario.schema import DAYS_PER_MONTH, Distribution, Scenario

__all__ = [
    "LEAD_DTYPE",
    "SELLER_DTYPE",
    "STATES",
    "STREAMS",
    "Handling",
    "Model",
    "Replication",
    "prepare",
    "run_replication",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Final state of a lead; ``LEAD_DTYPE["state"]`` indexes into this tuple.
STATES: tuple[str, ...] = ("won", "lost", "nurtured", "in_pipeline", "waiting")
_WON, _LOST, _NURTURED, _PIPELINE, _WAITING = range(5)

#: Named children of the replication SeedSequence, in spawn order.
STREAMS: tuple[str, ...] = (
    "arrivals", "handling", "outcomes", "shrinkage", "deals", "patience", "wrapup",
    "attrition", "conversations", "owners",
)

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

@dataclass(frozen=True)
class Handling:
    """A handling-time distribution (minutes) that draws whole blocks at once."""

    dist: str
    mean: float
    cv: float

    @classmethod
    def of(cls, spec: Distribution) -> Handling:
        return cls(spec.dist, float(spec.mean_minutes), float(spec.cv))

    def draw(self, rng: np.random.Generator, shape: tuple[int, int]) -> FloatArray:
        """Block of handling times; rows are attempts, columns leads."""
        if self.dist == "fixed":
            return np.full(shape, self.mean)
        if self.dist == "exponential":
            return rng.standard_exponential(shape) * self.mean  # cv is 1 by definition
        if self.dist == "lognormal":
            s2 = math.log1p(self.cv**2)
            z = rng.standard_normal(shape)
            return np.exp(z * math.sqrt(s2) + (math.log(self.mean) - s2 / 2))
        if self.dist == "gamma":
            k = 1.0 / self.cv**2
            return rng.standard_gamma(k, shape) * (self.mean / k)
        raise ValueError(f"dist(={self.dist!r}) must be fixed, exponential, lognormal or gamma")


@dataclass(frozen=True, eq=False)
class Model:
    """Everything that stays the same between replications (picklable).

    Per-tier arrays are indexed like ``tier_names``; seller arrays list sellers shift by shift.
    Times inside the model (``calendar``, ``arrivals``, ``trace``, ``shift_days``) are minutes
    of the simulated run, from the warm-up start: the horizon runs from ``warmup_minutes`` to
    ``run_minutes``. Without warm-up (``horizon.warmup_days = 0``) both frames are the same.
    """

    name: str
    tier_names: tuple[str, ...]
    horizon_minutes: float  # length of the measured period (the horizon)
    warmup_minutes: float  # run minute at which the horizon starts; 0 without warm-up
    run_minutes: float  # run minute at which the horizon ends
    calendar: BusinessCalendar  # of the whole run
    always_open: bool  # calendar open 24/7 over the whole horizon: skip calendar math
    arrivals: ArrivalPlan | None  # None when a trace is replayed
    trace: Arrivals | None
    base_contact: FloatArray
    base_qualify: FloatArray
    opportunity_rate: FloatArray
    win_rate: FloatArray
    deal_log_median: FloatArray
    deal_sigma: FloatArray
    deal_mean: FloatArray
    cycle_log_median: FloatArray  # days
    cycle_sigma: FloatArray
    contact_curve: DecayCurve
    qualify_curve: DecayCurve
    conversation: Handling
    unanswered: Handling
    wrapup_conversation: Handling | None  # after-call work; None = no wrap-up
    wrapup_unanswered: Handling | None
    max_attempts: int
    gaps: tuple[float, ...]  # gaps[k - 1]: minutes from the end of attempt k to attempt k + 1
    business_gaps: bool
    window_minutes: float
    policy: str
    age_cutoff: float | None
    patience: PatienceLaw | None  # routing.patience (or patience_minutes); None = infinite
    tier_rank: tuple[int, ...]  # tier indices in priority order
    seller_shift: IntArray
    seller_rank: IntArray  # index of the seller within its shift
    shift_days: tuple[FloatArray, ...]  # per shift: (k, 2) working intervals, one per day
    shrinkage: float
    # Per seller, (k, 2) working intervals before random shrinkage: from team.roster (sellers
    # of one roster shift may work different days) and/or less the breaks by rule of
    # team.breaks (deterministic, so placed once here); None: every seller works its shift's
    # shift_days.
    seller_days: tuple[FloatArray, ...] | None = None
    # routing.owner / keep_owner (slasim.engine.ownership); owner_weights: per seat, for "weighted".
    owner_rule: str = "first_attempt"
    owner_weights: tuple[float, ...] = ()
    keep_owner: bool = False
    # Repeated conversations (slasim.engine.conversations): per tier the propensity concentration
    # (NaN = none; None when no tier has one) and the disqualify rate; conversations per
    # reached lead at most, and the gap to a follow-up in minutes.
    concentration: FloatArray | None = None
    disqualify_rate: FloatArray = field(default_factory=lambda: np.zeros(0))
    max_conversations: int = 1
    follow_up_minutes: float = 2880.0
    # Per seller, the minute its tenure is 0 (-inf: fully ramped); None: everybody ramped.
    seller_start: FloatArray | None = None
    ramp: tuple[tuple[float, ...], tuple[float, ...]] | None = None  # (handling, conversion)
    # team.attrition as (hazard per minute, replacement days or None); None: nobody leaves.
    attrition: tuple[float, int | None] | None = None

    @property
    def slows_handling(self) -> bool:
        """Whether the ramp changes attempt durations (the loops then apply it per attempt)."""
        return self.ramp is not None and any(f != 1.0 for f in self.ramp[0])

    @property
    def n_sellers(self) -> int:
        return int(self.seller_shift.shape[0])

    @property
    def owned(self) -> bool:
        """Whether some attempt waits in a seat's own queue (else one shared queue)."""
        return self.owner_rule != "first_attempt" or self.keep_owner

    @property
    def has_wrapup(self) -> bool:
        return self.wrapup_conversation is not None or self.wrapup_unanswered is not None

    def work_means(self) -> tuple[float, float]:
        """Mean seller minutes per attempt (reached, unanswered): handling plus wrap-up."""
        wc, wu = self.wrapup_conversation, self.wrapup_unanswered
        return (
            self.conversation.mean + (wc.mean if wc is not None else 0.0),
            self.unanswered.mean + (wu.mean if wu is not None else 0.0),
        )


@dataclass(frozen=True, eq=False)
class Replication:
    """Result of one simulated period.

    Attributes
    ----------
    leads
        One :data:`LEAD_DTYPE` record per lead, sorted by creation time.
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


# -- prepare -------------------------------------------------------------------------------


def prepare(scenario: Scenario) -> Model:
    """Compile ``scenario`` into a :class:`Model` for :func:`run_replication`."""
    cal = scenario.business_calendar(warmup=True)
    horizon = float(cal.horizon_minutes)  # the run's end
    warmup_days = scenario.horizon.warmup_days
    warmup = float(cal.day_start[warmup_days])
    measured = scenario.business_calendar().horizon_minutes if warmup_days else horizon
    tiers = list(scenario.tiers.values())
    names = tuple(scenario.tiers)
    if len(names) > 127:
        raise ValueError(f"scenario has {len(names)} tiers; at most 127 fit the int8 tier field")

    def arr(values: list[float]) -> FloatArray:
        return np.array(values, dtype=np.float64)

    iv = cal.open_intervals
    always_open = iv.shape[0] == 1 and iv[0, 0] <= 0.0 and iv[0, 1] >= horizon
    contact, qualify = scenario.decay.curves()
    cadence = scenario.cadence
    team = scenario.team
    # One construction of the sellers for the engine, check and plan (slasim.engine.staff), in run
    # minutes like cal: a roster's per-seller days, or each shift's days shared by its sellers.
    staff = staffing(scenario, warmup=True)
    shift_days = list(staff.group_days)
    seller_shift = staff.seller_group.tolist()
    seller_rank = staff.seller_rank.tolist()
    # Per-seller days when sellers of a shift differ: a roster, hires, planned leavers.
    seller_days = None if staff.uniform else staff.seller_days
    if team.breaks is not None:
        on_duty = seller_days or tuple(shift_days[j] for j in seller_shift)
        seller_days = tuple(
            _frozen(rule_breaks(_merge_touching(days), team.breaks, s))
            for s, days in enumerate(on_duty)
        )
    order = scenario.tier_order()
    rules = scenario.routing
    return Model(
        name=scenario.name,
        tier_names=names,
        horizon_minutes=float(measured),
        warmup_minutes=warmup,
        run_minutes=horizon,
        calendar=cal,
        always_open=bool(always_open),
        arrivals=None if scenario.trace else arrival_plan(scenario, warmup=True),
        trace=load_trace(scenario, warmup=True) if scenario.trace else None,
        base_contact=arr([t.base_contact for t in tiers]),
        base_qualify=arr([t.base_qualify for t in tiers]),
        opportunity_rate=arr([t.opportunity_rate for t in tiers]),
        win_rate=arr([t.win_rate for t in tiers]),
        deal_log_median=np.log(arr([t.deal_size.median for t in tiers])),
        deal_sigma=arr([t.deal_size.sigma for t in tiers]),
        deal_mean=arr([t.deal_size.mean for t in tiers]),
        cycle_log_median=np.log(arr([t.sales_cycle_days.median for t in tiers])),
        cycle_sigma=arr([t.sales_cycle_days.sigma for t in tiers]),
        contact_curve=contact,
        qualify_curve=qualify,
        conversation=Handling.of(team.handling_conversation),
        unanswered=Handling.of(team.handling_unanswered),
        wrapup_conversation=(
            Handling.of(team.wrapup_conversation) if team.wrapup_conversation else None
        ),
        wrapup_unanswered=Handling.of(team.wrapup_unanswered) if team.wrapup_unanswered else None,
        max_attempts=cadence.max_attempts,
        gaps=tuple(cadence.spacing(k) for k in range(1, cadence.max_attempts)),
        # On a 24/7 calendar business minutes are wall minutes: skip the calendar lookups.
        business_gaps=cadence.business_hours_only and not always_open,
        window_minutes=cadence.window_days * 1440.0,
        policy=scenario.routing.policy,
        age_cutoff=scenario.routing.age_cutoff_minutes,
        patience=patience_law(scenario.routing.patience_spec()),
        tier_rank=tuple(names.index(t) for t in order),
        seller_shift=np.array(seller_shift, dtype=np.int64),
        seller_rank=np.array(seller_rank, dtype=np.int64),
        shift_days=tuple(shift_days),
        shrinkage=team.shrinkage,
        seller_days=seller_days,
        owner_rule=rules.owner,
        owner_weights=_seat_weights(scenario, staff.group_names, seller_shift),
        keep_owner=rules.keep_owner,
        concentration=(
            arr([np.nan if t.propensity_concentration is None else t.propensity_concentration
                 for t in tiers])
            if any(t.propensity_concentration is not None for t in tiers) else None
        ),
        disqualify_rate=arr([t.disqualify_rate for t in tiers]),
        max_conversations=cadence.max_conversations,
        follow_up_minutes=cadence.follow_up_days * 1440.0,
        seller_start=staff.seller_start,
        ramp=ramp_curve(team.ramp),
        attrition=(
            None if team.attrition is None else (
                team.attrition.monthly_rate / (DAYS_PER_MONTH * 1440.0),
                team.attrition.replacement_days,
            )
        ),
    )


def _seat_weights(
    scenario: Scenario, group_names: tuple[str, ...], seller_shift: list[int]
) -> tuple[float, ...]:
    """Per seat, the routing.owner_weights of its shift (1 if not listed); () unless weighted."""
    weights = scenario.routing.owner_weights or {}
    if scenario.routing.owner != "weighted":
        return ()
    unknown = [name for name in weights if name not in group_names]
    if unknown:  # team.shifts names are checked by the schema; a roster's only here
        raise InputError.single(
            scenario.team.roster or scenario.name, "routing.owner_weights",
            f"names shift(s) {unknown}; expected shift names of the roster {list(group_names)}",
        )
    return tuple(float(weights.get(group_names[j], 1.0)) for j in seller_shift)


# -- random streams ------------------------------------------------------------------------


def _child(seed: np.random.SeedSequence, *key: int) -> np.random.SeedSequence:
    # Same as seed.spawn(...)[key] on a fresh sequence, but pure: calling run_replication twice
    # with one SeedSequence object must give the same result.
    return np.random.SeedSequence(
        seed.entropy, spawn_key=(*seed.spawn_key, *key), pool_size=seed.pool_size
    )


def _stream(seed: np.random.SeedSequence, name: str, *key: int) -> np.random.Generator:
    return np.random.default_rng(_child(seed, STREAMS.index(name), *key))


# -- sellers -------------------------------------------------------------------------------


def _frozen(a: FloatArray) -> FloatArray:
    a.setflags(write=False)
    return a


def _seller_intervals(
    model: Model, seed: np.random.SeedSequence
) -> list[list[tuple[float, float]]]:
    # Breaks by rule are already out of seller_days (prepare); random shrinkage blocks come on
    # what is left: team.shrinkage is then the share of the time after breaks lost to absence.
    own = model.seller_days
    if own is None and model.shrinkage <= 0:
        merged = [_merge_touching(days) for days in model.shift_days]
        return [merged[j] for j in model.seller_shift.tolist()]
    out = []
    for s, (j, rank) in enumerate(
        zip(model.seller_shift.tolist(), model.seller_rank.tolist(), strict=True)
    ):
        days = model.shift_days[j] if own is None else own[s]
        if model.shrinkage > 0:
            days = shrinkage_breaks(days, model.shrinkage, _stream(seed, "shrinkage", j, rank))
        out.append(_merge_touching(days))
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


# -- the event loop ------------------------------------------------------------------------


class _Due:
    """A bare simpy event: due time, one callback, and who it concerns (seller or lead)."""

    __slots__ = ("callbacks", "t", "who")
    _ok = True  # simpy's step() checks this after running the callbacks

    def __init__(self, callback: Callable[[_Due], None], t: float, who: int) -> None:
        self.callbacks = [callback]
        self.t = t
        self.who = who


def _simulate(
    model: Model,
    leads: Arrivals,
    u_contact: FloatArray,
    h_conv: FloatArray,
    h_unans: FloatArray,
    shifts: list[list[tuple[float, float]]],
    deadline: FloatArray | None = None,
    owners: npt.NDArray[np.int32] | None = None,
    talks: conversations.Talks | None = None,
    slow: Callable[[int, float], float] | None = None,
) -> RunState:
    """Run the event loop; return the in-run per-lead state.

    ``slow(s, t)``: the ramp's handling factor of seller ``s`` at minute ``t``, multiplying
    the duration of an attempt it starts then (None: no ramp).

    Pending work that is not yet in the ready queue -- leads not yet created (sorted array)
    and retries not yet due (a heap of ``(due, lead)``) -- is admitted lazily: every handler
    first moves everything due by its own time into the queue, in time order. Only while a
    seller is idle is a simpy "wake" event kept pending at the next creation or due time.
    """
    n = len(leads)
    horizon = model.run_minutes
    t0 = model.warmup_minutes  # busy and overtime minutes count from here (the horizon start)
    inf = math.inf
    n_sellers = len(shifts)
    out = RunState(
        first=np.full(n, np.nan),
        contact=np.full(n, np.nan),
        attempts=np.zeros(n, dtype=np.int16),
        status=np.zeros(n, dtype=np.int8),
        seller=np.full(n, -1, dtype=np.int32),
        busy=[0.0] * n_sellers,
        overtime=[0.0] * n_sellers,
        owner=owners,
    )
    created = floats(leads.created)
    tier = ints(leads.tier)
    first = floats(out.first)
    first_seller = ints(out.seller)
    contact_t = floats(out.contact)
    att = ints(out.attempts)
    status = ints(out.status)
    busy_acc = out.busy
    over_acc = out.overtime
    uc = [floats(row) for row in u_contact]
    hc = [floats(row) for row in h_conv]
    hu = [floats(row) for row in h_unans]
    p0 = model.base_contact.tolist()
    max_att = model.max_attempts
    gaps = model.gaps
    window = model.window_minutes
    add_business = model.calendar.business_adder()
    business_gaps = model.business_gaps

    # Contact probability at an age: inline the common curves (a call costs more than the math).
    curve = model.contact_curve
    mode = 2
    theta = floor = 0.0
    if isinstance(curve, FlatDecay):
        mode = 0
    elif isinstance(curve, ExponentialDecay):
        mode, theta, floor = 1, curve.theta, curve.floor
    exp = math.exp

    env = simpy.Environment()
    # simpy's step() only needs `callbacks` and `_ok` from an event, which _Due provides at a
    # fraction of the cost of a full simpy.Event (no __dict__, no checks).
    schedule = cast(Callable[[_Due, Any, float], None], env.schedule)

    busy = [False] * n_sellers
    on = [False] * n_sellers
    is_idle = [False] * n_sellers
    idle: deque[int] = deque()  # idle sellers, longest idle first (entries may be stale)
    pos = [0] * n_sellers
    iv_end = [0.0] * n_sellers  # end of the seller's current available interval, <= horizon
    retries: list[tuple[float, int]] = []  # heap of (due, lead)
    ai = 0  # next lead not yet admitted to the queue
    wake_at = inf  # time of the latest scheduled wake event

    owned = model.owned  # routing.owner / keep_owner: one queue per seat (slasim.engine.ownership)
    push, pick = router(
        model, created, att, status, tier, None if deadline is None else floats(deadline),
        (ints(owners) if owners is not None else first_seller) if owned else None, n_sellers,
    )

    def admit(now: float) -> None:
        # Merge creations and due retries into the queue in time order (a creation first on a
        # tie), so queue order is entry-time order exactly as if each had its own event.
        nonlocal ai
        j = ai
        while True:
            c = created[j] if j < n else inf
            if retries and retries[0][0] < c:
                if retries[0][0] > now:
                    break
                push(heappop(retries)[1])
            elif c <= now:
                push(j)
                j += 1
            else:
                break
        ai = j

    def ensure_wake(now: float) -> None:
        nonlocal wake_at
        t = created[ai] if ai < n else inf
        if retries and retries[0][0] < t:
            t = retries[0][0]
        if t < wake_at:
            wake_at = t
            schedule(_Due(on_wake, t, 0), NORMAL, t - now)

    # Follow-up conversations (slasim.engine.conversations): off = None, one test per attempt.
    decide = talks.decider() if talks is not None else None
    talk = [floats(row) for row in talks.talk] if talks is not None else []
    held = talks.held if talks is not None else None

    def book(i: int, due: float, now: float) -> None:
        if due < horizon:
            heappush(retries, (due, i))
            if idle and due < wake_at:
                ensure_wake(now)

    def follow_up(s: int, i: int, now: float) -> None:
        # A booked follow-up conversation: always reached, not an attempt. The seller's time
        # is booked as serve() books an attempt's (kept apart so serve stays as it was).
        assert decide is not None and held is not None
        d = talk[held[i] - 1][i]
        end = now + (d if slow is None else d * slow(s, now))
        book(i, decide(i, now, end), now)
        busy[s] = True
        if end < iv_end[s]:
            if now >= t0:
                busy_acc[s] += end - now
            elif end > t0:
                busy_acc[s] += end - t0
            schedule(_Due(on_done, end, s), NORMAL, end - now)
        elif end < horizon:
            schedule(_Due(on_done, end, s), NORMAL, end - now)
            split(s, now, end)
        else:
            split(s, now, horizon)

    def serve(s: int, i: int, now: float) -> None:
        if decide is not None and status[i] == CONTACTED:
            follow_up(s, i, now)
            return
        k = att[i]
        att[i] = k + 1
        if k == 0:
            first[i] = now
            first_seller[i] = s
        age = now - created[i]
        if mode == 0:
            p = p0[tier[i]]
        elif mode == 1:
            e = exp(-theta * age)
            p = p0[tier[i]] * (e + floor * (1.0 - e))
        else:
            p = p0[tier[i]] * curve(age)
        if uc[k][i] < p:
            status[i] = CONTACTED
            contact_t[i] = now
            end = now + (hc[k][i] if slow is None else hc[k][i] * slow(s, now))
            if decide is not None:
                book(i, decide(i, now, end), now)
        else:
            end = now + (hu[k][i] if slow is None else hu[k][i] * slow(s, now))
            if k + 1 >= max_att:
                status[i] = GAVE_UP
            else:
                gap = gaps[k]
                due = add_business(end, gap) if business_gaps else end + gap
                wend = created[i] + window
                # An infinite due date means "after the horizon": unknown, unless the
                # window closes inside the horizon anyway.
                if due > wend and (due < inf or wend < horizon):
                    status[i] = GAVE_UP
                elif due < horizon:
                    heappush(retries, (due, i))
                    if idle and due < wake_at:
                        ensure_wake(now)
        busy[s] = True
        if end < iv_end[s]:
            # The common case: the attempt ends inside the interval, hence before the horizon
            # (an attempt ending exactly at the interval end takes the split path: no overtime).
            if now >= t0:
                busy_acc[s] += end - now
            elif end > t0:
                busy_acc[s] += end - t0  # started in the warm-up: only its part in the horizon
            schedule(_Due(on_done, end, s), NORMAL, end - now)
        elif end < horizon:
            schedule(_Due(on_done, end, s), NORMAL, end - now)
            split(s, now, end)
        else:
            split(s, now, horizon)  # the period ends: the rest of the attempt is not in it

    def split(s: int, now: float, end: float) -> None:
        # The attempt (started inside interval pos[s]) runs past its end: only the overlap
        # with this and any later intervals it reaches is busy time; the rest is overtime.
        # Both count from t0 on: the part of an attempt in the warm-up is not in the period.
        lo = now if now >= t0 else t0
        if end <= lo:
            return
        ivs = shifts[s]
        inside = iv_end[s] - lo if iv_end[s] > lo else 0.0  # 0: started right at its end
        p = pos[s] + 1
        while p < len(ivs) and ivs[p][0] < end:
            a, b = ivs[p]
            x = (end if end < b else b) - (a if a > lo else lo)
            if x > 0.0:
                inside += x
            p += 1
        busy_acc[s] += inside
        over_acc[s] += (end - lo) - inside

    def dispatch(now: float) -> None:
        if owned:
            dispatch_owned(now)
            return
        while idle:
            s = idle.popleft()
            if not is_idle[s]:
                continue  # left behind when the seller's interval ended
            i = pick(s, now)
            if i < 0:
                idle.appendleft(s)
                ensure_wake(now)
                return
            is_idle[s] = False
            serve(s, i, now)

    def dispatch_owned(now: float) -> None:
        # Each seat has its own queue: a seller with nothing to take says nothing about the
        # next one, so every idle seller is asked (in idle order) and those left stay idle.
        left: list[int] = []
        while idle:
            s = idle.popleft()
            if not is_idle[s] or s in left:
                continue
            i = pick(s, now)
            if i < 0:
                left.append(s)
                continue
            is_idle[s] = False
            serve(s, i, now)
        if left:
            idle.extend(left)
            ensure_wake(now)

    def take_or_idle(s: int, now: float) -> None:
        if (ai < n and created[ai] <= now) or (retries and retries[0][0] <= now):
            admit(now)
        i = pick(s, now)
        if i >= 0:
            serve(s, i, now)
        else:
            idle.append(s)
            is_idle[s] = True
            ensure_wake(now)

    def on_done(ev: _Due) -> None:
        s = ev.who
        busy[s] = False
        if on[s]:
            take_or_idle(s, ev.t)

    def on_wake(ev: _Due) -> None:
        nonlocal wake_at
        now = ev.t
        if now >= wake_at:
            wake_at = inf  # this is the pending wake (an earlier one may have superseded others)
        admit(now)
        dispatch(now)

    def on_start(ev: _Due) -> None:
        s, now = ev.who, ev.t
        on[s] = True
        b = shifts[s][pos[s]][1]
        iv_end[s] = b if b < horizon else horizon
        if b < horizon:
            schedule(_Due(on_end, b, s), NORMAL, b - now)
        if not busy[s]:
            take_or_idle(s, now)

    def on_end(ev: _Due) -> None:
        # A busy seller finishes the current attempt; on_done then sees on[s] is False.
        s, now = ev.who, ev.t
        on[s] = False
        # Leave the entry in `idle` (removal is O(sellers)); dispatch skips it. If the seller is
        # idle again before it is reached, the old entry serves, slightly early in the order.
        is_idle[s] = False
        pos[s] += 1
        if pos[s] < len(shifts[s]):
            a = shifts[s][pos[s]][0]
            schedule(_Due(on_start, a, s), NORMAL, a - now)

    for s, ivs in enumerate(shifts):
        if ivs:
            schedule(_Due(on_start, ivs[0][0], s), NORMAL, ivs[0][0])
    env.run(until=horizon)
    return out


# -- replication ---------------------------------------------------------------------------


def run_replication(
    model: Model, seed: np.random.SeedSequence, *, loop: str = "fast"
) -> Replication:
    """Simulate one period of ``model`` with the random streams of ``seed``.

    ``loop="fast"`` runs the event loop of :mod:`slasim.engine.eventloop`; ``loop="simpy"`` runs the
    reference, the same model on a :class:`simpy.Environment`. Their records are identical.
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
    u_funnel = _stream(seed, "outcomes", 1).random((3, n))
    h_conv = model.conversation.draw(_stream(seed, "handling", 0), (m, n))
    h_unans = model.unanswered.draw(_stream(seed, "handling", 1), (m, n))
    # The first attempt's talk, for the records (the loops see talk + wrap-up as one duration).
    talk_conv, talk_unans = h_conv[0].copy(), h_unans[0].copy()
    if model.wrapup_conversation is not None:
        h_conv += model.wrapup_conversation.draw(_stream(seed, "wrapup", 0), (m, n))
    if model.wrapup_unanswered is not None:
        h_unans += model.wrapup_unanswered.draw(_stream(seed, "wrapup", 1), (m, n))
    z_deal = _stream(seed, "deals").standard_normal((2, n))
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
        model, leads.tier, leads.created, u_funnel[0],
        lambda k: _stream(seed, "conversations", k),
    )

    if loop == "simpy":
        run = _simulate(
            model, leads, u_contact, h_conv, h_unans, shifts, deadline, owners, talks, slow
        )
    else:
        run = eventloop.simulate(
            model, leads, u_contact, h_conv, h_unans, shifts, deadline,
            compiled=loop == "fast", owners=owners, talks=talks, slow=slow,
        )
    # The first attempt reached the lead iff the lead is contacted after one attempt (a
    # contacted lead gets no further attempt).
    reached = (run.status == CONTACTED) & (run.attempts == 1)
    if slow is None:
        first_end = run.first + np.where(reached, talk_conv, talk_unans)
        # The loops' own sum (start + talk + wrap-up), so it is exactly when the seller was free.
        first_wrapup_end = run.first + np.where(reached, h_conv[0], h_unans[0])
    else:
        assert factors is not None
        # The loops' factor and the same products: the same times, bit for bit.
        f = factors.handling_of(run.seller.astype(np.int64), run.first)
        first_end = run.first + np.where(reached, talk_conv, talk_unans) * f
        first_wrapup_end = run.first + np.where(reached, h_conv[0], h_unans[0]) * f
    del u_contact, h_conv, h_unans  # 24 bytes per lead and attempt: not held with the records
    del talk_conv, talk_unans

    records = _lead_records(
        model, leads, run, u_funnel, z_deal, patience, propensity, talks, factors
    )
    records["first_end"] = first_end
    records["first_wrapup_end"] = first_wrapup_end
    t0 = model.warmup_minutes
    if t0 > 0:
        records = _measured(records, t0)
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


#: Record fields holding a time (the others are durations, counts, flags or values).
_TIME_FIELDS = (
    "created", "first_attempt", "contacted", "closed", "abandoned", "first_end",
    "first_wrapup_end",
)


def _measured(records: npt.NDArray[np.void], t0: float) -> npt.NDArray[np.void]:
    """The records of the leads created from run minute ``t0`` (the horizon start) on, with
    their times made relative to it: the warm-up's leads are not in any metric."""
    kept = records[int(np.searchsorted(records["created"], t0, side="left")):].copy()
    for name in _TIME_FIELDS:
        kept[name] -= t0
    return kept


def _lead_records(
    model: Model,
    leads: Arrivals,
    run: RunState,
    u_funnel: FloatArray,
    z_deal: FloatArray,
    patience: FloatArray | None = None,
    propensity: FloatArray | None = None,
    talks: conversations.Talks | None = None,
    factors: SeatFactors | None = None,
) -> npt.NDArray[np.void]:
    """Per-lead records; the funnel after contact is resolved here, vectorised.

    ``propensity`` (per lead; None = the tiers' base_qualify) replaces base_qualify in the
    qualify draw of the one conversation; with follow-ups (``talks``) the loops decided
    qualification, at the conversation whose start the funnel then counts from.
    With a ramp (``factors``), the one conversation's qualify probability is multiplied by the
    conversion factor of the lead's owner at the contact time.
    """
    n = len(leads)
    horizon = model.run_minutes
    rec = np.zeros(n, dtype=LEAD_DTYPE)
    rec["tier"] = leads.tier
    rec["created"] = leads.created
    rec["first_attempt"] = run.first
    rec["attempts"] = run.attempts
    rec["contacted"] = run.contact
    rec["seller"] = run.seller
    # An owner assigned at creation; otherwise (and for a lead no seat could be assigned to)
    # the seller of the first attempt.
    rec["owner"] = run.seller if run.owner is None else np.where(
        run.owner >= 0, run.owner, run.seller
    )
    rec["conversations"] = run.status == CONTACTED if talks is None else talks.held
    rec["closed"] = np.nan
    rec["abandoned"] = np.nan

    served = ~np.isnan(run.first)
    response = np.full(n, np.nan)
    if model.always_open:
        response[served] = run.first[served] - leads.created[served]
    else:
        response[served] = model.calendar.business_between(
            leads.created[served], run.first[served]
        )
    rec["response_business"] = response

    state = np.full(n, _WAITING, dtype=np.int8)
    gave_up = run.status == GAVE_UP
    if model.age_cutoff is not None:
        # Leads still queued for a first attempt past the cut-off at the horizon end would be
        # nurtured when next considered; count them as nurtured rather than waiting.
        gave_up |= (
            (run.status == OPEN) & (run.attempts == 0)
            & (horizon - leads.created > model.age_cutoff)
        )
    if patience is not None:
        # Waiting for a first attempt past the deadline at the horizon end: as with the
        # cut-off, the lead has left by then (the router just never looked at it again).
        limit = np.inf if model.age_cutoff is None else model.age_cutoff
        left = np.minimum(patience, limit)
        never = run.attempts == 0
        gave_up |= never & (run.status == OPEN) & (horizon - leads.created > left)
        # A first-attempt drop is an abandonment when the patience ran out before the cut-off.
        quit_ = gave_up & never & (patience < limit)
        rec["abandoned"][quit_] = (leads.created + patience)[quit_]
    state[gave_up] = _NURTURED

    ci = np.flatnonzero(run.status == CONTACTED)
    t = leads.tier[ci]
    if talks is None:
        tc = run.contact[ci]
        age = tc - leads.created[ci]
        factor = np.asarray(model.qualify_curve(age), dtype=np.float64).reshape(-1)
        if factors is not None:
            factor = factor * factors.conversion_of(rec["owner"][ci].astype(np.int64), tc)
        q = model.base_qualify[t] if propensity is None else propensity[ci]
        qualified = u_funnel[0, ci] < q * factor
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
    opportunity = qualified & (u_funnel[1, ci] < model.opportunity_rate[t])
    won = opportunity & (u_funnel[2, ci] < model.win_rate[t])
    deal = np.exp(model.deal_log_median[t] + model.deal_sigma[t] * z_deal[0, ci])
    cycle_days = np.exp(model.cycle_log_median[t] + model.cycle_sigma[t] * z_deal[1, ci])
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
    rec["state"] = state
    return rec
