"""Plain-text tables for the terminal (``slasim check``, ``slasim run``, ``slasim plan``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd

from slasim.check import ScenarioCheck
from slasim.scenario import Scenario

if TYPE_CHECKING:  # the engine is not needed to format a check
    from slasim.analytic.plan import Plan
    from slasim.experiment import ComparisonResult, SimulationResult

ALL = "all"  # = slasim.metrics.ALL, repeated so that `check` does not import the engine

__all__ = [
    "format_check",
    "format_comparison",
    "format_difference",
    "format_plan",
    "format_run",
    "format_table",
]


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


# -- slasim run --------------------------------------------------------------------------------

#: Metrics shown by ``slasim run`` and how to format them (money has no decimals).
RUN_ROWS: tuple[tuple[str, str], ...] = (
    ("leads_created", "{:,.0f}"),
    ("response_minutes_p50", "{:,.1f}"),
    ("response_minutes_p90", "{:,.1f}"),
    ("response_business_minutes_p90", "{:,.1f}"),
    ("first_attempt_within_target", "{:.1%}"),
    ("attempts_per_lead", "{:.2f}"),
    ("contact_rate", "{:.1%}"),
    ("qualify_rate", "{:.1%}"),
    ("win_rate", "{:.2%}"),
    ("won_deals", "{:,.1f}"),
    ("revenue", "{:,.0f}"),
    ("pipeline_value", "{:,.0f}"),
    ("leads_nurtured", "{:,.1f}"),
    ("leads_waiting", "{:,.1f}"),
    ("seller_utilization", "{:.1%}"),
    ("seller_overtime_minutes", "{:,.0f}"),
    ("cost", "{:,.0f}"),
    ("profit", "{:,.0f}"),
)
SLA_ROWS = (
    "marketing_met",
    "response_met",
    "attempts_met",
    "conversion_met",
    "sales_met",
    "joint_met",
)


def _fmt(spec: str, value: float) -> str:
    return "-" if value != value else spec.format(value)  # NaN -> "-"


_PERCENT_SPEC = re.compile(r"^\{:[+]?(?:\.(\d+))?%\}$")


def format_difference(spec: str, value: float, *, signed: bool = False) -> str:
    """A difference of two values that ``spec`` formats, in the same unit.

    A difference of two percentages is in percentage points, not percent: 58.6 % -> 61.0 % is
    ``+2.4 pp`` (``+2.4%`` would read as a 2.4 % relative increase). ``signed`` shows ``+``
    on positive values; NaN gives ``-``.
    """
    if value != value:
        return "-"
    sign = "+" if signed else ""
    match = _PERCENT_SPEC.match(spec)
    if match is not None:
        decimals = int(match.group(1) or 0)
        return f"{100 * value:{sign}.{decimals}f} pp"
    return spec.replace("{:", "{:" + sign, 1).format(value)


Cells = dict[tuple[str, ...], dict[str, float]]


def _cells(frame: pd.DataFrame, keys: tuple[str, ...]) -> Cells:
    """Rows of a tidy table keyed by ``keys`` (plain dicts: simple to look up and to type)."""
    out: Cells = {}
    for record in frame.to_dict("records"):
        key = tuple(str(record[k]) for k in keys)
        out[key] = {str(k): v for k, v in record.items() if k not in keys}
    return out


def format_run(result: SimulationResult) -> str:
    """The ``slasim run`` summary: headline P(met), KPI table per tier, P(met) per term."""
    s = result.scenario
    summary = _cells(result.summary, ("metric", "tier"))
    tiers = [ALL, *s.tiers]
    p = {k: _fmt("{:.0%}", v) for k, v in result.p_met.items()}
    lines = [
        f"scenario {s.name!r}: {result.reps} replication{'s' if result.reps != 1 else ''} of "
        f"{s.horizon.days} days, "
        f"seed {result.seed}",
        f"SLA attainment (share of simulated periods, realistic if >= {s.sla.confidence:.0%}): "
        f"marketing {p['p_met_marketing']}, sales {p['p_met_sales']}, joint {p['p_met_joint']}",
        "",
    ]
    rows = []
    for metric, spec in RUN_ROWS:
        row = {"metric": metric}
        for tier in tiers:
            cell = summary.get((metric, tier))
            if cell is not None:
                text = _fmt(spec, cell["mean"])
                if tier == ALL and cell["ci_high"] == cell["ci_high"]:
                    text += f" ±{_fmt(spec, cell['ci_high'] - cell['mean'])}"
                row[tier] = text
            else:
                row[tier] = ""
        rows.append(row)
    table = pd.DataFrame(rows).set_index("metric")
    table.columns = [f"{c} (mean ±95% CI)" if c == ALL else c for c in table.columns]
    lines += ["Mean per simulated period", table.to_string(), ""]
    sla_rows = []
    for metric in SLA_ROWS:
        row = {"P(met)": metric.removesuffix("_met")}
        for tier in tiers:
            key = (metric, tier)
            row[tier] = _fmt("{:.0%}", summary[key]["mean"]) if key in summary else ""
        sla_rows.append(row)
    lines += [
        "P(term met) per tier",
        pd.DataFrame(sla_rows).set_index("P(met)").to_string(),
    ]
    return "\n".join(lines)


def format_comparison(comparison: ComparisonResult) -> str:
    """Paired differences (option - first scenario) for the headline metrics."""
    base = comparison.results[0].scenario.name
    d = _cells(comparison.differences, ("option", "metric", "tier"))
    options = dict.fromkeys(key[0] for key in d)
    lines = [f"Paired differences vs {base!r} (same leads in every option; 95% CI)"]
    rows = []
    for option in options:
        for metric, spec in (*RUN_ROWS, *((m, "{:.0%}") for m in SLA_ROWS)):
            r = d.get((option, metric, ALL))
            if r is None:
                continue
            rows.append(
                {
                    "option": option,
                    "metric": metric,
                    "difference": format_difference(spec, r["mean"]),
                    "95% CI": (
                        f"[{format_difference(spec, r['ci_low'])}, "
                        f"{format_difference(spec, r['ci_high'])}]"
                    ),
                }
            )
    lines.append(pd.DataFrame(rows).set_index(["option", "metric"]).to_string())
    return "\n".join(lines)


def format_plan(scenario: Scenario, plan: Plan) -> str:
    """The ``slasim plan`` report."""
    money = "{:,.0f}"
    lines = [
        f"scenario {plan.scenario!r}: queueing-theory plan (Erlang C per shift, all tiers pooled;"
        " see README 'When the analytic answers hold')",
        "",
        "Per shift and tier: now vs needed for the tier's response target",
        format_table(
            plan.shifts,
            {
                "leads_per_hour": "{:.2f}",
                "offered_load_erlang": "{:.2f}",
                "sellers_scheduled": "{:.1f}",
                "sellers_working": "{:.0f}",
                "p_wait_now": "{:.0%}",
                "within_target_now": "{:.0%}",
                "contact_first_attempt_now": "{:.1%}",
                "contact_first_attempt_needed": "{:.1%}",
            },
        ),
        "",
    ]
    short = plan.hourly[plan.hourly["shortfall"] > 0]
    business = int(plan.hourly["business_hour"].sum())
    lines.append(
        f"Hour-of-week check (SIPP, strictest target; off-hours leads counted in the next staffed "
        f"hour): {plan.hours_short} of {business} business hours are short of the need."
    )
    if len(short):
        worst = (
            short.drop(columns="business_hour").sort_values("shortfall", ascending=False).head(8)
        )
        lines.append(
            format_table(worst.set_index(["weekday", "hour"]), {"leads_per_hour": "{:.2f}"})
        )
    lines += [
        "",
        f"Expected funnel per month at the current quotas ({scenario.costs.currency})",
        format_table(
            plan.funnel_now, dict.fromkeys(plan.funnel_now.columns, "{:,.1f}") | {"revenue": money}
        ),
    ]
    if plan.funnel is not None:
        lines += [
            "",
            "Reverse funnel: leads needed per month for the revenue goal (= quota proposal)",
            format_table(
                plan.funnel, dict.fromkeys(plan.funnel.columns, "{:,.1f}") | {"revenue": money}
            ),
        ]
    return "\n".join(lines)
