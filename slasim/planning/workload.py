"""Expected leads per hour slot and work per lead: the load both ``check`` and ``plan`` read.

Attempt ``k`` is assumed to happen at its nominal cadence age (no queueing delay), so the
contact probability of each attempt is ``base_contact * f(age_k)``: a deliberately simple
estimate that catches scenarios that cannot work at all; the simulation gives the real answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date

import numpy as np

from slasim.engine.conversations import expected_conversations
from slasim.engine.staff import staffing
from slasim.scenario.schema import DAYS_PER_MONTH, Scenario

__all__ = [
    "conversations_per_reached_lead",
    "expected_work_per_lead",
    "hires_text",
    "shift_intervals",
    "slot_rates",
]


def slot_rates(scenario: Scenario) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Expected leads per hour slot of the horizon, per tier.

    Returns
    -------
    start, length, counts
        Slot start and length (sim minutes) and an array ``(n_tiers, n_slots)`` of expected
        leads per slot: the profile weight of the slot's hour of week (times the holiday
        factor on holidays), scaled to ``monthly_volume * days / 30.44``.
    """
    grid = scenario.business_calendar().hour_grid()
    counts = np.zeros((len(scenario.tiers), len(grid)))
    for i, tier in enumerate(scenario.tiers.values()):
        weights = np.asarray(tier.profile.hour_of_week_weights())[grid.hour_of_week]
        weights = weights * np.where(grid.is_holiday, tier.profile.holiday_factor, 1.0)
        weights = weights * grid.length / 60.0
        expected = tier.monthly_volume * scenario.horizon.days / DAYS_PER_MONTH
        total = weights.sum()
        counts[i] = weights * (expected / total) if total > 0 else 0.0
    return grid.start, grid.length, counts


def shift_intervals(scenario: Scenario) -> list[np.ndarray]:
    """On-duty intervals ``(k, 2)`` in sim minutes for each shift (before shrinkage).

    The shifts of ``team.roster`` when given (see :func:`slasim.engine.staff.staffing`), else
    ``team.shifts``.
    """
    return list(staffing(scenario).group_days)


def expected_work_per_lead(
    scenario: Scenario, tier: str, *, in_horizon: bool = False
) -> tuple[float, float]:
    """(expected attempts, expected work minutes) per lead of ``tier``, ignoring queueing.

    Work is handling plus wrap-up (:meth:`~slasim.scenario.schema.Team.work_minutes`), and with
    ``cadence.max_conversations > 1`` the follow-up conversations of a reached lead
    (:func:`conversations_per_reached_lead` - 1 of them; they are not attempts).

    With ``in_horizon``, the attempts that fall inside the horizon per lead created in it:
    a follow-up due after the horizon's end is not simulated (a week's leads have most of a
    10-day cadence after it), and the warm-up's leads bring theirs in (:func:`_inside`).
    """
    spec = scenario.tiers[tier]
    contact_curve, _ = scenario.decay.curves()
    # Seller minutes per attempt include the wrap-up: it is busy time in the simulation too.
    conversation, unanswered = scenario.team.work_minutes()
    reach, age, attempts, work = 1.0, 0.0, 0.0, 0.0
    window = scenario.cadence.window_days * 1440.0
    inside = _inside(scenario) if in_horizon else None
    for k in range(1, scenario.cadence.max_attempts + 1):
        if k > 1:
            age += scenario.cadence.spacing(k - 1)
            if age > window:
                break
        p = spec.base_contact * float(contact_curve(age))
        share = 1.0 if inside is None else inside(age)
        attempts += reach * share
        work += reach * share * (p * conversation + (1 - p) * unanswered)
        reach *= 1 - p
    # Follow-ups are booked with a lead reached at some attempt (1 - reach of them).
    work += (1.0 - reach) * (conversations_per_reached_lead(scenario, tier) - 1.0) * conversation
    return attempts, work


def _inside(scenario: Scenario) -> Callable[[float], float]:
    """The attempts at cadence age ``a`` that fall inside the horizon, per lead created in it.

    Leads arrive over the warm-up ``W`` and the horizon ``H`` at one rate (calendar minutes);
    those created at ``t`` attempt at ``t + a``, inside ``[0, H]`` for ``H - max(0, a - W)``
    minutes of ``t``: a share ``min(1, (H + W - a) / H)`` of the horizon's leads. Ages in
    business minutes (``cadence.business_hours_only``) are stretched to calendar minutes by the
    horizon's business share, an average good enough for a screen.
    """
    calendar = scenario.business_calendar()
    h = calendar.horizon_minutes
    w = scenario.horizon.warmup_days * 1440.0
    business = calendar.business_minutes_total / h if h else 0.0
    stretch = (1.0 / business if business else math.inf) \
        if scenario.cadence.business_hours_only else 1.0

    def inside(age: float) -> float:
        calendar_age = age * stretch if age else 0.0
        return max(0.0, min(1.0, (h + w - calendar_age) / h)) if h else 0.0

    return inside


def conversations_per_reached_lead(scenario: Scenario, tier: str) -> float:
    """Expected conversations with a reached lead of ``tier`` (1 without follow-ups), from the
    propensity model (:func:`slasim.engine.conversations.expected_conversations`)."""
    spec = scenario.tiers[tier]
    return expected_conversations(
        spec.base_qualify, spec.propensity_concentration, spec.disqualify_rate,
        scenario.cadence.max_conversations,
    )


def hires_text(hires: Sequence[tuple[str, int, date]], lang: str = "en") -> str:
    """``"; team.hires adds office +2 from 2027-02-01"``: who joins the answer's sellers later
    ("" without hires), so that "6 sellers" is not read as the whole quarter's team."""
    if not hires:
        return ""
    adds, since = {"en": ("adds", "from"), "sv": ("lägger till", "från")}[lang]
    joins = ", ".join(f"{shift} +{n} {since} {start.isoformat()}" for shift, n, start in hires)
    return f"; team.hires {adds} {joins}"
