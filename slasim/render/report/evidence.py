"""Part 2 of the report: the evidence behind the terms, from simulation results.

Figures come from :mod:`slasim.render.plots`; this module only chooses what to show and relabels
axes and legends in the report's language (the plot functions keep English defaults). The
staffing sweep, which runs its own simulations, is in :mod:`slasim.render.report.staffing`.
"""

from __future__ import annotations

import pandas as pd

from slasim.engine.staff import head_count
from slasim.measure.catalogue import QUEUE_METRICS
from slasim.measure.experiment import ComparisonResult, SimulationResult
from slasim.measure.metrics import ALL
from slasim.measure.months import quota_needed
from slasim.measure.shares import SIDE_NAMES, decimals_against, share_digits
from slasim.measure.terms import TERMS, side_flags
from slasim.measure.verdict import Verdict
from slasim.measure.verdict import recommendation as verdict_recommendation
from slasim.render.doc import Block, Callout, Heading, Paragraph, Table
from slasim.render.figures import (
    finish_axes,
    metric_mean,
    new_axes,
    per_month,
    percent_ticks,
    report_figure,
    runs_text,
)
from slasim.render.i18n import tr
from slasim.render.page import format_money, format_number, format_percent, judged_percent
from slasim.render.report.comparison import cells
from slasim.render.report.terms import format_minutes, term_texts
from slasim.render.values import format_difference, format_metric
from slasim.scenario.schema import Scenario

__all__ = [
    "attainment_blocks",
    "decay_blocks",
    "funnel_blocks",
    "funnel_frame",
    "kpi_blocks",
    "options_blocks",
    "queue_blocks",
    "recommendation",
    "response_blocks",
]

KPI_ROWS = (
    "leads_created",
    "response_business_minutes_p90",
    "response_minutes_p90",
    "first_attempt_within_target",
    "attempts_per_lead",
    "contact_rate",
    "qualify_rate",
    "won_deals",
    "revenue",
    "pipeline_value",
    "leads_nurtured",
    "seller_utilization",
    "cost",
    "profit",
)


def _period(verdict: Verdict) -> str:
    """The text keys' suffix for a horizon shorter than a month ("of 7-day periods")."""
    return "_period" if verdict.period_days else ""


def _ci(metric: str, lo: float, hi: float, lang: str, currency: str) -> str:
    sep = "; " if lang == "sv" else ", "  # a comma already is the Swedish decimal sign
    low, high = (format_difference(metric, v, lang=lang, currency=currency) for v in (lo, hi))
    return f"[{low}{sep}{high}]"


