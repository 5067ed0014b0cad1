"""Defaults a scenario falls back on without saying so, that change the answer.

The notes of ``slasim check`` (:attr:`slasim.planning.check.ScenarioCheck.notes`): not errors,
but worth a decision (a flat 24/7 arrival profile under office hours, a short horizon without
warm-up, zero seller cost, no decay chosen, no ``[optimize]`` table).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from slasim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["silent_default_notes", "silent_defaults"]


#: Below this many days a horizon without ``warmup_days`` gets a note: its empty start is a
#: sizeable share of it (a busy queue takes hours to a day to forget it, a cadence days).
_SHORT_HORIZON_DAYS = 7


def silent_defaults(scenario: Scenario, tiers: pd.DataFrame | None = None) -> list[str]:
    """Defaults ``scenario`` falls back on without saying so, that change the answer.

    ``tiers`` is :attr:`slasim.planning.check.ScenarioCheck.tiers` (for the share of leads
    arriving off duty).
    """
    shares: dict[object, float] = (
        {} if tiers is None or "share_arriving_off_duty" not in tiers
        else tiers["share_arriving_off_duty"].to_dict()
    )
    return silent_default_notes(scenario, shares)


def silent_default_notes(scenario: Scenario, shares: Mapping[object, float]) -> list[str]:
    """:func:`silent_defaults` with the off-duty shares per tier name (may be empty)."""
    notes = []
    office_hours = scenario.business_calendar().business_minutes_total < (
        scenario.horizon.days * 1440
    )
    if office_hours and scenario.trace is None:
        for name, tier in scenario.tiers.items():
            if "profile" in tier.model_fields_set:
                continue
            off = ""
            share = shares.get(name)
            if share is not None:
                off = f" ({float(share):.0%} of them arrive while nobody is on duty)"
            notes.append(
                f"tiers.{name}.profile is not set: leads arrive around the clock, 7 days a "
                f"week{off}, while the team works office hours; set weekday and hour weights "
                "(slasim init writes working-hours ones) or calibrate them from a CRM export"
            )
    horizon = scenario.horizon
    if horizon.days < _SHORT_HORIZON_DAYS and "warmup_days" not in horizon.model_fields_set:
        notes.append(
            f"horizon.warmup_days is not set: the {horizon.days}-day period starts empty (no "
            "lead waiting, no retry due, every seller free), which flatters a short period, "
            "the more so at high load; set warmup_days (a few days) to start it as a running "
            "operation would, or 0 to keep the empty start"
        )
    if scenario.team.cost_per_seller_month == 0 and (
        scenario.team.shifts or scenario.team.roster
    ):
        notes.append(
            "team.cost_per_seller_month is 0: profit never pays for a seller, so more sellers "
            "always look better; set the monthly cost of a seller"
        )
    if "decay" not in scenario.model_fields_set:
        notes.append(
            f"[decay] is not set: the {scenario.decay.preset!r} preset applies (contact odds fall "
            "100x from 5 to 30 minutes, a strong assumption); choose a preset (lrm2007, hbr2011, "
            "none) or fit one with slasim calibrate"
        )
    if scenario.optimize is None:
        notes.append(
            "no [optimize] table: slasim optimize would only choose the terms at today's "
            "staffing, routing and volumes (one candidate); slasim init writes a table to edit"
        )
    return notes
