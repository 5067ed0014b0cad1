"""A tier's SLA terms in words, as the agreement states them.

One wording for every place that names a term: the agreement (part 1), its month-by-month
table, the evidence's attainment table and the tracking dashboard's targets.
"""

from __future__ import annotations

from slasim.measure.shares import bar_decimals
from slasim.render.i18n import tr
from slasim.render.page import format_number, format_percent
from slasim.scenario.schema import Scenario, TierTerms

__all__ = ["format_minutes", "term_texts"]


def format_minutes(value: float, lang: str) -> str:
    """Minutes without needless decimals (``5``, ``7,5``)."""
    return format_number(value, lang, 0 if float(value).is_integer() else 1)


def _bar(share: float, lang: str) -> str:
    """A promised share as it is: 12.32 % is not "12 %" (:func:`bar_decimals`)."""
    return format_percent(share, lang, bar_decimals(share))


def term_texts(scenario: Scenario, terms: TierTerms, lang: str) -> tuple[str, str, str]:
    """(response, attempts, conversion) commitments of one tier in words."""
    clock = tr(lang, f"clock_{terms.response_clock}")
    response = tr(lang, "response_term").format(
        target=format_minutes(terms.response_target_minutes, lang),
        clock=clock,
        share=_bar(terms.response_share, lang),
    )
    attempts = tr(lang, "attempts_term").format(
        n=terms.min_attempts,
        window=format_minutes(scenario.cadence.window_days, lang),
        share=_bar(terms.attempt_share, lang),
    )
    conversion = (
        tr(lang, "conversion_term").format(rate=_bar(terms.qualify_rate_target, lang))
        if terms.qualify_rate_target is not None
        else tr(lang, "no_term")
    )
    return response, attempts, conversion
