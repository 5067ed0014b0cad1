"""What a scenario implies before any simulation (``slasim check``).

Expected volumes, seller capacity after shrinkage, offered load per shift and warnings for
terms that cannot be met. The workload per lead is a deliberately simple estimate: attempt
``k`` is assumed to happen at its nominal cadence age (no queueing delay), so the contact
probability of each attempt is ``base_contact * f(age_k)``. The simulation gives the real answer;
this check catches scenarios that cannot work at all.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from slasim.engine.arrivals import load_trace
from slasim.engine.staff import Staffing, staffing
from slasim.measure.months import attempts_unmeasured, unmeasured_terms
from slasim.measure.shares import bar_percent, percent_against
from slasim.model.calendar import BusinessCalendar
from slasim.outputs import json_table
from slasim.planning.defaults import silent_default_notes
from slasim.planning.plan import TierQueue, shift_queues
from slasim.planning.workload import (
    conversations_per_reached_lead,
    expected_work_per_lead,
    slot_rates,
)
from slasim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ScenarioCheck",
    "ShiftLoad",
    "TierLoad",
    "check_scenario",
    "follow_up_line",
]


@dataclass(frozen=True)
class TierLoad:
    """One tier's expected leads and work (a row of :attr:`ScenarioCheck.tiers`)."""

    tier: str
    leads_per_month: float
    leads_in_horizon: float
    attempts_per_lead: float
    work_minutes_per_lead: float
    share_arriving_off_duty: float


@dataclass(frozen=True)
class ShiftLoad:
    """One shift's capacity and offered load (a row of :attr:`ScenarioCheck.shifts`)."""

    shift: str
    sellers: int
    seller_hours_available: float
    offered_load_erlang: float
    effective_sellers: float
    utilization_on_duty: float


def _frame(rows: Sequence[TierLoad | ShiftLoad], index: str) -> pd.DataFrame:
    import pandas as pd  # here: `slasim check` prints the rows without loading pandas

    return pd.DataFrame([dataclasses.asdict(r) for r in rows]).set_index(index)


