"""Part 1 of the report: the agreement, written from the scenario's SLA terms.

It follows the three steps of a good SLA: agreed together (purpose, signatures), the process
along the buyer journey (lead definitions, marketing's and sales' commitments, routing), and
measured and optimized (how each term is measured, review cadence).
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from slasim.measure.months import quota_needed
from slasim.render.doc import Block, Bullets, Heading, Paragraph, Table
from slasim.render.i18n import tr
from slasim.render.page import format_date, format_money, format_number, format_percent
from slasim.render.report.months import agreement_month_blocks
from slasim.render.report.terms import format_minutes, term_texts
from slasim.scenario.schema import Scenario

__all__ = ["agreement_blocks", "period_dates"]

#: The month lengths whose leads needed the quota table states (February, a leap February,
#: 30 and 31 days).
_MONTH_DAYS = (28, 29, 30, 31)


def period_dates(scenario: Scenario, lang: str) -> tuple[str, str]:
    """First and last day of the scenario's horizon, formatted for ``lang``."""
    h = scenario.horizon
    return format_date(h.start, lang), format_date(h.start + timedelta(days=h.days - 1), lang)


def _policy(scenario: Scenario, lang: str) -> str:
    routing = scenario.routing
    text = tr(lang, f"policy_{routing.policy}").format(order=" > ".join(scenario.tier_order()))
    out = tr(lang, "routing_text").format(policy=text)
    if routing.age_cutoff_minutes is not None:
        minutes = format_minutes(routing.age_cutoff_minutes, lang)
        out += " " + tr(lang, "age_cutoff_text").format(minutes=minutes)
    return out


def _frame(rows: list[list[str]], columns: list[str], index: str) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=[index, *columns])
    return frame.set_index(index)


def agreement_blocks(scenario: Scenario, lang: str) -> list[Block]:
    """The agreement (part 1) as document blocks."""
    start, end = period_dates(scenario, lang)
    currency = scenario.costs.currency
    tiers = list(scenario.tiers)
    terms = scenario.sla.tiers
    blocks: list[Block] = [
        Heading(tr(lang, "h_agreement")),
        Heading(tr(lang, "h_purpose"), 3),
        Paragraph(
            tr(lang, "purpose_text").format(
                start=start, end=end, days=scenario.horizon.days, tz=scenario.horizon.timezone
            )
        ),
        Paragraph(tr(lang, "steps_intro")),
        Bullets(tuple((tr(lang, f"step{i}_lead"), tr(lang, f"step{i}")) for i in (1, 2, 3))),
        Heading(tr(lang, "h_definitions"), 3),
        Paragraph(tr(lang, "definitions_text")),
        Table(
            _frame(
                [
                    [
                        name,
                        format_number(t.monthly_volume, lang),
                        format_money(t.deal_size.median, currency, lang),
                        format_percent(t.base_contact, lang),
                        format_percent(t.base_qualify, lang),
                        format_percent(t.win_rate, lang),
                    ]
                    for name, t in scenario.tiers.items()
                ],
                [tr(lang, k) for k in ("col_volume", "col_deal", "col_contact0", "col_qualify0")]
                + [tr(lang, "col_win")],
                tr(lang, "col_tier"),
            )
        ),
        Heading(tr(lang, "h_marketing"), 3),
        Paragraph(tr(lang, "marketing_text")),
        Table(
            _frame(
                [
                    [
                        name,
                        format_number(terms[name].quota, lang),
                        *(format_number(quota_needed(terms[name].quota, days), lang)
                          for days in _MONTH_DAYS),
                        format_money(scenario.costs.cost_per_lead.get(name, 0.0), currency, lang),
                    ]
                    for name in tiers
                    if name in terms
                ],
                [tr(lang, "col_quota"),
                 *(tr(lang, "col_needed").format(days=days) for days in _MONTH_DAYS),
                 tr(lang, "col_cost_per_lead")],
                tr(lang, "col_tier"),
            )
        ),
        Heading(tr(lang, "h_sales"), 3),
        Paragraph(
            tr(lang, "sales_text").format(
                attempts=scenario.cadence.max_attempts,
                window=format_minutes(scenario.cadence.window_days, lang),
            )
        ),
        Table(
            _frame(
                [[n, *term_texts(scenario, terms[n], lang)] for n in tiers if n in terms],
                [tr(lang, "col_response"), tr(lang, "col_attempts"), tr(lang, "col_conversion")],
                tr(lang, "col_tier"),
            )
        ),
        Paragraph(_policy(scenario, lang)),
        *agreement_month_blocks(scenario, lang),
        Heading(tr(lang, "h_measurement"), 3),
        Table(_measurement(scenario, lang)),
        Paragraph(tr(lang, "measurement_note"), note=True),
        Heading(tr(lang, "h_review"), 3),
        Bullets(
            tuple(
                (tr(lang, f"review_{k}_lead"), tr(lang, f"review_{k}"))
                for k in ("weekly", "monthly", "quarterly")
            )
        ),
        Heading(tr(lang, "h_signatures"), 3),
        Bullets(
            (
                ("", tr(lang, "sign_marketing") + " " + "_" * 40),
                ("", tr(lang, "sign_sales") + " " + "_" * 40),
            )
        ),
    ]
    return blocks


def _measurement(scenario: Scenario, lang: str) -> pd.DataFrame:
    clocks = dict.fromkeys(t.response_clock for t in scenario.sla.tiers.values())
    response_clock = ", ".join(tr(lang, f"clock_{c}") for c in clocks) or tr(lang, "clock_wall")
    month, source = tr(lang, "period_month"), tr(lang, "source_crm")
    rows = [
        [tr(lang, "term_quota"), tr(lang, "measure_quota"), tr(lang, "clock_calendar")],
        [tr(lang, "term_response"), tr(lang, "measure_response"), response_clock],
        [tr(lang, "term_attempts"), tr(lang, "measure_attempts"), tr(lang, "clock_calendar")],
        [tr(lang, "term_conversion"), tr(lang, "measure_conversion"), tr(lang, "clock_calendar")],
    ]
    return _frame(
        [[*row, month, source] for row in rows],
        [tr(lang, k) for k in ("col_measure", "col_clock", "col_period", "col_source")],
        tr(lang, "col_term"),
    )