# --- attainment and the expected month ----------------------------------------------------
def attainment_blocks(result: SimulationResult, lang: str) -> list[Block]:
    """Headline P(met), a per-term table (target, expected, P(met), verdict), the P(met) bars."""
    from slasim.render.plots import p_met_bars

    s = result.scenario
    conf = s.sla.confidence
    p = result.p_met
    cur = s.costs.currency
    verdict = result.verdict
    blocks: list[Block] = [
        Heading(tr(lang, "h_attainment"), 3),
        Callout(verdict.sentence(lang)),
        Paragraph(
            tr(lang, "headline" + ("_months" if verdict.months else _period(verdict))).format(
                days=verdict.period_days,
                m=judged_percent(verdict, p["p_met_marketing"], lang),
                s=judged_percent(verdict, p["p_met_sales"], lang),
                j=judged_percent(verdict, p["p_met_joint"], lang),
                rule=verdict.rule(lang),
            ),
            note=True,
        ),
    ]
    judged = {(r.tier, r.term): r for r in verdict.terms}
    rows = []
    for tier, terms in s.sla.tiers.items():
        response, attempts, conversion = term_texts(s, terms, lang)
        expected = {
            t.name: "–" if t.measure is None
            else format_metric(
                # A horizon judged month by month states its quotas per month: the expected
                # leads per month beside them, not the whole period's.
                t.measure,
                metric_mean(result, t.measure, tier)
                * (per_month(s, t.measure) if verdict.months else 1.0),
                lang=lang, currency=cur,
            )
            for t in TERMS
        }
        # The quota in the period (the agreement states it per month), then the sales terms.
        # pro-rated (quota x days / 30.4375) unless the period is an average month.
        quota = format_number(terms.quota, lang)
        in_period = format_number(quota_needed(terms.quota, s.horizon.days), lang)
        if verdict.months:  # judged month by month: the month-by-month table says each
            quota = tr(lang, "quota_per_month").format(quota=quota)
        elif in_period != quota:
            quota = tr(lang, "quota_in_period").format(
                n=in_period, days=s.horizon.days, quota=quota
            )
        texts = (quota, response, attempts, conversion)
        targets = {t.name: text for t, text in zip(TERMS, texts, strict=True)}
        for term in TERMS:
            req = judged.get((tier, term.name))
            met = req.p if req is not None else metric_mean(result, term.flag, tier)
            rows.append(
                [
                    tier,
                    term.label[lang],
                    targets[term.name],
                    expected[term.name],
                    # Counted as met, never measured: the table must not show "100 %".
                    tr(lang, "not_measured") if term.name in verdict.unmeasured
                    else format_percent(met, lang, decimals_against(
                        met, verdict.against(term.name, tier))),  # judged at level term
                ]
            )
    columns = [tr(lang, k) for k in ("col_tier", "col_term", "col_target", "col_expected")]
    columns += [tr(lang, "col_p_every_month" if verdict.months else "col_p_met")]
    blocks.append(Table(pd.DataFrame(rows, columns=columns).set_index(columns[:2])))
    if verdict.months:
        return blocks  # the month-by-month section has the figure (slasim.render.report.months)
    fig, ax = new_axes()
    p_met_bars(result, ax=ax)
    for label in ax.texts:  # the value written on a bar too short to see ("0%"): as the axis
        label.set_text(format_percent(float(label.get_text().rstrip("%")) / 100, lang))
    ax.set_xticks(ax.get_xticks(), [t.label[lang] for t in TERMS])
    ax.set_ylabel(tr(lang, "axis_p_met" + _period(verdict)).format(days=verdict.period_days))
    percent_ticks(ax.yaxis, lang)
    finish_axes(
        ax,
        lang,
        {
            f"confidence {conf:.0%}": tr(lang, "confidence_label").format(
                c=format_percent(conf, lang)
            )
        },
        tr(lang, "col_tier"),
    )
    blocks.append(report_figure(fig, "p_met", tr(lang, "fig_p_met" + _period(verdict)).format(
        days=verdict.period_days)))
    return blocks


def _mean_table(
    result: SimulationResult, metrics: tuple[str, ...], lang: str, missing: str = "",
    monthly: bool = False,
) -> Table:
    """Metric means per tier, with the CI for the all-tiers column; ``monthly``: counts and
    money per month (:func:`~slasim.render.figures.per_month`)."""
    s = result.scenario
    summary = cells(result.summary, ("metric", "tier"))
    cur = s.costs.currency
    tiers = [ALL, *s.tiers]
    rows = []
    for metric in metrics:
        label = tr(lang, f"m_{metric}")
        if monthly and per_month(s, metric) != 1.0:  # say so: rates and times are not
            label = tr(lang, "per_month_label").format(label=label)
        row = [label]
        for tier in tiers:
            if (metric, tier) not in summary:
                row.append(missing)
                continue
            cell = summary[(metric, tier)]
            scale = per_month(s, metric) if monthly else 1.0
            text = format_metric(metric, float(cell["mean"]) * scale, lang=lang, currency=cur)
            half = (float(cell["ci_high"]) - float(cell["mean"])) * scale
            if tier == ALL and half == half:
                text += " ± " + format_metric(metric, half, lang=lang, currency=cur)
            row.append(text)
        rows.append(row)
    columns = [tr(lang, "col_metric"), tr(lang, "col_all"), *s.tiers]
    return Table(pd.DataFrame(rows, columns=columns).set_index(columns[0]))


def kpi_blocks(result: SimulationResult, lang: str) -> list[Block]:
    """The expected month: KPI means per tier (counts and money per month), with the CI for the
    all-tiers column."""
    return [
        Heading(tr(lang, "h_kpis"), 3),
        _mean_table(result, KPI_ROWS, lang, monthly=True),
        Paragraph(tr(lang, "kpi_note").format(runs=runs_text(result.scenario, result.reps, lang)),
                  note=True),
    ]


def queue_blocks(result: SimulationResult, lang: str) -> list[Block]:
    """The queue as a call centre reads it (:data:`slasim.measure.catalogue.QUEUE_METRICS`)."""
    short = result.scenario.routing.short_abandon_seconds
    seconds = format_number(short, lang, 0 if short.is_integer() else 1)
    return [
        Heading(tr(lang, "h_queue"), 3),
        _mean_table(result, QUEUE_METRICS, lang, missing="–"),
        Paragraph(tr(lang, "queue_note").format(short=seconds), note=True),
    ]


# --- funnel, response times, decay ---------------------------------------------------------
def funnel_frame(result: SimulationResult, lang: str) -> pd.DataFrame:
    """Expected leads per month at each stage (columns, translated), one row per tier."""
    reps = result.replications
    months = result.scenario.horizon.months
    rows = {}
    for tier in result.scenario.tiers:
        leads = reps[("leads_created", tier)]
        rows[tier] = [
            leads.mean(),
            (reps[("contact_rate", tier)] * leads).mean(),
            (reps[("qualify_rate", tier)] * leads).mean(),
            (reps[("opportunity_rate", tier)] * leads).mean(),
            reps[("won_deals", tier)].mean(),
        ]
    stages = ["stage_leads", "stage_contacted", "stage_qualified", "stage_opportunity", "stage_won"]
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=[tr(lang, k) for k in stages])
    frame.index.name = tr(lang, "col_tier")
    return frame / months


def funnel_blocks(result: SimulationResult, lang: str) -> list[Block]:
    """The funnel table and bars."""
    from slasim.render.plots import funnel_bars

    frame = funnel_frame(result, lang)
    shown = frame.map(lambda v: format_number(v, lang, 1 if v < 100 else 0))
    fig, ax = new_axes()
    funnel_bars(frame, ax=ax)
    ax.set_ylabel(tr(lang, "axis_leads_per_month"))
    finish_axes(ax, lang, title=tr(lang, "col_tier"))
    return [
        Heading(tr(lang, "h_funnel"), 3),
        Paragraph(tr(lang, "funnel_text")),
        Table(shown),
        report_figure(fig, "funnel", tr(lang, "fig_funnel")),
    ]


def response_blocks(result: SimulationResult, lang: str) -> list[Block]:
    """Response-time distribution against the targets (needs a result with records)."""
    from slasim.render.plots import response_time_distribution

    s = result.scenario
    clock = next((t.response_clock for t in s.sla.tiers.values()), "wall")
    fig, ax = new_axes()
    response_time_distribution(result, clock=clock, ax=ax)
    ax.set_xlabel(tr(lang, "axis_response").format(clock=tr(lang, f"clock_{clock}")))
    ax.set_ylabel(tr(lang, "axis_share_attempted"))
    percent_ticks(ax.yaxis, lang)
    finish_axes(ax, lang, title=tr(lang, "col_tier"))
    return [
        Heading(tr(lang, "h_response"), 3),
        report_figure(fig, "response_times", tr(lang, "fig_response")),
    ]


