"""Plain-text tables for the terminal (``slasim check``, ``slasim run``, ``slasim compare``);
``slasim plan``'s report is in :mod:`slasim.render.plan_text`."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from slasim.engine.patience import patience_law
from slasim.measure.catalogue import QUEUE_METRICS, text_spec
from slasim.measure.shares import SIDE_NAMES, bar_percent, decimals_against, judged_p, share_digits
from slasim.measure.terms import side_flags, term_flags
from slasim.planning.check import ScenarioCheck, follow_up_line
from slasim.planning.workload import hires_text
from slasim.render.values import format_difference
from slasim.scenario.schema import Horizon, Scenario

if TYPE_CHECKING:  # neither the engine nor pandas is needed to format a check
    from collections.abc import Mapping, Sequence

    import pandas as pd

    from slasim.measure.experiment import ComparisonResult, SimulationResult
    from slasim.measure.verdict import Verdict

ALL = "all"  # = slasim.measure.metrics.ALL, repeated so that `check` does not import the engine

__all__ = [
    "format_check",
    "format_comparison",
    "format_rows",
    "format_run",
    "format_table",
    "money_basis",
    "patience_lines",
]


_MISSING = "–"


def _isnan(value: object) -> bool:
    return isinstance(value, float) and value != value


def money_basis(scenario: Scenario, profit: float | None = None, by_month: bool = False) -> str:
    """What the money of a per-period table is, beside the per-month money of optimize (and of
    the report, for a horizon judged as one period), with ``profit`` on that basis: the two
    differ by 30.44 / days and each output must say which it prints."""
    h = scenario.horizon
    # optimize refuses a horizon judged month by month; the report's decision table gives
    # that horizon's money for the whole period (as here), its evidence tables per month.
    who = ("the report's decision table gives it for the period too, its evidence tables give"
           if by_month else "optimize and the report give")
    days = "the day" if h.days == 1 else f"the {h.days} days"
    text = f"money for {days}; {who} it per average month, x 30.44/{h.days}"
    if profit is not None:
        text += f": profit {profit / h.months:,.0f} {scenario.costs.currency} per month"
    return text


def format_table(frame: pd.DataFrame, formats: dict[str, str] | None = None) -> str:
    """Render ``frame`` with per-column format specs (e.g. ``{"share": "{:.0%}"}``); a missing
    value (NaN) in a formatted column shows as ``–``, not ``nan%``, and a string as it is."""
    formats = formats or {}
    shown = frame.copy()
    for column in shown.columns:
        spec = formats.get(str(column))
        if spec is not None:
            shown[column] = [_MISSING if _isnan(v) else v if isinstance(v, str)
                             else spec.format(v) for v in shown[column]]
    return shown.to_string()


def format_rows(
    rows: Sequence[object], index: str, formats: Mapping[str, str] | None = None
) -> str:
    """Render dataclass ``rows`` as ``format_table`` renders them in a frame indexed by ``index``.

    The same text as ``format_table(pd.DataFrame(rows).set_index(index), formats)`` (tested
    against pandas) without importing pandas, so that `slasim check` starts in a fraction of a
    second. Columns without a format must hold strings or integers: pandas' float layout is
    not reproduced.
    """
    formats = formats or {}
    records = [dataclasses.asdict(r) for r in rows]  # type: ignore[call-overload]
    if not records:
        raise ValueError("rows(=[]) must hold at least one row.")
    names = [k for k in records[0] if k != index]
    keys = [str(r[index]) for r in records]
    # As pandas' to_string: a string cell gets one leading space, an integer one its sign
    # (space or minus) and its column header a leading space; cells and headers are
    # right-aligned, the index left-aligned, columns separated by one space.
    cells, headers = {}, {}
    for c in names:
        values = [r[c] for r in records]
        headers[c] = c
        if c in formats:
            cells[c] = [" " + formats[c].format(v) for v in values]
        elif all(isinstance(v, str) for v in values):
            cells[c] = [" " + v for v in values]
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            cells[c] = [f"{v: d}" for v in values]
            headers[c] = " " + c
        else:
            raise TypeError(f"column {c!r} (={values!r}) needs a format: not strings or ints.")
    widths = {c: max(len(headers[c]), *(len(v) for v in cells[c])) for c in names}
    key_width = max(len(index), *(len(k) for k in keys))
    total = key_width + sum(widths[c] + 1 for c in names)
    lines = [
        " " * key_width + "".join(" " + headers[c].rjust(widths[c]) for c in names),
        index.ljust(total),
    ]
    for i, key in enumerate(keys):
        lines.append(key.ljust(key_width) + "".join(" " + cells[c][i].rjust(widths[c])
                                                     for c in names))
    return "\n".join(lines)


def _warmup(horizon: Horizon) -> str:
    """`` after N warm-up days`` when the horizon has a warm-up, else nothing."""
    return f" after {horizon.warmup_days} warm-up days" if horizon.warmup_days else ""


def _business_hours(scenario: Scenario) -> float:
    return scenario.business_calendar().business_minutes_total / 60


def patience_lines(scenario: Scenario) -> list[str]:
    """The patience, and that the analytic screen leaves it out; nothing without patience."""
    law = patience_law(scenario.routing.patience_spec())
    if law is None:
        return []
    return [
        f"patience: {law.describe()}; Erlang C here ignores it (nobody leaves the queue: a "
        "conservative screen), the simulation draws it"
    ]


def _staff_text(scenario: Scenario, result: ScenarioCheck) -> str:
    rows = result.shift_rows
    hires = scenario.team.hires
    # The rows count a hire's seat from day one (7 on a quarter whose January has 5 on duty):
    # with hires, the sellers of the first day and who joins when.
    first = sum(r.sellers for r in rows) - sum(h.sellers for h in hires)
    joins = hires_text([(h.shift, h.sellers, h.start) for h in hires]).removeprefix("; ")
    return f"{first} sellers in {len(rows)} shift(s)" + (f" ({joins})" if joins else "")


def format_check(
    scenario: Scenario,
    result: ScenarioCheck,
    quick: tuple[Verdict, int] | None = None,
    *,
    too_big: bool = False,
) -> str:
    """The ``slasim check`` report; ``quick`` is the short simulation's verdict and months."""
    h = scenario.horizon
    lines = [
        f"scenario {scenario.name!r}: {h.start} + {h.days} days ({h.timezone}){_warmup(h)}, "
        f"{len(scenario.tiers)} tiers, {_staff_text(scenario, result)}, "
        f"routing {scenario.routing.policy}",
        f"business hours in horizon: {_business_hours(scenario):,.0f} h; "
        f"holidays: {', '.join(str(d) for d in scenario.holidays()) or 'none'}",
        *patience_lines(scenario),
        *([result.roster] if result.roster else []),
        "",
        "Leads (expected)",
        format_rows(
            result.tier_rows,
            "tier",
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
        format_rows(
            result.shift_rows,
            "shift",
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
    if (follow := follow_up_line(scenario)) is not None:
        lines.append(follow)
    if result.notes:
        lines += ["", "Defaults you did not choose (they change the answer)"]
        lines += [f"  - {n}" for n in result.notes]
    if result.warnings:
        lines += ["", "Warnings"] + [f"  ! {w}" for w in result.warnings]
        # No verdict word here: the one verdict comes from simulated months, and the screen can
        # be wrong either way (Erlang C asked for 7 sellers where hot-first routing needs 5).
        lines += ["", "The analytic screen finds the problems above. It cannot see the backlog at "
                  "opening, priorities, patience or repeated attempts: this is not a verdict; "
                  "`slasim run` gives one."]
    elif quick is not None:
        from slasim.render.figures import runs_text

        verdict, reps = quick
        lines += [
            "",
            "The analytic screen (volumes, capacity after shrinkage, Erlang C per shift in "
            "steady state) finds no problem; it cannot see the backlog at opening, priorities "
            f"or repeated attempts, so {runs_text(scenario, reps, 'en')} were run (seed 0):",
            verdict.sentence(),
            "`slasim run` gives the full answer; `slasim plan` the fewest sellers.",
        ]
    else:
        why = (" (too many leads or sellers for check's quick simulation of a few seconds)"
               if too_big else "")
        lines += [
            "",
            "No problem on the analytic screen (volumes, capacity after shrinkage, Erlang C per "
            "shift in steady state). It cannot see the backlog at opening, priorities or "
            f"repeated attempts: this is not a verdict{why}; `slasim run` gives one.",
        ]
    return "\n".join(lines)


# -- slasim run --------------------------------------------------------------------------------

#: Metrics shown by ``slasim run`` (formats and labels come from :mod:`slasim.measure.catalogue`).
RUN_ROWS: tuple[str, ...] = (
    "leads_created",
    "response_minutes_p50",
    "response_minutes_p90",
    "response_business_minutes_p90",
    "first_attempt_within_target",
    "attempts_per_lead",
    "contact_rate",
    "qualify_rate",
    "win_rate",
    "won_deals",
    "revenue",
    "pipeline_value",
    "leads_nurtured",
    "leads_waiting",
    "seller_utilization",
    "seller_overtime_minutes",
    "cost",
    "profit",
)


def _sla_rows() -> tuple[str, ...]:
    """The per-term flags, then the sides' (from the term registry)."""
    return tuple(dict.fromkeys((*term_flags(), *side_flags())))


def _fmt(spec: str, value: float) -> str:
    return "-" if value != value else spec.format(value)  # NaN -> "-"


def _share(value: float, against: float | None = None, digits: int = 0) -> str:
    """``"80%"``; a share the verdict judges against ``against`` never rounds across it
    (``"79.8%"``: :func:`~slasim.measure.shares.decimals_against`), at least ``digits``."""
    return _fmt(f"{{:.{max(digits, decimals_against(value, against))}%}}", value)


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
    v = result.verdict
    d = share_digits(v)  # the three sides' shares read alike
    p = {k: _share(x, digits=d) for k, x in result.p_met.items()}
    every = " in every month" if result.verdict.months else ""
    lines = [
        f"scenario {s.name!r}: {result.reps} replication{'s' if result.reps != 1 else ''} of "
        f"{s.horizon.days} days{_warmup(s.horizon)}, "
        f"seed {result.seed}",
        f"SLA attainment (share of simulated periods in which each side keeps all its terms"
        f"{every}; realistic {_JUDGED[s.sla.confidence_level]}>= {bar_percent(s.sla.confidence)}"
        f"{' in each month' if every else ''}, level {s.sla.confidence_level!r}): "
        f"marketing {p['p_met_marketing']}, sales {p['p_met_sales']}, joint {p['p_met_joint']}",
        "",
    ]
    profit = summary[("profit", "all")]["mean"] if ("profit", "all") in summary else float("nan")
    lines += [f"Mean per simulated period ({money_basis(s, profit, bool(every))})",
              _mean_table(summary, RUN_ROWS, tiers), ""]
    short = s.routing.short_abandon_seconds
    lines += [
        f"Queue per simulated period (wait = created to first attempt; short = gave up within "
        f"{short:g} s; - = no such lead; not SLA terms)",
        _mean_table(summary, QUEUE_METRICS, tiers, missing="-"),
        "",
    ]
    import pandas as pd  # here: `slasim check` imports this module and must start fast

    if result.verdict.months:
        lines += [*_month_lines(result), "", _run_verdict(result)]
        return "\n".join(lines)
    sla_rows = []
    for metric in _sla_rows():
        row = {"P(met)": metric.removesuffix("_met")}
        # A term no replication measures reads "met" always: its row says so, not 100%.
        unmeasured = metric.removesuffix("_met") in result.verdict.unmeasured
        for tier in tiers:
            key = (metric, tier)
            against = v.against(row["P(met)"], "" if tier == ALL else tier)
            digits = d if tier == ALL and row["P(met)"] in SIDE_NAMES else 0
            row[tier] = ("n/m" if unmeasured and key in summary
                         else _share(summary[key]["mean"], against, digits) if key in summary
                         else "")
        sla_rows.append(row)
    lines += [
        "P(term met) per tier" + (" (n/m = not measured)" if result.verdict.unmeasured else ""),
        pd.DataFrame(sla_rows).set_index("P(met)").to_string(),
        "",
        _run_verdict(result),
    ]
    return "\n".join(lines)


def _month_lines(result: SimulationResult) -> list[str]:
    """A multi-month horizon: P(term met) month by month and revenue won per month."""
    import pandas as pd

    from slasim.measure.quarter import month_rows, revenue_rows

    verdict = result.verdict
    conf = verdict.confidence
    names = [m.labels["en"] for m in verdict.months]
    table = pd.DataFrame(
        [{"P(met)": r.label,
          **{n: _share(p, None if ok is None else conf) + (" !" if ok is False else "")
             for n, p, ok in zip(names, r.p, r.met, strict=True)},
          "every month": _fmt("{:.0%}", r.every)} for r in month_rows(verdict)]
    ).set_index("P(met)")
    money = pd.DataFrame(
        [{"won in": r.label, "mean": f"{r.mean:,.0f}", "p10": f"{r.p10:,.0f}",
          "median": f"{r.p50:,.0f}", "p90": f"{r.p90:,.0f}"} for r in revenue_rows(result)]
    ).set_index("won in")
    return [
        f"P(term met) per month (! = below the confidence {bar_percent(verdict.confidence)}; the "
        "horizon is realistic when every month is; every month = P(kept in all months))",
        table.to_string(),
        "",
        f"Revenue of deals won ({result.scenario.costs.currency}; open pipeline at the end "
        "not included: pipeline_value above)",
        money.to_string(),
    ]


def _mean_table(
    summary: Cells, metrics: Sequence[str], tiers: Sequence[str], missing: str = ""
) -> str:
    """Metric rows, tier columns: the mean, with its 95 % CI half-width for all tiers."""
    import pandas as pd  # here: `slasim check` imports this module and must start fast

    rows = []
    for metric in metrics:
        spec = text_spec(metric)
        row = {"metric": metric}
        for tier in tiers:
            cell = summary.get((metric, tier))
            if cell is not None:
                text = _fmt(spec, cell["mean"])
                if tier == ALL and cell["ci_high"] == cell["ci_high"]:
                    text += f" ±{_fmt(spec, cell['ci_high'] - cell['mean'])}"
                row[tier] = text
            else:
                row[tier] = missing
        rows.append(row)
    table = pd.DataFrame(rows).set_index("metric")
    table.columns = [f"{c} (mean ±95% CI)" if c == ALL else c for c in table.columns]
    return table.to_string()


#: What reaches the confidence at each level, in the run's header ("realistic at >= 80%" is
#: the side level's share above; the other levels judge another number).
_JUDGED = {"side": "at ", "joint": "when both sides together reach ",
           "term": "when every term (P(term met) below) reaches "}


def _run_verdict(result: SimulationResult) -> str:
    """The verdict line of ``slasim run``, pointing to the staffing answer when sales misses."""
    verdict = result.verdict

    # A failing sales side (level side) or sales term (level term); at level joint, unless
    # marketing alone explains the miss. More sellers do not fix a marketing quota.
    # Judged as the staffing search judges them (judged_p: a quarter's weakest month).
    sales_misses = any(r.side == "sales" for r in verdict.failing) or (
        verdict.level == "joint" and not verdict.realistic
        and (judged_p(verdict, "sales") < verdict.confidence
             or judged_p(verdict, "marketing") >= verdict.confidence)
    )
    # At level joint the staffing search asks for the whole agreement (both sides together).
    # Staffing cannot lift marketing's quotas: while they fail, it fixes the sales side only.
    whole = verdict.level == "joint" and judged_p(verdict, "marketing") >= verdict.confidence
    what = "make the agreement realistic" if whole else "fix the sales side"
    fix = (f"`slasim plan` gives the fewest sellers that {what}, per routing policy"
           if sales_misses else None)
    return verdict.sentence(fix=fix)


def format_comparison(comparison: ComparisonResult) -> str:
    """Paired differences (option - first scenario) for the headline metrics."""
    base = comparison.results[0].scenario.name
    d = _cells(comparison.differences, ("option", "metric", "tier"))
    options = dict.fromkeys(key[0] for key in d)
    lines = [f"Paired differences vs {base!r} (same leads in every option; 95% CI)"]
    rows = []
    for option in options:
        for metric in (*RUN_ROWS, *_sla_rows()):
            r = d.get((option, metric, ALL))
            if r is None:
                continue
            rows.append(
                {
                    "option": option,
                    "metric": metric,
                    "difference": format_difference(metric, r["mean"]),
                    "95% CI": (
                        f"[{format_difference(metric, r['ci_low'])}, "
                        f"{format_difference(metric, r['ci_high'])}]"
                    ),
                }
            )
    import pandas as pd  # here: `slasim check` imports this module and must start fast

    lines.append(pd.DataFrame(rows).set_index(["option", "metric"]).to_string())
    return "\n".join(lines)