@dataclass(frozen=True)
class ScenarioCheck:
    """Result of :func:`check_scenario`.

    Attributes
    ----------
    tier_rows, shift_rows
        The rows of :attr:`tiers` and :attr:`shifts`, as plain records.
    utilization
        Total expected work over total available seller time in the horizon.
    warnings
        Plain-language problems, empty when the scenario looks workable.
    notes
        Defaults the scenario did not choose that change the answer (a flat 24/7 arrival
        profile under office hours, zero seller cost, no decay chosen, no ``[optimize]``
        table): not errors, but worth a decision.
    roster
        What ``team.roster`` gave (file, sellers, shifts, rows outside the horizon that were
        ignored); empty for weekly shifts.
    """

    scenario: str
    tier_rows: tuple[TierLoad, ...]
    shift_rows: tuple[ShiftLoad, ...]
    utilization: float
    warnings: list[str]
    notes: list[str] = field(default_factory=list)
    roster: str = ""

    @functools.cached_property
    def tiers(self) -> pd.DataFrame:
        """Per tier (index ``tier``): leads per month, leads in the horizon, expected attempts
        and work minutes per lead, share of leads arriving while no seller is on duty."""
        return _frame(self.tier_rows, "tier")

    @functools.cached_property
    def shifts(self) -> pd.DataFrame:
        """Per shift (index ``shift``): sellers, seller-hours available after shrinkage,
        offered load (Erlang), effective sellers and utilisation of the on-duty sellers."""
        return _frame(self.shift_rows, "shift")

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form, ``slasim check --json`` without its ``quick_simulation``: the tables
        keyed by tier and shift, a non-finite utilisation as None."""
        import math

        return {
            "scenario": self.scenario,
            "utilization": self.utilization if math.isfinite(self.utilization) else None,
            "tiers": json_table(self.tiers, "index"),
            "shifts": json_table(self.shifts, "index"),
            "warnings": self.warnings,
            "notes": self.notes,
            "roster": self.roster or None,
        }

    def to_frame(self) -> pd.DataFrame:
        """:attr:`tiers` as a new table, one row per tier (``tier`` a column): the expected
        leads and work; capacity per shift is :attr:`shifts`, the findings :attr:`warnings`."""
        return self.tiers.reset_index()


def follow_up_line(scenario: Scenario) -> str | None:
    """What ``check`` and ``plan`` say about follow-up conversations (None without them)."""
    if scenario.cadence.max_conversations <= 1:
        return None
    per_tier = ", ".join(
        f"{name} {conversations_per_reached_lead(scenario, name):.2f}" for name in scenario.tiers
    )
    return (
        f"work per lead includes follow-up conversations (cadence.max_conversations = "
        f"{scenario.cadence.max_conversations}): expected conversations per reached lead "
        f"{per_tier} (propensity model, qualify curve at age 0, no window cut)"
    )


def check_scenario(scenario: Scenario) -> ScenarioCheck:
    """Compute what ``scenario`` implies and warn about what cannot work.

    Raises
    ------
    InputError
        When the scenario replays a trace (``[trace] path``) that cannot be read or does not
        fit the scenario: the same error ``slasim run`` would stop with.
    """
    if scenario.trace is not None:
        # Read the whole trace now: a missing file or a bad row must fail the check (exit 2),
        # not pass it and then stop the run.
        load_trace(scenario, warmup=True)
    calendar = scenario.business_calendar()
    start, length, counts = slot_rates(scenario)
    mid = start + length / 2
    staff = staffing(scenario)
    intervals = list(staff.group_days)
    shrink = 1.0 - scenario.team.shrinkage
    warnings: list[str] = []

    # Sellers of each shift on duty in each slot (ramp and attrition: their expected share).
    on_count = staff.on_duty(mid, weighted=True)
    staffed = on_count > 0
    covered = staffed.any(axis=0)

    tier_rows = []
    work_per_lead = {}
    for i, (name, tier) in enumerate(scenario.tiers.items()):
        attempts, work = expected_work_per_lead(scenario, name)
        # The load counts the work done inside the horizon, as the simulation does: on a week
        # most of a 10-day cadence falls after it (the table keeps the per-lead figures).
        work_per_lead[name] = expected_work_per_lead(scenario, name, in_horizon=True)[1]
        total = counts[i].sum()
        off_share = counts[i][~covered].sum() / total if total > 0 else 0.0
        tier_rows.append(
            TierLoad(
                tier=name,
                leads_per_month=tier.monthly_volume,
                leads_in_horizon=total,
                attempts_per_lead=attempts,
                work_minutes_per_lead=work,
                share_arriving_off_duty=off_share,
            )
        )
        warnings += _unreachable_target(
            scenario, name, i, counts, start, length, intervals, staff.group_sellers, calendar
        )

    total_work = sum(counts[i].sum() * work_per_lead[n] for i, n in enumerate(scenario.tiers))
    shift_rows = []
    capacity = 0.0
    work_by_slot = (counts * np.array(list(work_per_lead.values()))[:, None]).sum(axis=0)
    # Work from leads that arrive while nobody is on duty lands on the next staffed hour: that
    # is where the morning backlog comes from. After the last staffed hour there is none in the
    # horizon: that work (a week's Friday-evening and weekend leads) is done after it.
    covered_idx = np.flatnonzero(covered)
    if len(covered_idx):
        nxt = np.searchsorted(covered_idx, np.arange(len(mid)))
        after = nxt == len(covered_idx)
        target = covered_idx[np.minimum(nxt, len(covered_idx) - 1)]
        work_by_slot = np.bincount(target, weights=np.where(after, 0.0, work_by_slot),
                                   minlength=len(mid))
        total_work = float(work_by_slot.sum())
    available_by_shift = _available_minutes(scenario, staff)
    for j, (name, sellers, iv) in enumerate(
        zip(staff.group_names, staff.group_sellers, intervals, strict=True)
    ):
        minutes = float((iv[:, 1] - iv[:, 0]).sum()) if len(iv) else 0.0
        available = available_by_shift[j]
        capacity += available
        # Work arriving while this shift is on duty, shared with other shifts on duty then in
        # proportion to their sellers on duty: the shift's own offered load.
        share = np.where(staffed[j], on_count[j] / np.maximum(on_count.sum(0), 1), 0.0)
        load = float((work_by_slot * share).sum() / minutes) if minutes else 0.0
        plain = staff.uniform and scenario.team.breaks is None and staff.weight is None
        # Productive sellers on duty on average: the head count less shrinkage for weekly
        # shifts, the available minutes per on-duty minute for a roster or breaks by rule.
        effective = sellers * shrink if plain else (available / minutes if minutes else 0.0)
        shift_rows.append(
            ShiftLoad(
                shift=name,
                sellers=sellers,
                seller_hours_available=available / 60.0,
                offered_load_erlang=load,
                effective_sellers=effective,
                utilization_on_duty=load / effective if effective else float("inf"),
            )
        )
        if load >= effective and (load > 0 or effective == 0):
            why = (
                f"{sellers} x (1 - shrinkage)" if plain
                else "sellers on duty, less breaks and shrinkage"
            )
            warnings.append(
                f"shift {name!r} is overloaded: offered load {load:.2f} Erlang >= "
                f"{effective:.2f} effective sellers ({why}); queues grow during the shift"
            )
    utilization = total_work / capacity if capacity else float("inf")
    duty_minutes = sum(
        float((iv[:, 1] - iv[:, 0]).sum())
        for iv, n in zip(intervals, staff.group_sellers, strict=True)
        if n > 0 and len(iv)
    )
    if duty_minutes == 0 and any(n > 0 for n in staff.group_sellers):
        # Valid but empty: a horizon of weekend days or holidays, or shifts outside it. Say so
        # once instead of an overload warning with "0 h available".
        first = scenario.horizon.start.isoformat()
        days = scenario.horizon.days
        cause = (
            "no business hours in the horizon"
            if calendar.business_minutes_total == 0
            else "no seller is on duty in the horizon"
        )
        warnings.insert(
            0,
            f"{cause} ({days} day{'s' if days != 1 else ''} from {first}): "
            "no first attempt can happen",
        )
    elif utilization >= 1:
        warnings.append(
            f"the team is overloaded over the horizon: expected work {total_work / 60:.0f} h "
            f">= available {capacity / 60:.0f} h (utilisation {utilization:.0%}); "
            "leads will pile up"
        )
    if duty_minutes > 0:
        warnings += _erlang_shortfalls(scenario)
    if unmeasured_terms(scenario):
        warnings.append(attempts_unmeasured(scenario) + ": lengthen horizon.days or shorten "
                        "cadence.window_days")
    return ScenarioCheck(
        scenario=scenario.name,
        tier_rows=tuple(tier_rows),
        shift_rows=tuple(shift_rows),
        utilization=utilization,
        warnings=warnings,
        notes=silent_default_notes(
            scenario, {r.tier: float(r.share_arriving_off_duty) for r in tier_rows}
        ) + _people_note(scenario, staff),
        roster=_roster_text(scenario, staff),
    )


def _people_note(scenario: Scenario, staff: Staffing) -> list[str]:
    """Say how the capacity counts ramping and leaving sellers, when it does."""
    if staff.weight is None:
        return []
    parts = []
    if scenario.team.ramp is not None:
        parts.append("a ramping seller counts 1 / its handling factor (team.ramp)")
    if scenario.team.attrition is not None:
        parts.append("each seat its expected occupied share (team.attrition)")
    return [
        "seller hours and effective sellers are full-productivity equivalents: "
        + " and ".join(parts) + "; the simulation draws who is there when"
    ]


def _available_minutes(scenario: Scenario, staff: Staffing) -> list[float]:
    """Per shift: seller minutes available, as the simulation's ``available_minutes`` sum.

    On-duty minutes less breaks by rule, times ``1 - shrinkage`` (the simulation removes that
    share of every working piece exactly, in random blocks).
    """
    team = scenario.team
    shrink = 1.0 - team.shrinkage
    if staff.uniform and team.breaks is None and staff.weight is None:
        return [
            n * (float((iv[:, 1] - iv[:, 0]).sum()) if len(iv) else 0.0) * shrink
            for n, iv in zip(staff.group_sellers, staff.group_days, strict=True)
        ]
    return [float(m) * shrink for m in staff.working_minutes(team.breaks, weighted=True)]


def _roster_text(scenario: Scenario, staff: Staffing) -> str:
    """The roster in one line; rows ignored outside the horizon are said, not dropped."""
    if staff.roster is None:
        return ""
    text = (
        f"roster {staff.roster}: {staff.head_count} sellers in {len(staff.group_names)} "
        f"shift(s) ({', '.join(staff.group_names)})"
    )
    if scenario.horizon.warmup_days:
        staff = staffing(scenario, warmup=True)  # rows in the warm-up days are simulated
    lines = staff.outside_lines
    if lines:
        shown = ", ".join(str(n) for n in lines[:10]) + (", ..." if len(lines) > 10 else "")
        h = scenario.horizon
        days = h.days + h.warmup_days
        text += (
            f"; {len(lines)} row(s) (line {shown}) lie outside the "
            f"{'warm-up and ' if h.warmup_days else ''}horizon "
            f"({h.run_start.isoformat()} + {days} day{'s' if days != 1 else ''}) "
            "and are ignored"
        )
    return text


def _unreachable_target(
    scenario: Scenario,
    name: str,
    i: int,
    counts: np.ndarray,
    start: np.ndarray,
    length: np.ndarray,
    intervals: list[np.ndarray],
    sellers: Sequence[int],
    calendar: BusinessCalendar,
) -> list[str]:
    """Warn when a tier's response target fails even with zero waiting.

    A lead that arrives while nobody is on duty waits at least until the next shift starts;
    if too many of a tier's leads arrive that far from a shift (on the SLA's clock), the
    response share cannot be met however many sellers are hired.
    """
    terms = scenario.sla.tiers.get(name)
    if terms is None or counts[i].sum() == 0:
        return []
    starts = [iv for iv, n in zip(intervals, sellers, strict=True) if n > 0]
    if not starts:
        return [f"tier {name!r}: no shift has sellers, so no lead is ever attempted"]
    duty = np.concatenate(starts)
    if len(duty) == 0:
        return []  # no on-duty time at all: check_scenario warns once for the whole scenario
    duty = duty[np.argsort(duty[:, 0])]
    # Evaluate every 5 minutes inside each slot: fine enough for targets of 5 minutes or more.
    offsets = np.arange(2.5, 60, 5.0)
    t = (start[:, None] + offsets[None, :] * (length[:, None] / 60.0)).ravel()
    w = np.repeat(counts[i] / len(offsets), len(offsets))
    idx = np.searchsorted(duty[:, 0], t, side="right") - 1
    ends = np.maximum.accumulate(duty[:, 1])
    inside = (idx >= 0) & (t < ends[np.clip(idx, 0, None)])
    nxt = np.searchsorted(duty[:, 0], t, side="left")
    next_start = np.where(nxt < len(duty), duty[np.minimum(nxt, len(duty) - 1), 0], np.inf)
    begin = np.where(inside, t, next_start)
    target = terms.response_target_minutes
    end = np.full_like(t, calendar.horizon_minutes)
    if terms.response_clock == "business":
        finite = np.isfinite(begin)
        delay = np.full_like(t, np.inf)
        delay[finite] = calendar.business_between(t[finite], begin[finite])
        left = calendar.business_between(t, end)
    else:
        delay = begin - t
        left = end - t
    # A lead after the last shift of the horizon whose deadline falls after its end is left
    # out, as the simulation leaves it out (censored): a week's weekend leads are not misses.
    judged = np.isfinite(begin) | (left >= target)
    if not w[judged].sum():
        return []
    late = float(w[judged & (delay > target)].sum() / w[judged].sum())
    if late > 1 - terms.response_share + 1e-12:
        return [
            f"tier {name!r}: the response target ({terms.response_share:.0%} within "
            f"{terms.response_target_minutes:g} {terms.response_clock} minutes) cannot be met even "
            f"with zero waiting: {late:.0%} of its leads arrive more than "
            f"{terms.response_target_minutes:g} {terms.response_clock} minutes before any seller "
            "is on duty"
        ]
    return []


def _thinnest(q: TierQueue) -> str:
    """`` (5 on duty in Jan 2027, the thinnest month)`` when the head count is one month's."""
    if q.month is None:
        return ""
    return f" ({q.sellers_scheduled:.3g} on duty in {q.month.label()}, the thinnest month)"


def _erlang_shortfalls(scenario: Scenario) -> list[str]:
    """Shifts where even the steady-state queue (Erlang C) misses a tier's response target.

    A first, optimistic reading: the simulation adds the backlog of off-hours leads, retries
    and routing, which usually make it worse (``slasim plan`` shows the details).
    """
    out = []
    for q in shift_queues(scenario):
        terms = scenario.sla.tiers.get(q.tier)
        if terms is None or q.within_target_now >= terms.response_share:
            continue
        share = q.within_target_now  # beside "below the promised 80%": never "80%"
        unit = "business min" if terms.response_clock == "business" else "min"
        out.append(
            f"shift {q.shift!r}, tier {q.tier!r}: Erlang C gives "
            f"{percent_against(share, terms.response_share)} of "
            f"first attempts within {terms.response_target_minutes:g} {unit} with "
            f"{q.sellers_working:.0f} sellers working{_thinnest(q)}, below the promised "
            f"{bar_percent(terms.response_share)}; it needs {q.needed.sellers} working "
            f"({q.needed.sellers_scheduled} scheduled) in one first-come queue"
            # Not "the first tiers wait less, the others more": a later tier can do far better
            # in the simulation than in this one-queue screen (warm under tier_priority).
            + (f" (with {scenario.routing.policy} routing each tier waits otherwise than in "
               "this one-queue screen: the simulation decides)" if scenario.routing.policy != "fifo"
               else "") + ": see `slasim plan`"
        )
    return out

