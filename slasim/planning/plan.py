"""Instant planning answers for a scenario (`slasim plan`): Erlang staffing, reverse funnel.

The queueing view pools all tiers into one M/M/n queue per shift: leads arrive at the average
rate seen while the shift is on duty (leads arriving off-hours are added to the next staffed
hour, where the morning backlog lands), and one "service" is all the work a lead brings over
its cadence (expected attempts x (handling + wrap-up)). On-duty, business and wall minutes
coincide, so the response targets apply as they are. These are approximations that hold when
the queue is near stationary within a shift; the simulation (``slasim run``) is the answer when
they do not (backlogs at opening, priorities, retries competing with new leads).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from slasim.analytic.contact import contact_probability
from slasim.analytic.erlang import erlang_c, service_level
from slasim.analytic.funnel import FunnelPlan, FunnelTier, forward_funnel, reverse_funnel
from slasim.analytic.periods import roster_gaps, staffing_by_period
from slasim.analytic.staffing import StaffingResult, required_sellers
from slasim.engine.staff import effective_shrinkage, staffing
from slasim.errors import InputError
from slasim.limits import MAX_TOTAL_SELLERS
from slasim.measure.months import Month, months_of
from slasim.outputs import json_table
from slasim.planning.workload import expected_work_per_lead, slot_rates
from slasim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Plan", "TierQueue", "plan_scenario", "shift_queues"]


#: Offered load (erlangs) a shift may carry: the staffing search stops at MAX_TOTAL_SELLERS.
MAX_LOAD = MAX_TOTAL_SELLERS / 2
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _check_load(scenario: Scenario, where: str, load: float) -> None:
    """Refuse a workload no team can carry (volumes x handling minutes beyond any staffing)."""
    if load > MAX_LOAD:
        raise InputError.single(
            scenario.source_of("tiers.*.monthly_volume"), "tiers.*.monthly_volume",
            f"{where} gets {load:,.0f} erlangs of work (leads per minute x handling "
            f"minutes per lead: that many sellers busy all the time); expected at most "
            f"{MAX_LOAD:,.0f}, the staffing search stops at {MAX_TOTAL_SELLERS:,} sellers: lower "
            "the volumes or team.handling_*.mean_minutes (and team.wrapup_*)",
        )


@dataclass(frozen=True)
class Plan:
    """Result of :func:`plan_scenario`.

    Attributes
    ----------
    shifts
        Per shift and tier: arrival rate while on duty, offered load (Erlang), sellers
        scheduled and working (after shrinkage: the ``n`` of Erlang C), sellers needed (working
        and scheduled) for the tier's response target,
        service level and first-attempt contact probability now and at the needed staffing.
    hourly
        Per hour of the week: mean arrival rate, sellers needed (SIPP) and scheduled.
    hours_short
        Business hours of the week where the roster is below the SIPP need.
    funnel
        Reverse funnel per tier for the revenue goal (None without a goal): won deals,
        opportunities, SQLs, contacts and leads needed per month.
    funnel_now
        Expected funnel per tier at the current quotas (or volumes) and staffing.
    head_count_months
        The thinnest months whose head counts :attr:`shifts` gives (one per shift at most, when
        the shift's months differ: hires join, sellers leave); empty otherwise.
    """

    scenario: str
    shifts: pd.DataFrame
    hourly: pd.DataFrame
    hours_short: int
    funnel: pd.DataFrame | None
    funnel_now: pd.DataFrame
    head_count_months: tuple[Month, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """The plan's part of ``slasim plan --json`` (tables as records, NaN as null): scenario,
        shifts, hours_short, hourly, funnel_now and funnel (None without a revenue goal)."""

        def records(frame: pd.DataFrame) -> object:
            return json_table(frame)

        return {
            "scenario": self.scenario,
            "shifts": records(self.shifts.reset_index()),
            "hours_short": self.hours_short,
            "hourly": records(self.hourly),
            "funnel_now": records(self.funnel_now.reset_index()),
            "funnel": None if self.funnel is None else records(self.funnel.reset_index()),
            "head_count_months": [m.key for m in self.head_count_months],
        }

    def to_frame(self) -> pd.DataFrame:
        """:attr:`shifts` as a new table, one row per shift and tier (its index as columns);
        the hour-by-hour view is :attr:`hourly`."""
        return self.shifts.reset_index()


@dataclass(frozen=True)
class TierQueue:
    """One tier's view of a shift's pooled M/M/n queue: a row of :attr:`Plan.shifts`
    without the contact probabilities (which need an integral).

    Attributes
    ----------
    shift, tier
        Names.
    leads_per_minute
        The tier's leads per on-duty minute (off-hours leads moved to the next staffed hour).
    lam, mu
        All tiers' leads per on-duty minute and the pooled service rate (1 / mean work).
    sellers_scheduled, sellers_working
        Average head count on duty and, after shrinkage, the ``n`` of Erlang C. A horizon
        judged month by month takes its thinnest month's (before hires join, after
        leavers): every month must keep the agreement.
    target_wait, target_share
        The tier's response target (60 min, 80 % for a tier without SLA terms).
    within_target_now
        Erlang C share of first attempts within ``target_wait`` with ``sellers_working``.
    needed
        The smallest team meeting the target.
    leads_on_duty
        The tier's leads reaching this shift in the horizon (weights the contact average).
    month
        The thinnest month whose head count ``sellers_scheduled`` is, when the months'
        head counts differ; ``None`` otherwise.
    """

    shift: str
    tier: str
    leads_per_minute: float
    lam: float
    mu: float
    sellers_scheduled: float
    sellers_working: int
    target_wait: float
    target_share: float
    within_target_now: float
    needed: StaffingResult
    leads_on_duty: float
    month: Month | None = None

    @property
    def offered_load(self) -> float:
        """``lam / mu`` in erlangs."""
        return self.lam / self.mu


@dataclass(frozen=True)
class _Load:
    """Where the expected work lands in the horizon (hour slots, shifts on duty)."""

    moved: np.ndarray  # (tiers, slots) expected leads, off-hours ones in the next staffed slot
    mid: np.ndarray  # slot midpoints, sim minutes
    on_duty_sellers: np.ndarray  # head count on duty per slot
    hour_of_week: np.ndarray  # per slot
    weeks: np.ndarray  # slots per hour of the week (those with sellers on duty, if any)
    rate: np.ndarray  # leads per minute per hour of the week, as they reach the sellers
    mean_work: float  # work minutes per lead, all tiers


def _head_count(on_duty: np.ndarray, length: np.ndarray, on: np.ndarray, mid: np.ndarray,
                months: tuple[Month, ...]) -> tuple[float, Month | None]:
    """Average head count on duty over a shift's slots ``on``; for a horizon judged month by
    month, the thinnest month's: a quarter whose hires join in February is short in January,
    which the quarter's average hides. The month is returned when the months' head counts
    differ (``None`` when one count holds the whole horizon)."""
    per: list[tuple[float, Month | None]] = []
    for month in months or (None,):
        inside = on if month is None else on & (mid >= month.start) & (mid < month.end)
        minutes = float((length * inside).sum())
        if minutes:
            per.append((float((on_duty * length * inside).sum()) / minutes, month))
    if not per:
        return 0.0, None
    thinnest = min(per, key=lambda p: p[0])
    # A count equal in every month (to rounding) names no month: nothing to explain.
    if max(p[0] for p in per) - thinnest[0] < 1e-9:
        return thinnest[0], None
    return thinnest


def _queues(scenario: Scenario) -> tuple[_Load, list[TierQueue]]:
    """The load of ``scenario`` and its per-shift, per-tier queues (see :func:`shift_queues`)."""
    if not any(tier.monthly_volume > 0 for tier in scenario.tiers.values()):
        zeros = ", ".join(f"{name}.monthly_volume(=0)" for name in scenario.tiers)
        raise InputError.single(
            scenario.source_of("tiers.*.monthly_volume"), "tiers.*.monthly_volume",
            f"every tier has no leads ({zeros}); expected monthly_volume > 0 in at least one "
            "tier: the staffing answers are read from the volumes (a trace replays arrivals in "
            "the simulation only)",
        )
    start, length, counts = slot_rates(scenario)
    mid = start + length / 2
    names = list(scenario.tiers)
    work = np.array([expected_work_per_lead(scenario, n)[1] for n in names])
    staff = staffing(scenario)
    shrinkage = effective_shrinkage(scenario, staff)  # breaks by rule count as shrinkage
    shrink = 1.0 - shrinkage
    intervals = staff.group_days
    on = np.zeros((len(intervals), len(mid)), dtype=bool)
    for j, iv in enumerate(intervals):
        if len(iv):
            k = np.searchsorted(iv[:, 0], mid, side="right") - 1
            on[j] = (k >= 0) & (mid < iv[np.clip(k, 0, None), 1])
    # Sellers of each shift on duty per slot; a ramping or possibly departed seller counts its
    # expected productive share (slasim.engine.staff.seat_weights).
    on_count = staff.on_duty(mid, weighted=True).astype(float)
    staffed = (on_count > 0).any(axis=0)
    covered = np.flatnonzero(staffed)
    moved = counts.copy()
    if len(covered):
        # Leads arriving while nobody works queue up for the next staffed hour.
        target = covered[
            np.minimum(np.searchsorted(covered, np.arange(len(mid))), len(covered) - 1)
        ]
        moved = np.stack([np.bincount(target, weights=c, minlength=len(mid)) for c in counts])
    on_duty_sellers = on_count.sum(axis=0)
    h = scenario.horizon
    months = months_of(h.start, h.days, h.timezone)

    queues = []
    for j, shift_name in enumerate(staff.group_names):
        minutes = float((length * on[j]).sum())
        if minutes == 0:
            continue
        lam_tier = (moved * on[j]).sum(axis=1) / minutes  # leads per on-duty minute
        lam = float(lam_tier.sum())
        if lam == 0:
            continue
        mean_work = float((lam_tier * work).sum() / lam)
        mu = 1.0 / mean_work
        _check_load(scenario, f"shift {shift_name!r}", lam / mu)
        now, thinnest = _head_count(on_duty_sellers, length, on[j], mid, months)
        n_now = max(math.floor(now * shrink), 0)
        for i, name in enumerate(names):
            terms = scenario.sla.tiers.get(name)
            target_wait = terms.response_target_minutes if terms else 60.0
            share = terms.response_share if terms else 0.8
            need = required_sellers(
                lam,
                mu,
                target_wait=target_wait,
                target_share=share,
                shrinkage=shrinkage,
            )
            queues.append(
                TierQueue(
                    shift=shift_name,
                    tier=name,
                    leads_per_minute=float(lam_tier[i]),
                    lam=lam,
                    mu=mu,
                    sellers_scheduled=now,
                    sellers_working=n_now,
                    target_wait=target_wait,
                    target_share=share,
                    within_target_now=(
                        service_level(n_now, lam / mu, mu, target_wait) if n_now > lam / mu
                        else 0.0
                    ),
                    needed=need,
                    leads_on_duty=float((moved[i] * on[j]).sum()),
                    month=thinnest,
                )
            )

    # Hour-of-week arrival rates (for SIPP in plan_scenario), checked here so that `check`
    # refuses the same impossible workloads as `plan`.
    how = scenario.business_calendar().hour_grid().hour_of_week
    # An hour of the week is averaged over the weeks someone works it: a holiday Monday's
    # leads land on Tuesday (moved), so counting it would dilute Monday's need and head count
    # (plan showed 4 sellers at Mon 08 beside the shift's 6).
    staffed_weeks = np.bincount(how, weights=on_duty_sellers > 0, minlength=168)
    weeks = np.where(staffed_weeks > 0, staffed_weeks, np.bincount(how, minlength=168))
    # Work as it reaches the sellers: off-hours leads counted in the next staffed hour.
    per_hour_leads = np.bincount(how, weights=moved.sum(axis=0), minlength=168)
    rate = np.divide(per_hour_leads, weeks * 60, out=np.zeros(168), where=weeks > 0)
    mean_work_all = float((counts.sum(axis=1) * work).sum() / max(counts.sum(), 1e-12))
    peak = int(np.argmax(rate))
    _check_load(
        scenario, f"the busiest hour of the week ({WEEKDAY_NAMES[peak // 24]} {peak % 24:02d}:00)",
        float(rate[peak]) * mean_work_all,
    )
    return _Load(moved, mid, on_duty_sellers, how, weeks, rate, mean_work_all), queues


def shift_queues(scenario: Scenario) -> list[TierQueue]:
    """Per shift and tier, the pooled Erlang C queue of :func:`plan_scenario`, without pandas.

    What ``slasim check`` reads for its Erlang C warnings: the same numbers as
    :attr:`Plan.shifts`, with none of the plan's tables, contact integrals or imports.

    Raises
    ------
    InputError
        As :func:`plan_scenario`: no tier has leads, or a shift gets more work than any team
        can carry.
    """
    return _queues(scenario)[1]


def _funnel_tiers(scenario: Scenario, contact: dict[str, float]) -> list[FunnelTier]:
    """Funnel stage rates per tier at the planned staffing.

    Lead -> contact uses the first attempt's decayed contact probability (from the Erlang
    wait) and later attempts at their nominal cadence ages; contact -> SQL uses the base
    qualify rate (decay of qualification is left to the simulation).
    """
    contact_curve, _ = scenario.decay.curves()
    tiers = []
    revenue = {}
    for name, tier in scenario.tiers.items():
        p_miss = 1.0 - contact[name]
        age = 0.0
        for k in range(2, scenario.cadence.max_attempts + 1):
            age += scenario.cadence.spacing(k - 1)
            if age > scenario.cadence.window_days * 1440:
                break
            p_miss *= 1.0 - tier.base_contact * float(contact_curve(age))
        revenue[name] = (
            tier.monthly_volume
            * (1 - p_miss)
            * tier.base_qualify
            * (tier.opportunity_rate * tier.win_rate * tier.deal_size.mean)
        )
        tiers.append((name, tier, max(1 - p_miss, 1e-9)))
    total = sum(revenue.values()) or 1.0
    return [
        FunnelTier(
            name=name,
            revenue_share=revenue[name] / total,
            deal_size=tier.deal_size.mean,
            lead_to_contact=p_contact,
            contact_to_sql=max(tier.base_qualify, 1e-9),
            sql_to_opportunity=max(tier.opportunity_rate, 1e-9),
            opportunity_to_won=max(tier.win_rate, 1e-9),
        )
        for name, tier, p_contact in tiers
    ]


def plan_scenario(
    scenario: Scenario,
    revenue_goal: float | None = None,
    marketing_share: float = 1.0,
) -> Plan:
    """Staffing, contact and quota answers for ``scenario`` from queueing theory alone.

    Parameters
    ----------
    scenario
        The scenario.
    revenue_goal
        Monthly revenue goal (won deal value); gives the reverse-funnel quotas.
    marketing_share
        Share of the goal expected from marketing-sourced leads.

    Raises
    ------
    InputError
        When no tier has leads, or a shift or hour gets more work than any team can carry.
    """
    import pandas as pd  # here: `slasim check` reads shift_queues() and never loads pandas

    load, queues = _queues(scenario)
    contact_curve, _ = scenario.decay.curves()

    rows = []
    contact_now: dict[str, list[tuple[float, float]]] = {n: [] for n in scenario.tiers}
    for q in queues:
        lam, mu, n_now, a = q.lam, q.mu, q.sellers_working, q.offered_load
        p0 = scenario.tiers[q.tier].base_contact
        c_now = contact_probability(n_now, lam, mu, p0, contact_curve) if n_now > a else 0.0
        c_need = contact_probability(q.needed.sellers, lam, mu, p0, contact_curve)
        contact_now[q.tier].append((c_now, q.leads_on_duty))
        rows.append(
            {
                "shift": q.shift,
                "tier": q.tier,
                "leads_per_hour": q.leads_per_minute * 60,
                "offered_load_erlang": a,
                "sellers_scheduled": q.sellers_scheduled,
                "sellers_working": n_now,  # after shrinkage: what Erlang C sees
                "p_wait_now": erlang_c(n_now, a) if n_now > 0 else 1.0,
                "within_target_now": q.within_target_now,
                "contact_first_attempt_now": c_now,
                "target": f"{q.target_share:.0%} in {q.target_wait:g} min",
                "sellers_needed": q.needed.sellers,
                "sellers_needed_scheduled": q.needed.sellers_scheduled,
                "contact_first_attempt_needed": c_need,
            }
        )
    shifts = pd.DataFrame(rows).set_index(["shift", "tier"]) if rows else pd.DataFrame()

    # Hour-of-week staffing (SIPP): average arrival rate per hour of the week.
    how, weeks, rate = load.hour_of_week, load.weeks, load.rate
    open_hours = (
        np.bincount(how, weights=scenario.business_calendar().is_open(load.mid), minlength=168)
        > 0
    )
    strict = min((t.response_target_minutes for t in scenario.sla.tiers.values()), default=60.0)
    strict_share = max((t.response_share for t in scenario.sla.tiers.values()), default=0.8)
    sipp = staffing_by_period(
        rate, load.mean_work, strict, strict_share, effective_shrinkage(scenario)
    )
    scheduled = np.round(
        np.bincount(how, weights=load.on_duty_sellers, minlength=168) / np.maximum(weeks, 1)
    ).astype(np.int64)
    # Only business hours can be short: outside them nobody is expected to work.
    gaps = roster_gaps(np.where(open_hours, sipp.sellers_scheduled, 0), scheduled)
    hourly = pd.DataFrame(
        {
            "weekday": [
                ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[h // 24] for h in range(168)
            ],
            "hour": [h % 24 for h in range(168)],
            "leads_per_hour": rate * 60,
            "business_hour": open_hours,
            "sellers_needed_scheduled": sipp.sellers_scheduled,
            "sellers_scheduled": scheduled,
            "shortfall": gaps.shortfall,
        }
    )

    contact = {
        n: (sum(c * w for c, w in v) / sum(w for _, w in v)) if v and sum(w for _, w in v) else 0.0
        for n, v in contact_now.items()
    }
    tiers = _funnel_tiers(scenario, contact)
    quotas = {
        n: float(scenario.sla.tiers[n].quota) if n in scenario.sla.tiers else t.monthly_volume
        for n, t in scenario.tiers.items()
    }
    funnel_now = forward_funnel(quotas, tiers).to_frame()
    funnel: pd.DataFrame | None = None
    if revenue_goal is not None:
        if not any(contact.values()) or not any(t.revenue_share > 0 for t in tiers):
            # Queueing theory has no contact rate for an overloaded team (no steady state):
            # no first attempt is answered, and the later attempts the funnel counts at their
            # cadence ages never happen either (they printed a funnel for 1 seller in 6).
            why = (
                "the team cannot carry today's leads (the offered load exceeds the sellers "
                "working in every shift, so queueing theory gives no contact rate; the plan "
                "without --revenue-goal shows the sellers needed)"
                if not any(contact.values())
                else "every tier has a conversion rate of 0"
            )
            raise InputError.single(
                "<cli>", "--revenue-goal",
                f"got {revenue_goal:,.0f}; no quotas reach it: a lead's expected revenue is 0 in "
                f"every tier because {why}; expected a scenario whose leads can win deals",
            )
        plan: FunnelPlan = reverse_funnel(revenue_goal, marketing_share, tiers)
        funnel = plan.to_frame()
    return Plan(
        scenario=scenario.name,
        shifts=shifts,
        hourly=hourly,
        hours_short=gaps.periods_short,
        funnel=funnel,
        funnel_now=funnel_now,
        head_count_months=tuple(
            sorted({q.month.key: q.month for q in queues if q.month}.values(), key=lambda m: m.key)
        ),
    )
