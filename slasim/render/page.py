"""Self-contained HTML pages: one document, inline CSS, embedded PNG figures, A4 print rules.

Everything a report or dashboard page needs to look the same: the page shell
(:func:`render_page`), figures (:func:`figure_html`), tables (:func:`table_html`) and the
locale-aware number, percent, money and date formatting used in them. The pages load nothing
from the network, so they open offline, in a mail attachment and in a headless browser alike.
"""

from __future__ import annotations

import base64
import html
import io
import math
import numbers
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from slasim.measure.shares import share_digits

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from slasim.measure.verdict import Verdict

__all__ = [
    "LANGS",
    "NBSP",
    "figure_html",
    "figure_png",
    "format_date",
    "format_money",
    "format_number",
    "format_percent",
    "judged_percent",
    "png_figure_html",
    "render_page",
    "table_html",
]

#: Supported page languages.
LANGS = ("en", "sv")
NBSP = "\u00a0"  # between a number and its unit: never wrap "87 %" across lines
NNBSP = "\u202f"  # Swedish thousands separator (narrow no-break space, per Språkrådet)
MINUS = "\u2212"  # Swedish typography uses a real minus sign
MISSING = "–"  # shown for NaN / missing values

_MONTHS = {
    "en": (
        "January February March April May June July August September October November December"
    ).split(),
    "sv": (
        "januari februari mars april maj juni juli augusti september oktober november december"
    ).split(),
}


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGS)}")


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, numbers.Real) and math.isnan(float(value)))


def format_number(value: float, lang: str, decimals: int = 0) -> str:
    """Format ``value`` with thousands separators and ``decimals`` decimals for ``lang``.

    English: ``1,234,567.5``; Swedish: ``1 234 567,5`` (narrow no-break space, comma decimals,
    minus sign). NaN gives ``–``.
    """
    _check_lang(lang)
    if _missing(value):
        return MISSING
    text = f"{float(value):,.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # "-0" after rounding reads like an error
    if lang == "sv":
        text = text.replace(",", NNBSP).replace(".", ",").replace("-", MINUS)
    return text


def format_percent(value: float, lang: str, decimals: int = 0) -> str:
    """Format a share as a percentage: 0.873 -> ``87 %`` (no-break space before ``%``).

    Both languages follow the SI / Språkrådet convention of a space before the sign; Swedish
    also uses a comma decimal (``87,3 %``). NaN gives ``–``.
    """
    if _missing(value):
        _check_lang(lang)
        return MISSING
    return f"{format_number(100 * float(value), lang, decimals)}{NBSP}%"


def judged_percent(verdict: Verdict, value: float, lang: str) -> str:
    """``value``, P(a side keeps its terms), as :func:`format_percent`, with the decimals the
    three sides' shares share (:func:`~slasim.measure.shares.side_decimals`): a judged one
    keeps its side of the confidence ("79,8 %"), and the joint reads like the sides."""
    return format_percent(value, lang, share_digits(verdict))


def format_money(value: float, currency: str, lang: str) -> str:
    """Format an amount in whole currency units.

    Swedish: ``1 234 567 kr`` for SEK, otherwise the ISO code after the amount
    (``1 234 567 EUR``); English: ``SEK 1,234,567`` (code first). NaN gives ``–``.
    """
    if _missing(value):
        _check_lang(lang)
        return MISSING
    amount = format_number(value, lang, 0)
    if lang == "sv":
        unit = "kr" if currency.upper() == "SEK" else currency.upper()
        return f"{amount}{NBSP}{unit}"
    if amount.startswith("-"):
        return f"-{currency.upper()}{NBSP}{amount[1:]}"
    return f"{currency.upper()}{NBSP}{amount}"


def format_date(d: date, lang: str) -> str:
    """Format a date in words: ``3 March 2025`` / ``3 mars 2025``."""
    _check_lang(lang)
    return f"{d.day} {_MONTHS[lang][d.month - 1]} {d.year}"


