"""A metric's value and a difference of it as text: for the terminal or a report page.

One home for both outputs, so that a difference of shares is in percentage points everywhere
(58.6 % -> 61.0 % is ``+2.4 pp``; ``+2.4 %`` would read as a relative change). ``lang=None`` is
the terminal (``slasim run``/``compare``: the catalogue's ``str.format`` spec, English, ``-`` for
NaN); ``lang="en"``/``"sv"`` a report page (:mod:`slasim.render.page` formatting, with a currency).
"""

from __future__ import annotations

import re

from slasim.measure.catalogue import metric as catalogue_metric
from slasim.measure.catalogue import text_spec
from slasim.render.i18n import tr

__all__ = ["format_difference", "format_metric"]

_PERCENT_SPEC = re.compile(r"^\{:[+]?(?:\.(\d+))?%\}$")


def format_metric(
    metric: str,
    value: float,
    *,
    signed: bool = False,
    lang: str | None = None,
    currency: str = "",
) -> str:
    """A metric value: on the terminal by its catalogue spec, on a page as percent, money,
    minutes or count in ``lang``; ``signed`` shows ``+`` on positive values."""
    if lang is None:
        if value != value:
            return "-"
        spec = text_spec(metric)
        return (spec.replace("{:", "{:+", 1) if signed else spec).format(value)
    # Here: the page formatting imports pandas, which `slasim check` (the terminal) must not.
    from slasim.render.page import format_money, format_number, format_percent

    m = catalogue_metric(metric)
    if m.bounded:
        text = format_percent(value, lang, m.decimals)
    elif m.kind == "money":
        text = format_money(value, currency, lang)
    else:
        # Minutes: whole ones from 10 up (read next to targets such as "60 min"), the
        # catalogue's decimals below (a queue's wait of 0.33 min is not "0").
        whole = m.kind == "minutes" and not abs(value) < 10
        text = format_number(value, lang, 0 if whole else m.decimals)
    if signed and value == value and value > 0:
        text = "+" + text
    return text


def format_difference(
    metric: str,
    value: float,
    *,
    signed: bool = False,
    lang: str | None = None,
    currency: str = "",
) -> str:
    """A difference of a metric: of shares and P(met) in percentage points, else as the metric.

    ``+2.4 pp`` on the terminal and in English, ``+2,4 p.e.`` in Swedish; ``signed`` shows
    ``+`` on positive values (the terminal, as its format specs do, also on zero).
    """
    if lang is None:
        if value != value:
            return "-"
        spec = text_spec(metric)
        sign = "+" if signed else ""
        match = _PERCENT_SPEC.match(spec)
        if match is not None:
            decimals = int(match.group(1) or 0)
            return f"{100 * value:{sign}.{decimals}f} pp"
        return spec.replace("{:", "{:" + sign, 1).format(value)
    from slasim.render.page import NBSP, format_number  # here: as in format_metric

    m = catalogue_metric(metric)
    if not m.bounded:
        return format_metric(metric, value, signed=signed, lang=lang, currency=currency)
    if value != value:
        return format_number(value, lang)  # the missing-value mark
    points = format_number(100 * value, lang, m.decimals)
    sign = "+" if signed and value > 0 else ""
    return f"{sign}{points}{NBSP}{tr(lang, 'unit_pp')}"