def _describe_curve(spec: dict[str, object], lang: str) -> str:
    kind = str(spec["kind"])
    floor = format_percent(float(spec.get("floor", 0.0)), lang)  # type: ignore[arg-type]
    if kind == "exponential":
        half = format_minutes(float(spec["half_life_minutes"]), lang)  # type: ignore[arg-type]
        return tr(lang, "curve_exponential").format(half_life=half, floor=floor)
    if kind == "power_law":
        return tr(lang, "curve_power_law").format(
            scale=format_minutes(float(spec["scale_minutes"]), lang),  # type: ignore[arg-type]
            exponent=format_number(float(spec["exponent"]), lang, 2),  # type: ignore[arg-type]
            floor=floor,
        )
    if kind == "table":
        ages = list(spec["ages_minutes"])  # type: ignore[call-overload]
        factors = list(spec["factors"])  # type: ignore[call-overload]
        points = ", ".join(
            tr(lang, "curve_point").format(
                factor=format_number(float(f), lang, 3), age=format_minutes(float(a), lang)
            )
            for a, f in zip(ages, factors, strict=True)
        )
        return tr(lang, "curve_table").format(points=points)
    return tr(lang, "curve_flat")


def decay_blocks(scenario: Scenario, lang: str) -> list[Block]:
    """The contact and qualify decay curves in force, described, with their source."""
    from slasim.model.decay_presets import get_preset
    from slasim.render.plots import decay_curves

    contact, qualify = scenario.decay.curves()
    preset = get_preset(scenario.decay.preset)
    sources = [
        tr(lang, "decay_own") if own is not None else preset.source
        for own in (scenario.decay.contact, scenario.decay.qualify)
    ]
    fig, ax = new_axes()
    decay_curves(
        [(tr(lang, "label_contact"), contact), (tr(lang, "label_qualify"), qualify)],
        max_minutes=1440.0,
        decimal="," if lang == "sv" else ".",
        ax=ax,
    )
    ax.set_xlabel(tr(lang, "axis_age"))
    ax.set_ylabel(tr(lang, "axis_multiplier"))
    finish_axes(ax, lang)
    blocks: list[Block] = [
        Heading(tr(lang, "h_decay"), 3),
        Paragraph(
            tr(lang, "decay_contact").format(curve=_describe_curve(contact.to_spec(), lang))
            + " "
            + tr(lang, "decay_qualify").format(curve=_describe_curve(qualify.to_spec(), lang))
        ),
    ]
    blocks += [
        Paragraph(tr(lang, "decay_source").format(source=src), note=True)
        for src in dict.fromkeys(sources)
    ]
    blocks += [
        Paragraph(tr(lang, "decay_caveat"), note=True),
        report_figure(fig, "decay", tr(lang, "fig_decay")),
    ]
    return blocks


# --- options ------------------------------------------------------------------------------
def recommendation(comparison: ComparisonResult, lang: str) -> str:
    """The recommended option in words (:func:`slasim.measure.verdict.recommendation`)."""
    results = comparison.results
    cur = results[0].scenario.costs.currency
    return verdict_recommendation(
        [r.scenario.name for r in results],
        [r.verdict for r in results],
        [metric_mean(r, "profit") * per_month(r.scenario, "profit") for r in results],
        lang,
        lambda v: format_money(v, cur, lang),
        per="month",
    )


_OPTION_ROWS = (
    *reversed(side_flags()),  # joint, sales, marketing
    "revenue",
    "pipeline_value",
    "cost",
    "profit",
    "first_attempt_within_target",
    "contact_rate",
    "seller_utilization",
)


def _policy_name(s: Scenario, lang: str) -> str:
    return tr(lang, f"policy_{s.routing.policy}").format(order=" > ".join(s.tier_order()))