def _cell(value: object, lang: str) -> str:
    """Locale formatting of one table cell; strings are taken as already formatted."""
    if isinstance(value, bool):
        return str(value)
    if _missing(value):
        return MISSING
    if isinstance(value, numbers.Integral):
        return format_number(float(value), lang, 0)
    if isinstance(value, numbers.Real):
        v = abs(float(value))
        # Enough digits to tell values apart without pretending precision a simulation lacks.
        decimals = 0 if v >= 100 or float(value).is_integer() else 1 if v >= 10 else 2
        return format_number(float(value), lang, decimals)
    if isinstance(value, date):
        return format_date(value, lang)
    return str(value)


def table_html(frame: pd.DataFrame, *, caption: str | None = None, lang: str = "en") -> str:
    """A ``<table>`` of ``frame``; numbers formatted for ``lang``, index shown when named.

    Pre-format cells as strings (e.g. with :func:`format_percent`) where a column needs a
    specific format; strings are escaped and shown as they are.
    """
    _check_lang(lang)
    show_index = any(name is not None for name in frame.index.names)
    # The wrapper scrolls a wide table sideways inside itself; the page never widens.
    parts = ['<div class="table-wrap">', '<table class="data">']
    if caption:
        parts.append(f"<caption>{html.escape(caption)}</caption>")
    head = [str(n) for n in frame.index.names] if show_index else []
    head += [" / ".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in frame.columns]
    parts.append(
        "<thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr></thead>"
    )
    parts.append("<tbody>")
    for key, row in zip(frame.index, frame.itertuples(index=False, name=None), strict=True):
        cells = []
        if show_index:
            keys = key if isinstance(key, tuple) else (key,)
            cells += [f'<th scope="row">{html.escape(_cell(k, lang))}</th>' for k in keys]
        for value in row:
            numeric = isinstance(value, numbers.Real) and not isinstance(value, bool)
            cls = ' class="num"' if numeric else ""
            cells.append(f"<td{cls}>{html.escape(_cell(value, lang))}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</tbody></table>")
    parts.append("</div>")
    return "\n".join(parts)


def figure_html(fig: Figure, alt: str, caption: str | None = None) -> str:
    """A ``<figure>`` with ``fig`` embedded as a base64 PNG (dpi 110); closes ``fig``.

    The PNG carries no software/time metadata, so the same figure gives the same bytes.
    """
    return png_figure_html(figure_png(fig), alt, caption)


