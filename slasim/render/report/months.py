"""The report of a multi-month horizon: the terms of each month (in the agreement) and the
verdict month by month with the revenue won (in the evidence).

Both come from :mod:`slasim.measure.months` (which months, pro rata) and the one verdict
(:func:`slasim.measure.verdict.judge_months`, through ``result.verdict``); a one-period horizon gets
no block from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from slasim.measure.months import quota_needed
from slasim.measure.quarter import month_rows, months, revenue_rows
from slasim.measure.shares import bar_decimals, decimals_against
from slasim.measure.terms import TERMS
from slasim.render.doc import Block, Heading, Paragraph, Table
from slasim.render.figures import finish_axes, metric_mean, new_axes, report_figure
from slasim.render.i18n import tr
from slasim.render.page import format_money, format_number, format_percent
from slasim.render.quarter_plots import month_p_met_plot, revenue_plot
from slasim.render.report.terms import term_texts

if TYPE_CHECKING:
    from slasim.measure.experiment import SimulationResult
    from slasim.scenario.schema import Scenario

__all__ = ["agreement_month_blocks", "month_blocks"]


def agreement_month_blocks(scenario: Scenario, lang: str) -> list[Block]:
    """The terms of every month of the horizon: one row per tier and term, one column per
    month (a quota pro rata to the month's days in the horizon)."""
    cut = months(scenario)
    if not cut:
        return []
    rows = []
    for tier, terms in scenario.sla.tiers.items():
        texts = dict(zip((t.name for t in TERMS[1:]), term_texts(scenario, terms, lang),
                         strict=True))
        for term in TERMS:
            if term.name == "marketing":
                cells = [format_number(quota_needed(terms.quota, m.days), lang) for m in cut]
            else:
                cells = [texts[term.name]] * len(cut)
            rows.append([tier, term.label[lang], *cells])
    columns = [tr(lang, "col_tier"), tr(lang, "col_term"), *(m.label(lang) for m in cut)]
    return [
        Heading(tr(lang, "h_months_terms"), 3),
        Paragraph(tr(lang, "months_terms_text").format(n=len(cut))),
        Table(pd.DataFrame(rows, columns=columns).set_index(columns[:2])),
    ]


def month_blocks(result: SimulationResult, lang: str) -> list[Block]:
    """P(met) of every term and side in each month and in every month, the sides' figure,
    and the revenue won per month and in the horizon (table and figure)."""
    verdict = result.verdict
    if not verdict.months:
        return []
    s = result.scenario
    names = [m.labels[lang] for m in verdict.months]
    below = tr(lang, "below_mark")
    rows = [
        [r.label, *(format_percent(p, lang, decimals_against(
            p, None if ok is None else verdict.confidence)) + (f" {below}" if ok is False else "")
                    for p, ok in zip(r.p, r.met, strict=True)), format_percent(r.every, lang)]
        for r in month_rows(verdict, lang)
    ]
    columns = [tr(lang, "col_term"), *names, tr(lang, "col_every_month")]
    blocks: list[Block] = [
        Heading(tr(lang, "h_months"), 3),
        Paragraph(tr(lang, "months_text").format(
            n=len(names), mark=below,
            confidence=format_percent(verdict.confidence, lang, bar_decimals(verdict.confidence)),
        )),
        Table(pd.DataFrame(rows, columns=columns).set_index(columns[0])),
    ]
    fig, ax = new_axes()
    month_p_met_plot(verdict, lang=lang, ax=ax)
    ax.set_ylabel(tr(lang, "axis_p_met"))
    conf = verdict.confidence
    finish_axes(ax, lang, {f"confidence {conf:.0%}": tr(lang, "confidence_label").format(
        c=format_percent(conf, lang))})
    blocks.append(report_figure(fig, "months_p_met", tr(lang, "fig_months")))
    cur = s.costs.currency
    money = [
        [r.label, *(format_money(v, cur, lang) for v in (r.mean, r.p10, r.p50, r.p90))]
        for r in revenue_rows(result, lang)
    ]
    columns = [tr(lang, "col_won_in"), tr(lang, "col_mean"), "p10", "p50", "p90"]
    blocks += [
        Paragraph(tr(lang, "revenue_text").format(
            pipeline=format_money(metric_mean(result, "pipeline_value"), cur, lang))),
        Table(pd.DataFrame(money, columns=columns).set_index(columns[0])),
    ]
    fig, ax = new_axes()
    revenue_plot(result, lang=lang, ax=ax)
    ax.set_ylabel(tr(lang, "axis_revenue").format(currency=cur))
    finish_axes(ax, lang)
    blocks.append(report_figure(fig, "revenue_won", tr(lang, "fig_revenue")))
    return blocks
