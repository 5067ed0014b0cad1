"""Plain-text tables for the terminal (``slasim check``, ``slasim run``, ``slasim plan``)."""

from __future__ import annotations

import pandas as pd

from slasim.check import ScenarioCheck
from slasim.scenario import Scenario

__all__ = ["format_check", "format_table"]


def format_table(frame: pd.DataFrame, formats: dict[str, str] | None = None) -> str:
    """Render ``frame`` with per-column format specs (e.g. ``{"share": "{:.0%}"}``)."""
    formats = formats or {}
    shown = frame.copy()
    for column in shown.columns:
        spec = formats.get(str(column))
        if spec is not None:
            shown[column] = [spec.format(v) for v in shown[column]]
    return shown.to_string()


def _business_hours(scenario: Scenario) -> float:
    return scenario.business_calendar().business_minutes_total / 60


def format_check(scenario: Scenario, result: ScenarioCheck) -> str:
    """The ``slasim check`` report."""
    h = scenario.horizon
    lines = [
        f"scenario {scenario.name!r}: {h.start} + {h.days} days ({h.timezone}), "
        f"{len(scenario.tiers)} tiers, {sum(s.sellers for s in scenario.team.shifts)} sellers "
        f"in {len(scenario.team.shifts)} shift(s), routing {scenario.routing.policy}",
        f"business hours in horizon: {_business_hours(scenario):,.0f} h; "
        f"holidays: {', '.join(str(d) for d in scenario.holidays()) or 'none'}",
        "",
        "Leads (expected)",
        format_table(
            result.tiers,
            {
                "leads_per_month": "{:,.0f}",
                "leads_in_horizon": "{:,.1f}",
                "attempts_per_lead": "{:.2f}",
                "work_minutes_per_lead": "{:.1f}",
                "share_arriving_off_duty": "{:.0%}",
            },
        ),
        "",
        "Shifts (capacity after shrinkage; offered load = work per on-duty minute, with work"
        " from off-hours leads moved to the next staffed hour)",
        format_table(
            result.shifts,
            {
                "seller_hours_available": "{:,.0f}",
                "offered_load_erlang": "{:.2f}",
                "effective_sellers": "{:.2f}",
                "utilization_on_duty": "{:.0%}",
            },
        ),
        "",
        f"overall utilisation (all work / all available seller time): {result.utilization:.0%}",
    ]
    if result.warnings:
        lines += ["", "Warnings"] + [f"  ! {w}" for w in result.warnings]
    else:
        lines += ["", "No warnings: the scenario looks workable; run it to see the SLA attainment."]
    return "\n".join(lines)