def options_blocks(comparison: ComparisonResult, lang: str) -> list[Block]:
    """Options side by side, paired differences with CI, bars, and the recommendation."""
    from slasim.render.plots import option_bars
    from slasim.render.report.comparison import comparison_frame

    results = comparison.results
    scenarios = [r.scenario for r in results]
    names = [s.name for s in scenarios]
    base = names[0]
    cur = scenarios[0].costs.currency
    frame = cells(comparison_frame(comparison), ("tier", "metric", "option"))
    values: dict[str, list[str]] = {
        tr(lang, "row_sellers"): [str(head_count(s)) for s in scenarios],
        tr(lang, "row_routing"): [_policy_name(s, lang) for s in scenarios],
    }
    for tier in scenarios[0].sla.tiers:
        label = tr(lang, "row_term").format(tier=tier, term=tr(lang, "term_quota"))
        values[label] = [
            format_number(s.sla.tiers[tier].quota, lang) if tier in s.sla.tiers else "–"
            for s in scenarios
        ]
        label = tr(lang, "row_term").format(tier=tier, term=tr(lang, "term_response"))
        values[label] = [
            term_texts(s, s.sla.tiers[tier], lang)[0] if tier in s.sla.tiers else "–"
            for s in scenarios
        ]
    diffs: dict[str, list[str]] = {}
    for metric in _OPTION_ROWS:
        label = tr(lang, f"m_{metric}")
        if per_month(scenarios[0], metric) != 1.0:
            label = tr(lang, "per_month_label").format(label=label)
        shown: list[str] = []
        dcells: list[str] = []
        for name in names:
            key = (ALL, metric, name)
            if key not in frame:
                shown.append("–")
                dcells.append("–")
                continue
            # Counts and money per month, as in the brief (the options share the horizon).
            c = {k: v * per_month(scenarios[0], metric) for k, v in frame[key].items()}
            option = results[names.index(name)].verdict
            shown.append(
                # The sides' P(met), as compare and the verdict print them (side_decimals).
                format_percent(float(c["mean"]), lang, share_digits(option))
                if metric.removesuffix("_met") in SIDE_NAMES
                else format_metric(metric, float(c["mean"]), lang=lang, currency=cur))
            dcells.append(
                format_difference(metric, float(c["diff"]), signed=True, lang=lang, currency=cur)
                + " "
                + _ci(metric, float(c["diff_ci_low"]), float(c["diff_ci_high"]), lang, cur)
            )
        values[label] = shown
        diffs[label] = dcells[1:]
    side = pd.DataFrame.from_dict(values, orient="index", columns=names)
    side.index.name = tr(lang, "col_item")
    paired = pd.DataFrame.from_dict(diffs, orient="index", columns=names[1:])
    paired.index.name = tr(lang, "col_item")

    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 0.6 * len(names) + 1.6), sharey=True)
    for ax, metric in ((ax1, "profit"), (ax2, "joint_met")):
        scale = per_month(scenarios[0], metric)
        rows = [{k: v * scale for k, v in frame[(ALL, metric, n)].items()} for n in names]
        option_bars(
            names,
            [float(r["mean"]) for r in rows],
            [float(r["ci_low"]) for r in rows],
            [float(r["ci_high"]) for r in rows],
            # The confidence line only where the level judges both sides together: at level
            # side a realistic proposal at 74 % joint looked as if it failed.
            reference=(scenarios[0].sla.confidence
                       if metric == "joint_met" and scenarios[0].sla.confidence_level == "joint"
                       else None),
            ax=ax,
        )
    ax1.set_xlabel(tr(lang, "axis_profit").format(currency=cur))
    ax1.xaxis.set_major_formatter(
        plt.FuncFormatter(lambda v, _: format_number(v / 1000, lang) + ("\u00a0k" if v else ""))
    )
    ax2.set_xlabel(tr(lang, "axis_joint"))
    ax2.set_xlim(0, 1.05)
    percent_ticks(ax2.xaxis, lang)
    return [
        Heading(tr(lang, "h_options"), 3),
        Paragraph(tr(lang, "options_text").format(
            runs=runs_text(scenarios[0], results[0].reps, lang, short=True), base=base)),
        Callout(recommendation(comparison, lang)),
        Table(side),
        Table(paired, caption=tr(lang, "col_difference").format(base=base)),
        Paragraph(tr(lang, "pp_note"), note=True),
        report_figure(fig, "options", tr(lang, "fig_options")),
    ]
