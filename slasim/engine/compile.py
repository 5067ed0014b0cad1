"""A scenario compiled for the engine: :func:`prepare` turns a
:class:`~slasim.scenario.schema.Scenario` into a picklable :class:`Model` (calendar, arrival
rates, curves, shift patterns, tier parameters as arrays) that stays the same between
replications; :func:`slasim.engine.replication.run_replication` simulates it.

Times inside the model are minutes of the simulated run, from the warm-up start. Breaks by rule
(``team.breaks``) are deterministic, so they are taken out of the sellers' days here, once
(:mod:`slasim.engine.breaks`); random shrinkage is drawn per replication.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from slasim.engine.arrivals import ArrivalPlan, Arrivals, arrival_plan, load_trace
from slasim.engine.breaks import merge_touching, rule_breaks
from slasim.engine.patience import PatienceLaw, patience_law
from slasim.engine.staff import staffing
from slasim.errors import InputError
from slasim.model.calendar import BusinessCalendar
from slasim.model.decay import DecayCurve
from slasim.model.people import ramp_curve
from slasim.model.routing import ROUTERS, RouterSpec
from slasim.scenario.schema import DAYS_PER_MONTH, Distribution, Scenario

__all__ = ["Handling", "Model", "prepare"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


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
        return self.fill(rng, np.empty(shape))

    def fill(self, rng: np.random.Generator, out: FloatArray) -> FloatArray:
        """Fill ``out`` (float64, C-contiguous) with handling times and return it.

        In place, without a temporary of ``out``'s size (a block is 8 bytes per lead and
        attempt): the same numbers and the same float operations, in the same order, as
        drawing ``out.shape`` at once, and a block filled row by row from one generator holds
        the same numbers as one filled whole (each draw consumes the stream element by element).
        """
        if self.dist == "fixed":
            out.fill(self.mean)
        elif self.dist == "exponential":
            rng.standard_exponential(out=out)
            out *= self.mean  # cv is 1 by definition
        elif self.dist == "lognormal":
            s2 = math.log1p(self.cv**2)
            rng.standard_normal(out=out)
            out *= math.sqrt(s2)
            out += math.log(self.mean) - s2 / 2
            np.exp(out, out=out)
        elif self.dist == "gamma":
            k = 1.0 / self.cv**2
            rng.standard_gamma(k, out=out)
            out *= self.mean / k
        else:
            raise ValueError(
                f"dist(={self.dist!r}) must be fixed, exponential, lognormal or gamma"
            )
        return out

    def add_to(self, rng: np.random.Generator, block: FloatArray) -> None:
        """Add a block of these times to ``block`` in place, one row at a time (the numbers
        of ``block += self.draw(rng, block.shape)`` with one row of scratch, not a block)."""
        row = np.empty(block.shape[1:])
        for r in block:
            r += self.fill(rng, row)


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
    # The registered spec of a policy that is not built in: it travels with the model, so a
    # worker process that did not register it (spawned on macOS and Windows, a Dask worker)
    # routes by it all the same. None for the built-in policies.
    router_spec: RouterSpec | None = None

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


def _router_spec(policy: str) -> RouterSpec | None:
    spec = ROUTERS.get(policy)
    # The built-ins name slasim's own factories, which every process has (and a replaced
    # built-in travels like any other registered policy).
    if spec is None or (isinstance(spec.factory, str)
                        and spec.factory.startswith("slasim.engine.routing:")):
        return None
    return spec


def prepare(scenario: Scenario) -> Model:
    """Compile ``scenario`` into a :class:`Model` for
    :func:`~slasim.engine.replication.run_replication`."""
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
            _frozen(rule_breaks(merge_touching(days), team.breaks, s))
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
        router_spec=_router_spec(scenario.routing.policy),
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


def _frozen(a: FloatArray) -> FloatArray:
    a.setflags(write=False)
    return a
