"""Page 1 of the report: the decision, before the agreement and its evidence.

What a VP reads first: the verdict sentence (the one every command prints), the recommended
option when options are compared, how often each side keeps its promises (with the 95 %
Wilson interval), the cost, the revenue won, the expected value of the deals still open and the
expected profit they add up to (with the gross margin in its label), with their ranges, and what
would change the answer (the weakest term of each side that misses, and the fewest sellers when
the staffing search ran).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from slasim.measure.experiment import ComparisonResult, SimulationResult
from slasim.measure.metrics import ALL
from slasim.measure.shares import bar_decimals, decimals_against, judged_sides
from slasim.measure.terms import SIDES
from slasim.measure.verdict_words import month_unit
from slasim.planning.staffing import StaffingAnswer
from slasim.render.doc import Block, Bullets, Callout, Heading, Table
from slasim.render.figures import per_month
from slasim.render.i18n import tr
from slasim.render.page import format_money, format_percent, judged_percent
from slasim.render.report.comparison import cells
from slasim.render.report.evidence import recommendation

__all__ = ["decision_blocks"]


def decision_blocks(
    result: SimulationResult,
    lang: str,
    *,
    comparison: ComparisonResult | None = None,
    staffing: Sequence[StaffingAnswer] = (),
) -> list[Block]:
    """The decision in brief (see the module docstring)."""
    from slasim.render.report.staffing import answer_text

    s = result.scenario
    cur = s.costs.currency
    verdict = result.verdict
    blocks: list[Block] = [Heading(tr(lang, "h_decision")), Callout(verdict.sentence(lang))]
    if comparison is not None:
        blocks.append(Callout(recommendation(comparison, lang)))
    rows = []
    # A horizon of several months: its P is "in every month", its money the whole period's;
    # one month's money is per month (as the optimizer's and the funnel's), not per 30 days.
    # A horizon shorter than a month: P per period of its days; money per month all the same.
    suffix = "_months" if verdict.months else "_period" if verdict.period_days else ""
    days = verdict.period_days
    # A horizon judged month by month: first what the verdict compares with the confidence,
    # each judged side's weakest month (P(every month) below it is lower, and not required).
    for key in judged_sides(verdict.level) if verdict.months else ():
        tight = verdict.months[int(np.argmin([m.verdict.p[key] for m in verdict.months]))]
        lo, hi = tight.verdict.ci[key]
        p = judged_percent(tight.verdict, tight.verdict.p[key], lang)
        ci = f"[{format_percent(lo, lang)} – {format_percent(hi, lang)}]"
        rows.append([tr(lang, f"decision_p_{key}_weakest").format(month=tight.labels[lang]),
                     p, ci])
    for key in ("marketing", "sales", "joint"):
        lo, hi = verdict.ci[key]
        p = judged_percent(verdict, verdict.p[key], lang)
        ci = f"[{format_percent(lo, lang)} – {format_percent(hi, lang)}]"
        rows.append([tr(lang, f"decision_p_{key}{suffix}").format(days=days), p, ci])
    summary = cells(result.summary, ("metric", "tier"))
    # Profit counts the open deals' expected value too, so their row stands between revenue
    # and profit: the three money rows and the margin explain the profit a reader sees.
    margin = format_percent(s.costs.gross_margin, lang)
    for metric in ("cost", "revenue", "pipeline_value", "profit"):
        scale = 1.0 if verdict.months else per_month(s, metric)
        series = result.replications[(metric, ALL)].to_numpy(dtype=float) * scale
        cell = {k: v * scale for k, v in summary[(metric, ALL)].items()}
        p10, p90 = np.quantile(series, [0.1, 0.9])
        rows.append(
            [
                tr(lang, f"decision_{metric}{suffix}").format(currency=cur, margin=margin,
                                                              days=days),
                format_money(float(cell["mean"]), cur, lang),
                tr(lang, f"decision_money_range{suffix}").format(
                    lo=format_money(float(cell["ci_low"]), cur, lang),
                    hi=format_money(float(cell["ci_high"]), cur, lang),
                    p10=format_money(float(p10), cur, lang),
                    p90=format_money(float(p90), cur, lang),
                    days=days,
                ),
            ]
        )
    columns = [tr(lang, "col_item"), tr(lang, "decision_col_value"), tr(lang, "decision_col_range")]
    blocks.append(Table(pd.DataFrame(rows, columns=columns).set_index(columns[0])))
    changes: list[tuple[str, str]] = []
    for side in SIDES:
        weakest = verdict.weakest_term(side.name)
        if weakest is None:
            continue
        key, month, many = "decision_weakest" + ("_period" if days else ""), "", ""
        if verdict.months:
            # Judged month by month: the weakest term of the weakest month, over that month's
            # replications (verdict.terms are P(kept in every month), not a month's chance).
            tight = min(verdict.months,
                        key=lambda m: getattr(m.verdict.weakest_term(side.name), "p", 2.0))
            weakest = tight.verdict.weakest_term(side.name) or weakest
            key, month = "decision_weakest_month", tight.labels[lang]
            many = month_unit(lang, tight.month)
        changes.append(
            (
                side.label[lang] + ":",
                tr(lang, key).format(
                    term=weakest.describe(lang),
                    days=days,
                    month=month,
                    many=many,
                    # Beside "(needed 80 %)": never "80 %" for 0.798.
                    p=format_percent(weakest.p, lang,
                                     decimals_against(weakest.p, verdict.confidence)),
                    confidence=format_percent(verdict.confidence, lang,
                                              bar_decimals(verdict.confidence)),
                ),
            )
        )
    changes += [(tr(lang, "decision_sellers"), answer_text(a, s, lang)) for a in staffing]
    if changes:
        blocks += [Heading(tr(lang, "h_decision_change"), 3), Bullets(tuple(changes))]
    return blocks
