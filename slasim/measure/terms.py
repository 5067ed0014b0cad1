"""The SLA term registry: every term of the agreement, in one place.

A term is one promise of one side for one tier, judged once per simulated (or real) month by
a 0/1 flag. Everything that lists, words or scores terms (metrics, optimizer, compare, report,
track, terminal tables) loops over :data:`TERMS` and :data:`SIDES`; adding a term is one entry
here plus its per-month computation in :mod:`slasim.measure.metrics` (a test checks both lists
agree).

The module imports nothing heavy: ``slasim check`` uses it without the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from slasim.measure.shares import bar_percent

if TYPE_CHECKING:
    from slasim.scenario.schema import TierTerms

__all__ = [
    "SIDES",
    "TERMS",
    "Formatter",
    "PlainFormatter",
    "Side",
    "Term",
    "get_term",
    "side_flags",
    "term_flags",
]


class Formatter(Protocol):
    """Locale-aware formatting a wording needs (the report passes its own, per language)."""

    def percent(self, value: float) -> str: ...

    def number(self, value: float, decimals: int = 0) -> str: ...

    def minutes(self, value: float) -> str: ...


class PlainFormatter:
    """English terminal formatting: ``90%``, ``1,234``, ``7.5``."""

    def percent(self, value: float) -> str:
        return bar_percent(value)  # a promised share as it is: 12.32 %, not 12 %

    def number(self, value: float, decimals: int = 0) -> str:
        return f"{value:,.{decimals}f}"

    def minutes(self, value: float) -> str:
        return f"{value:g}"


@dataclass(frozen=True)
class Term:
    """One SLA term.

    Attributes
    ----------
    name
        Key used in tables, JSON and the tracking summary.
    side
        ``"marketing"`` or ``"sales"``: who keeps the promise.
    flag
        The per-month 0/1 metric it is judged on (``<name>_met``).
    fields
        The ``sla.tiers.<tier>`` fields that state it.
    label
        Short name per language (``"response time"`` / ``"svarstid"``).
    wording
        ``wording(terms, window_days, lang, fmt)``: the promise in words; None when the tier
        promises nothing on this term (e.g. no conversion target).
    measure
        The metric that shows how the term went (None when no single metric does).
    needs
        The metrics a CRM export must provide to judge the term (``slasim track``).
    """

    name: str
    side: str
    flag: str
    fields: tuple[str, ...]
    label: dict[str, str]
    wording: Callable[[TierTerms, float, str, Formatter], str | None]
    measure: str | None = None
    needs: tuple[str, ...] = ()

    def describe(
        self, terms: TierTerms, window_days: float, lang: str = "en", fmt: Formatter | None = None
    ) -> str:
        """The promise in words, or the language's "no term" text."""
        text = self.wording(terms, window_days, lang, fmt or PlainFormatter())
        return text if text is not None else _NONE[lang]


@dataclass(frozen=True)
class Side:
    """A party to the agreement (or both, ``joint``) and the flag saying it kept every term."""

    name: str
    flag: str
    label: dict[str, str]


_NONE = {"en": "none promised", "sv": "inget åtagande"}
_CLOCK = {
    "en": {"business": "business minutes", "wall": "minutes (around the clock)"},
    "sv": {"business": "minuter inom kontorstid", "wall": "minuter (dygnet runt)"},
}


def _quota(t: TierTerms, window: float, lang: str, fmt: Formatter) -> str:
    n = fmt.number(t.quota)
    return f"{n} leads per month" if lang == "en" else f"{n} leads per månad"


def _response(t: TierTerms, window: float, lang: str, fmt: Formatter) -> str:
    share, target = fmt.percent(t.response_share), fmt.minutes(t.response_target_minutes)
    clock = _CLOCK[lang][t.response_clock]
    if lang == "en":
        return f"{share} first called within {target} {clock}"
    return f"{share} får första samtalet inom {target} {clock}"


def _attempts(t: TierTerms, window: float, lang: str, fmt: Formatter) -> str:
    share, days = fmt.percent(t.attempt_share), fmt.minutes(window)
    if lang == "en":
        return f"{share} of unreached leads get {t.min_attempts} attempts within {days} days"
    return f"{share} av ej nådda leads får {t.min_attempts} försök inom {days} dagar"


def _conversion(t: TierTerms, window: float, lang: str, fmt: Formatter) -> str | None:
    if t.qualify_rate_target is None:
        return None
    rate = fmt.percent(t.qualify_rate_target)
    return f"qualify rate >= {rate}" if lang == "en" else f"andel kvalificerade >= {rate}"


#: The terms, in the agreement's order.
TERMS: tuple[Term, ...] = (
    Term("marketing", "marketing", "marketing_met", ("quota",),
         {"en": "quota", "sv": "kvot"}, _quota, "leads_created", ("leads_created",)),
    Term("response", "sales", "response_met",
         ("response_target_minutes", "response_share", "response_clock"),
         {"en": "response time", "sv": "svarstid"}, _response,
         "first_attempt_within_target", ("first_attempt_within_target",)),
    Term("attempts", "sales", "attempts_met", ("min_attempts", "attempt_share"),
         {"en": "attempt cadence", "sv": "kontaktrytm"}, _attempts,
         None, ("attempts_per_lead", "contact_rate")),
    Term("conversion", "sales", "conversion_met", ("qualify_rate_target",),
         {"en": "conversion", "sv": "konvertering"}, _conversion,
         "qualify_rate", ("qualify_rate",)),
)

#: The sides, and ``joint`` (both): a side keeps the agreement in a month when it keeps every
#: one of its terms for every tier.
SIDES: tuple[Side, ...] = (
    Side("marketing", "marketing_met", {"en": "marketing", "sv": "marknad"}),
    Side("sales", "sales_met", {"en": "sales", "sv": "sälj"}),
    Side("joint", "joint_met", {"en": "both sides", "sv": "båda parter"}),
)


def get_term(name: str) -> Term:
    """The term called ``name``."""
    for term in TERMS:
        if term.name == name:
            return term
    raise KeyError(f"term(={name!r}) is not one of {[t.name for t in TERMS]}")


def term_flags() -> tuple[str, ...]:
    """The per-term flag metrics, in order."""
    return tuple(t.flag for t in TERMS)


def side_flags() -> tuple[str, ...]:
    """The per-side flag metrics (marketing, sales, joint)."""
    return tuple(s.flag for s in SIDES)