def figure_png(fig: Figure) -> bytes:
    """``fig`` as PNG bytes (dpi 110, no metadata: same figure, same bytes); closes ``fig``."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    finally:
        plt.close(fig)
    return buffer.getvalue()


def png_figure_html(png: bytes, alt: str, caption: str | None = None) -> str:
    """A ``<figure>`` embedding PNG bytes (see :func:`figure_html`)."""
    data = base64.b64encode(png).decode("ascii")
    parts = [f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">']
    if caption:
        parts.append(f"<figcaption>{html.escape(caption)}</figcaption>")
    parts.append("</figure>")
    return "\n".join(parts)


_CSS = """
:root { --ink: #1d2430; --muted: #5b6576; --line: #d5dae2; --band: #f3f5f8; --accent: #0072B2; }
* { box-sizing: border-box; }
html { font-size: 15px; }
body { margin: 0 auto; max-width: 60rem; padding: 2rem 2.5rem 3rem; color: var(--ink);
  font-family: "Segoe UI", "Helvetica Neue", Arial, "Liberation Sans", sans-serif;
  line-height: 1.5; background: #fff; }
header { border-bottom: 3px solid var(--accent); margin-bottom: 1.5rem; padding-bottom: .6rem; }
h1 { font-size: 1.9rem; line-height: 1.2; margin: 0 0 .3rem; }
header p.subtitle { color: var(--muted); margin: 0; font-size: 1.05rem; }
h2 { font-size: 1.35rem; margin: 2rem 0 .6rem; border-bottom: 1px solid var(--line);
  padding-bottom: .2rem; break-after: avoid; page-break-after: avoid; }
h3 { font-size: 1.1rem; margin: 1.4rem 0 .4rem; break-after: avoid; page-break-after: avoid; }
p, li { max-width: 48rem; overflow-wrap: anywhere; }
.table-wrap { max-width: 100%; overflow-x: auto; -webkit-overflow-scrolling: touch;
  margin: .8rem 0 1.2rem;
  /* A shadow on the side with more columns (scrolling shadows): a phone reader saw the last
     column cut off with no hint that the table scrolls. */
  background: linear-gradient(to right, #fff 30%, rgba(255,255,255,0)) left / 24px 100%,
    linear-gradient(to left, #fff 30%, rgba(255,255,255,0)) right / 24px 100%,
    radial-gradient(farthest-side at 0 50%, rgba(0,0,0,.18), transparent) left / 12px 100%,
    radial-gradient(farthest-side at 100% 50%, rgba(0,0,0,.18), transparent) right / 12px 100%;
  background-repeat: no-repeat; background-attachment: local, local, scroll, scroll; }
.table-wrap > table.data { margin: 0; }
table.data { border-collapse: collapse; margin: .8rem 0 1.2rem; font-size: .92rem;
  font-variant-numeric: tabular-nums; break-inside: avoid; page-break-inside: avoid; }
table.data caption { caption-side: top; text-align: left; font-weight: 600; padding: 0 0 .3rem; }
table.data th, table.data td { border-bottom: 1px solid var(--line); padding: .3rem .6rem;
  text-align: left; vertical-align: top; }
table.data thead th { background: var(--band); border-bottom: 2px solid var(--line); }
table.data td.num { text-align: right; white-space: nowrap; }
figure { margin: 1rem 0 1.5rem; break-inside: avoid; page-break-inside: avoid; }
img { max-width: 100%; height: auto; }
figure img { display: block; }
figcaption { color: var(--muted); font-size: .9rem; margin-top: .3rem; }
.note { color: var(--muted); font-size: .9rem; }
.callout { background: var(--band); border-left: 4px solid var(--accent); padding: .6rem 1rem;
  margin: 1rem 0; break-inside: avoid; page-break-inside: avoid; }
.ok { color: #00795a; font-weight: 600; } .miss { color: #b34700; font-weight: 600; }
footer { margin-top: 2.5rem; color: var(--muted); font-size: .85rem;
  border-top: 1px solid var(--line); padding-top: .5rem; }
@media (max-width: 640px) {
  html { font-size: 14px; }
  body { padding: 1rem .9rem 2rem; }
  h1 { font-size: 1.5rem; }
  table.data th, table.data td { padding: .25rem .4rem; }
  /* Figures keep a readable size (their text was ~5 px at 390 px) and scroll sideways. */
  figure { overflow-x: auto; -webkit-overflow-scrolling: touch; }
  figure img { max-width: none; width: 600px; }
}
@page { size: A4; margin: 16mm 14mm 18mm; }
@media print {
  html { font-size: 10.5pt; }
  body { max-width: none; padding: 0; }
  .table-wrap { overflow: visible; }
  table.data { font-size: .85rem; }
  h2 { break-before: auto; }
  a { color: inherit; text-decoration: none; }
}
"""


def render_page(title: str, body: str, *, lang: str = "en", subtitle: str | None = None) -> str:
    """A complete self-contained HTML5 document around ``body`` (trusted HTML).

    Inline CSS only (no scripts, fonts or images from the network), A4 print rules, and no
    page breaks inside figures and tables. ``title`` and ``subtitle`` are escaped.
    """
    _check_lang(lang)
    head = f"<h1>{html.escape(title)}</h1>"
    if subtitle:
        head += f'\n<p class="subtitle">{html.escape(subtitle)}</p>'
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<header>\n{head}\n</header>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )
