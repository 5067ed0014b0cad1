"""Side-by-side comparison of SLA options (``slasim compare`` and the report's option table).

The options run with the same seed, so replication ``r`` of every option sees the same leads
(common random numbers, :func:`slasim.measure.experiment.compare`): differences to the first option
are paired and their confidence intervals are far narrower than those of two independent runs.
"""

from __future__ import annotations

import math

import pandas as pd

from slasim.engine.staff import head_count, staffing
from slasim.measure.experiment import ComparisonResult
from slasim.measure.metrics import ALL
from slasim.measure.shares import SIDE_NAMES, decimals_against, share_digits
from slasim.measure.terms import TERMS, side_flags, term_flags
from slasim.measure.verdict import recommendation
from slasim.measure.verdict_words import unit
from slasim.render.text import format_table, money_basis
from slasim.render.values import format_difference, format_metric
from slasim.scenario.schema import Scenario

__all__ = [
    "COMPARE_METRICS",
    "cells",
    "comparison_frame",
    "format_compare",
    "terms_record",
]

#: Metrics compared, in display order; each is shown for every tier where it is defined.
COMPARE_METRICS: tuple[str, ...] = (
    *reversed(side_flags()),  # joint, sales, marketing
    *(f for f in term_flags() if f not in side_flags()),
    "revenue",
    "pipeline_value",
    "cost",
    "profit",
    "response_minutes_p90",
    "first_attempt_within_target",
    "contact_rate",
    "seller_utilization",
)
_COLUMNS = [
    "option",
    "tier",
    "metric",
    "mean",
    "ci_low",
    "ci_high",
    "diff",
    "diff_ci_low",
    "diff_ci_high",
]


Cells = dict[tuple[str, ...], dict[str, float]]


def cells(frame: pd.DataFrame, keys: tuple[str, ...]) -> Cells:
    """Rows of a tidy table keyed by the values of ``keys`` (plain dicts: simple lookups)."""
    out: Cells = {}
    for record in frame.to_dict("records"):
        key = tuple(str(record[k]) for k in keys)
        out[key] = {str(k): float(v) for k, v in record.items() if k not in keys}
    return out


def comparison_frame(comparison: ComparisonResult) -> pd.DataFrame:
    """Tidy long table: option, tier, metric, mean, ci_low, ci_high, diff, diff_ci_low/high.

    ``diff`` is the paired difference option - first option (0 with a zero-width interval
    for the first option itself).
    """
    diffs = cells(comparison.differences, ("option", "metric", "tier"))
    rows = []
    for k, result in enumerate(comparison.results):
        summary = cells(result.summary, ("metric", "tier"))
        name = result.scenario.name
        for tier in [ALL, *result.scenario.tiers]:
            for metric in COMPARE_METRICS:
                if (metric, tier) not in summary:
                    continue
                s = summary[(metric, tier)]
                if k == 0:
                    d = (0.0, 0.0, 0.0)
                elif (name, metric, tier) in diffs:
                    r = diffs[(name, metric, tier)]
                    d = (float(r["mean"]), float(r["ci_low"]), float(r["ci_high"]))
                else:
                    d = (math.nan, math.nan, math.nan)
                rows.append(
                    [
                        name,
                        tier,
                        metric,
                        float(s["mean"]),
                        float(s["ci_low"]),
                        float(s["ci_high"]),
                        *d,
                    ]
                )
    return pd.DataFrame(rows, columns=_COLUMNS)


def terms_record(scenario: Scenario) -> dict[str, object]:
    """The terms and staffing of one option as plain JSON-ready values."""
    staff = staffing(scenario)
    return {
        "name": scenario.name,
        "description": scenario.description,
        "sellers": head_count(scenario),
        "shifts": dict(zip(staff.group_names, staff.group_sellers, strict=True)),
        "routing": scenario.routing.policy,
        "tiers": {
            name: terms.model_dump(mode="json") for name, terms in scenario.sla.tiers.items()
        },
    }


def _fmt(metric: str, value: float, against: float | None = None, digits: int = 0) -> str:
    if (against is not None or digits) and value == value:
        # A P(met) the verdict judges never rounds across the confidence (79.8 %, not 80 %);
        # the sides' shares of an option read alike (side_decimals).
        return f"{value:.{max(digits, decimals_against(value, against))}%}"
    return format_metric(metric, value)


def _diff(metric: str, value: float, signed: bool = False) -> str:
    """A paired difference; of rates and shares in percentage points (``+4.6 pp``)."""
    return format_difference(metric, value, signed=signed)


def _terms_rows(scenarios: list[Scenario], tier: str) -> list[dict[str, str]]:
    rows = []
    if tier == ALL:
        rows.append({"item": "sellers"})
        for s in scenarios:
            rows[-1][s.name] = str(head_count(s))
        rows.append({"item": "routing", **{s.name: s.routing.policy for s in scenarios}})
        return rows
    for term in TERMS:
        row = {"item": f"term: {term.label['en']}"}
        for s in scenarios:
            terms = s.sla.tiers.get(tier)
            row[s.name] = (
                term.describe(terms, s.cadence.window_days) if terms is not None else "-"
            )
        rows.append(row)
    return rows


def format_compare(comparison: ComparisonResult) -> str:
    """The ``slasim compare`` text: per tier, terms and metrics side by side with paired
    differences to the first option (``+diff [95 % CI]``; rates in percentage points)."""
    frame = comparison_frame(comparison)
    scenarios = [r.scenario for r in comparison.results]
    names = [s.name for s in scenarios]
    base = names[0]
    reps = comparison.results[0].reps
    lines = [
        f"{len(names)} options, {reps} replications each with common random numbers (seed "
        f"{comparison.results[0].seed}); differences are paired vs {base!r}, with 95% CI; "
        "differences of rates in percentage points (pp)",
    ]
    table_cells = cells(frame, ("tier", "metric", "option"))
    by_month = bool(comparison.results[0].verdict.months)
    # A term no replication measures reads "met" always: "n/m", as in `slasim run`, not 100 %.
    unmeasured = {r.scenario.name: r.verdict.unmeasured for r in comparison.results}
    verdict_of = {r.scenario.name: r.verdict for r in comparison.results}
    for tier in [ALL, *scenarios[0].tiers]:
        rows = _terms_rows(scenarios, tier)
        for metric in COMPARE_METRICS:
            if (tier, metric, base) not in table_cells:
                continue
            row = {"item": metric}
            for name in names:
                if (tier, metric, name) not in table_cells:
                    row[name] = "-"
                    continue
                c = table_cells[(tier, metric, name)]
                term = metric.removesuffix("_met")
                v = verdict_of[name]
                against = v.against(term, "" if tier == ALL else tier)
                digits = (share_digits(v) if tier == ALL and term in SIDE_NAMES
                          else 0)
                row[name] = ("n/m" if term in unmeasured[name]
                             else _fmt(metric, float(c["mean"]), against, digits))
                if name == base:
                    continue
                row[f"vs {base}: {name}"] = (
                    "n/m" if term in unmeasured[name] or term in unmeasured[base]
                    else f"{_diff(metric, float(c['diff']), signed=True)} "
                         f"[{_diff(metric, float(c['diff_ci_low']))}, "
                         f"{_diff(metric, float(c['diff_ci_high']))}]"
                )
            rows.append(row)
        table = pd.DataFrame(rows).set_index("item").fillna("")
        table.index.name = None
        lines += [
            "",
            (f"tier: {tier}" if tier != ALL
             else f"all tiers (period totals; {money_basis(scenarios[0], None, by_month)})")
            + (" (n/m = not measured)" if any(unmeasured.values()) else ""),
            format_table(table),
        ]
    verdicts = [r.verdict for r in comparison.results]
    lines += ["", f"Verdicts (share of {unit('en', verdicts[0].period_days)} each side keeps "
                  "all its terms, 95% CI)"]
    lines += [f"  {name}: {v.sentence()}" for name, v in zip(names, verdicts, strict=True)]
    profits = [float(r.metric("profit").mean()) for r in comparison.results]
    lines += ["", recommendation(names, verdicts, profits)]
    return "\n".join(lines)
