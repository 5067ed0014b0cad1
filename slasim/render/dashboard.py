"""Views of a :class:`~slasim.crm.track.tracker.TrackResult`: terminal text, HTML dashboard, CSV
files.

Seller views rank without shaming: sellers are listed by volume (then name), every rate sits
next to the count it rests on and its 95 % Wilson interval, and no individual is coloured red
or green. Small numbers get a footnote: with 20 leads a rate can be 20 points off by chance.

The terminal text is English with plain numbers (``87%``); the HTML dashboard is in English or
Swedish (texts in :mod:`slasim.render.i18n`, numbers formatted per locale by
:mod:`slasim.render.page`, terms worded as in the agreement document), built from the report's
document blocks (:mod:`slasim.render.doc`) and rendered by the same stack as the report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from slasim.crm.track._sellers import UNASSIGNED
from slasim.crm.track.periods import TrackedPeriod
from slasim.crm.track.tracker import TrackResult
from slasim.errors import InputError
from slasim.measure.catalogue import metric as catalogue_metric
from slasim.measure.metrics import ALL
from slasim.measure.months import leads_needed
from slasim.measure.shares import bar_decimals, decimals_against
from slasim.measure.terms import TERMS
from slasim.outputs import atomic_write_text, write_csv
from slasim.render.doc import Block, Callout, Figure, Heading, Paragraph, Table, to_html
from slasim.render.i18n import TRACK_MEASURES, measure_label, tr
from slasim.render.page import (
    LANGS,
    figure_png,
    format_money,
    format_number,
    format_percent,
    render_page,
)
from slasim.render.report.terms import term_texts
from slasim.render.text import format_table
from slasim.render.track_plots import track_figure

__all__ = [
    "OUTPUT_FILES", "SMALL_N", "dashboard_blocks", "dashboard_html", "describe_period",
    "format_track",
    "seller_band_view", "seller_view", "write_outputs",
]

#: The files :func:`write_outputs` writes into its folder.
OUTPUT_FILES = (
    "by_tier.csv", "by_seller.csv", "seller_bands.csv", "summary.csv", "track.html"
)

#: Below this many leads a seller's rates are flagged as small numbers.
SMALL_N = 30


def _nan(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


@dataclass(frozen=True)
class _Style:
    """How a view reads: the terminal's plain English (``lang=None``) or a page's locale."""

    lang: str | None
    currency: str

    @property
    def words(self) -> str:
        return self.lang or "en"

    def text(self, key: str) -> str:
        return tr(self.words, key)

    @property
    def missing(self) -> str:
        return "-" if self.lang is None else format_number(math.nan, self.lang)

    def share(self, value: float, decimals: int = 0) -> str:
        if _nan(value):
            return self.missing
        if self.lang is None:
            return f"{value:.{decimals}%}"
        return format_percent(value, self.lang, decimals)

    def number(self, value: float, decimals: int = 0) -> str:
        if _nan(value):
            return self.missing
        if self.lang is None:
            return f"{value:,.{decimals}f}"
        return format_number(value, self.lang, decimals)

    def value(self, measure: str, value: float, against: float | None = None,
              decimals: int | None = None) -> str:
        """A measure's value: share, minutes, money (pages only) or count; a share judged
        ``against`` a target never rounds across it (0.097 against 10 %: "9.7%").
        ``decimals`` (shares, minutes, numbers) replaces the default (:func:`band_decimals`)."""
        kind = catalogue_metric(measure).kind
        if kind == "share":
            return self.share(value, decimals_against(value, against, decimals or 0))
        if kind in ("minutes", "number"):
            return self.number(value, 1 if decimals is None else decimals)
        if measure == "revenue" and self.lang is not None and not _nan(value):
            return format_money(value, self.currency, self.lang)
        return self.number(value)

    def span(self, low: str, high: str) -> str:
        return f"{low} - {high}" if self.lang is None else f"{low}–{high}"

    def tier(self, name: str) -> str:
        # The terminal keeps the data's own "all"; a page says "all tiers" in its language.
        return name if self.lang is None or name != ALL else self.text("col_all")

    def met(self, value: object) -> str:
        if _nan(value):
            return self.missing
        return self.text("track_yes" if value else "track_no")

    def label(self, measure: str) -> str:
        return measure_label(self.words, measure) if measure in TRACK_MEASURES else measure


def _style(result: TrackResult, lang: str | None) -> _Style:
    if lang is not None and lang not in LANGS:
        raise ValueError(f"lang(={lang!r}) must be one of {', '.join(LANGS)}")
    return _Style(lang, result.currency)


def _tier_view(result: TrackResult, period: str, st: _Style) -> pd.DataFrame:
    rows = result.by_tier[result.by_tier["period"] == period]
    measures = list(rows["measure"])
    digits = [band_decimals(m, a, lo, hi, b) for m, a, lo, hi, b in zip(
        measures, rows["actual"], rows["sim_p10"], rows["sim_p90"], rows["band"], strict=True)]
    return pd.DataFrame({
        st.text("col_tier"): [st.tier(t) for t in rows["tier"]],
        st.text("col_metric"): [st.label(m) for m in measures],
        st.text("track_col_actual"): [
            st.value(m, v, None if _nan(met) else t, d)
            for m, v, t, met, d in zip(measures, rows["actual"], rows["target"], rows["met"],
                                       digits, strict=True)
        ],
        st.text("col_target"): [
            # A quota reads as the whole leads that meet it (71.29 -> 72), as the terms do; a
            # target share as the bar it is (12.32 %, not 12 % beside a 12 % that misses it).
            st.number(leads_needed(v)) if m == "leads_created" and not _nan(v)
            else st.value(m, v, decimals=bar_decimals(v)) if catalogue_metric(m).kind == "share"
            else st.value(m, v)
            for m, v in zip(measures, rows["target"], strict=True)
        ],
        st.text("track_col_met"): [st.met(v) for v in rows["met"]],
        st.text("track_sim_band"): [
            st.span(st.value(m, lo, None, d), st.value(m, hi, None, d))
            for m, lo, hi, d in zip(measures, rows["sim_p10"], rows["sim_p90"], digits,
                                    strict=True)
        ],
        st.text("track_col_band"): [
            st.text("track_band_na" if b == "n/a" else f"track_band_{b}") for b in rows["band"]
        ],
    }).reset_index(drop=True)


def _target_words(result: TrackResult, period: str, tier: str, term: str, st: _Style) -> str:
    """A term's target as the agreement document words it (pages only)."""
    if tier == ALL:
        return st.text("track_target_joint" if term == "joint" else "track_target_sides")
    if term == "marketing":
        # The quota of this period (pro-rated in a partial month), as tracked.
        t = result.by_tier
        quota = t[(t["period"] == period) & (t["tier"] == tier)
                  & (t["measure"] == "leads_created")]["target"].iloc[0]
        return st.text("track_target_quota").format(quota=st.number(leads_needed(quota)))
    response, attempts, conversion = term_texts(
        result.scenario, result.scenario.sla.tiers[tier], st.words
    )
    sales = [t.name for t in TERMS if t.side == "sales"]
    return dict(zip(sales, (response, attempts, conversion), strict=True))[term]


def _summary_view(result: TrackResult, period: str, st: _Style) -> pd.DataFrame:
    rows = result.summary[result.summary["period"] == period]
    terms, tiers = list(rows["term"]), list(rows["tier"])
    if st.lang is None:
        targets = list(rows["target"])
    else:
        targets = [
            _target_words(result, period, tier, term, st)
            for tier, term in zip(tiers, terms, strict=True)
        ]
    # A share judged against its target never rounds across it: 0.097 against 10 % reads
    # "9.7%" beside NO, not "10%" (the quota's leads are whole already).
    actual = [
        st.number(v) if term == "marketing" else st.share(v, decimals_against(v, target))
        for term, v, target in zip(terms, rows["actual"], rows["target_value"], strict=True)
    ]
    return pd.DataFrame({
        st.text("col_tier"): [st.tier(t) for t in tiers],
        st.text("col_term"): [st.text(f"track_term_{t}") for t in terms],
        st.text("col_target"): targets,
        st.text("track_col_actual"): actual,
        st.text("track_col_met"): [st.met(v) for v in rows["met"]],
        st.text("track_col_sim_p_met"): [st.share(v) for v in rows["sim_p_met"]],
    }).reset_index(drop=True)


def _rate_cell(count: float, rate: float, low: float, high: float, of: float,
               st: _Style) -> str:
    if _nan(rate):
        return st.missing
    dash = "-" if st.lang is None else "–"  # a tight range inside the brackets
    return (
        f"{st.number(count)}/{st.number(of)} = {st.share(rate)} "
        f"({st.share(low)}{dash}{st.share(high)})"
    )


def seller_view(
    result: TrackResult, period: str, tier: str = "all", lang: str | None = None
) -> pd.DataFrame:
    """The seller table of one period as display strings: volume next to every rate.

    ``lang=None`` gives the terminal's English with plain numbers; ``"en"`` / ``"sv"`` the
    dashboard's texts and number formats.
    """
    st = _style(result, lang)
    rows = result.by_seller[
        (result.by_seller["period"] == period) & (result.by_seller["tier"] == tier)
    ]
    owners = [st.text("track_unassigned") if o == UNASSIGNED else str(o) for o in rows["owner"]]
    out = pd.DataFrame({
        st.text("track_col_owner"): [
            f"{o}{' *' if n < SMALL_N else ''}" for o, n in zip(owners, rows["leads"], strict=True)
        ],
        st.text("track_col_leads"): [st.number(n) for n in rows["leads"]],
        st.text("track_col_within"): [
            _rate_cell(c, r, lo, hi, n, st) for c, r, lo, hi, n in zip(
                rows["within_target"], rows["within_target_rate"],
                rows["within_target_rate_ci_low"], rows["within_target_rate_ci_high"],
                rows["response_judged"], strict=True)
        ],
        st.text("track_col_attempts"): [
            st.value("attempts_per_lead", v) for v in rows["attempts_per_lead"]
        ],
    })
    for name, rate in (("contacted", "contact_rate"), ("qualified", "qualify_rate"),
                       ("won", "win_rate")):
        out[st.text(f"track_col_{name}")] = [
            _rate_cell(c, r, lo, hi, n, st) for c, r, lo, hi, n in zip(
                rows[name], rows[rate], rows[f"{rate}_ci_low"], rows[f"{rate}_ci_high"],
                rows["leads"], strict=True)
        ]
    out[st.text("m_revenue")] = [st.value("revenue", v) for v in rows["revenue"]]
    return out.reset_index(drop=True)


#: The tracked measure (:func:`slasim.render.i18n.measure_label`) of each seller-band measure.
#: The seller-band measures that are shares (the others: leads, a count; attempts per lead).
_SELLER_SHARES = ("within_target_rate", "contact_rate", "qualify_rate", "win_rate")
_BAND_LABELS = {
    "leads": "leads_owned", "within_target_rate": "first_attempt_within_target",
    "attempts_per_lead": "attempts_per_lead", "contact_rate": "contact_rate",
    "qualify_rate": "qualify_rate", "win_rate": "win_rate",
}


def band_decimals(
    measure: str, actual: float, low: float, high: float, band: str, decimals: int | None = None
) -> int | None:
    """Decimals that keep a share, minutes or number outside its simulated band past the bound
    it crossed, once both are rounded ("13% [8% - 13%] above" read as inside; it is "13.3%
    [8.0% - 13.0%] above"); ``decimals`` (default: the measure's usual) inside the band, and
    None for counts and money, which keep their own format."""
    kind = "share" if measure in _SELLER_SHARES else catalogue_metric(measure).kind
    if kind not in ("share", "minutes", "number"):
        return decimals
    d = decimals if decimals is not None else 0 if kind == "share" else 1
    scale = 100 if kind == "share" else 1
    if band not in ("above", "below") or _nan(actual):
        return d

    def past(d: int) -> bool:
        a, lo, hi = (round(scale * v, d) for v in (actual, low, high))
        return a > hi if band == "above" else a < lo

    top = d + 3
    while d < top and not past(d):
        d += 1
    return d


def seller_band_view(result: TrackResult, period: str, lang: str | None = None) -> pd.DataFrame:
    """The per-seller bands of one period as display strings: per owner and measure, the
    actual value, the simulated seats' p10-p90 in brackets, and ``above`` / ``below`` when
    outside (an empty table when the export names no owner)."""
    st = _style(result, lang)
    bands = result.seller_bands
    rows = bands[bands["period"] == period] if len(bands) else bands

    def show(measure: str, value: float, decimals: int = 0) -> str:
        if measure == "leads":
            return st.number(value)
        if measure == "attempts_per_lead":
            return st.number(value, 2)  # bands of a tenth wide: 1 decimal would blur them
        return st.share(value, decimals)

    table: dict[str, list[str]] = {st.text("track_col_owner"): []}
    for measure in _BAND_LABELS:
        table[st.label(_BAND_LABELS[measure])] = []
    for owner, mine in rows.groupby("owner", sort=False):
        table[st.text("track_col_owner")].append(str(owner))
        for measure, actual, low, high, band in zip(
            mine["measure"], mine["actual"], mine["sim_p10"], mine["sim_p90"], mine["band"],
            strict=True,
        ):
            mark = "" if band in ("inside", "n/a") else f" {st.text(f'track_band_{band}')}"
            # Win rates within a month are a few per cent: whole per cents would show 0 %-0 %.
            d = band_decimals(measure, actual, low, high, band,
                              1 if measure == "win_rate" else 0) or 0 \
                if measure in _SELLER_SHARES else 0
            span = st.span(show(measure, low, d), show(measure, high, d))
            table[st.label(_BAND_LABELS[measure])].append(
                f"{show(measure, actual, d)} [{span}]{mark}"
            )
    return pd.DataFrame(table)


def _header(result: TrackResult, st: _Style) -> str:
    return st.text("track_header").format(
        agreement=result.agreement, reps=result.reps, seed=result.seed,
        as_of=f"{result.as_of:%Y-%m-%d %H:%M %Z}",
    )


def _not_measurable(info_missing: tuple[str, ...], st: _Style) -> str:
    return st.text("track_not_measurable").format(
        measures=", ".join(st.label(m) for m in info_missing)
    )


_SIMULATED = {
    "en": "Simulated for this month ({reps} months, seed {seed}): {sentence}",
    "sv": "Simulerat för månaden ({reps} månader, frö {seed}): {sentence}",
}


def describe_period(period: TrackedPeriod, lang: str | None = None) -> str:
    """One line: the month, complete or partial, and what that means for quotas.

    ``lang=None`` gives the terminal's English with plain numbers; ``"en"`` / ``"sv"``
    the dashboard's wording with the page's number formats.
    """
    days = period.fraction * period.days
    # A partial month never reads "30.0 of 30 days" (an export at 22:52 on the last day).
    digits = 1 + next((k for k in range(3) if round(days, 1 + k) < period.days), 3)
    if lang is None:
        count, share = f"{period.leads:,}", f"{period.fraction:.1%}"
        elapsed = f"{days:.{digits}f}"
    else:
        count = format_number(period.leads, lang)
        share = format_percent(period.fraction, lang, 1)
        elapsed = format_number(days, lang, digits)
    words = lang or "en"
    if not period.partial:
        return tr(words, "track_complete").format(
            label=period.label, days=period.days, leads=count
        )
    return tr(words, "track_partial").format(
        label=period.label, cutoff=f"{period.cutoff:%Y-%m-%d %H:%M}", elapsed=elapsed,
        days=period.days, leads=count, fraction=share,
    )


def _verdict_lines(result: TrackResult, period: str, lang: str | None) -> list[str]:
    """The verdict on the month's simulated months (the one definition), if there is one."""
    verdict = result.verdicts.get(period)
    if verdict is None:
        return []
    lang = lang or "en"
    return [_SIMULATED[lang].format(reps=result.reps, seed=result.seed,
                                    sentence=verdict.sentence(lang))]


def format_track(result: TrackResult) -> str:
    """The ``slasim track`` terminal report: per month the tiers, the terms and the sellers."""
    st = _style(result, None)
    parts = [_header(result, st)]
    for info in result.periods:
        parts += ["", "=" * 80, describe_period(info)]
        if info.not_measurable:
            parts.append(_not_measurable(info.not_measurable, st))
        parts += [
            "",
            f"{st.text('track_cap_tiers')} ({st.text('track_tiers_band')})",
            format_table(_tier_view(result, info.label, st)),
            "",
            st.text("track_cap_terms"),
            format_table(_summary_view(result, info.label, st)),
            *_verdict_lines(result, info.label, None),
            "",
            f"{st.text('track_h_sellers')} ({st.text('col_all')})",
            format_table(seller_view(result, info.label)),
            st.text("track_small_note").format(n=SMALL_N),
        ]
        bands = seller_band_view(result, info.label)
        if len(bands):
            parts += ["", st.text("track_h_seller_bands"), format_table(bands),
                      st.text("track_seller_bands_note")]
    return "\n".join(parts)


def dashboard_blocks(result: TrackResult, lang: str = "en") -> list[Block]:
    """The dashboard's body in ``lang`` as document blocks (:mod:`slasim.render.doc`): per month
    the term summary, the band figure, the tier and seller tables."""
    st = _style(result, lang)
    blocks: list[Block] = [
        Paragraph(f"{_header(result, st)}. {st.text('track_band_note')}", note=True)
    ]
    for info in result.periods:
        blocks.append(Heading(info.label))
        described = describe_period(info, lang)
        blocks.append(Callout(described) if info.partial else Paragraph(described, note=True))
        if info.not_measurable:
            blocks.append(Paragraph(_not_measurable(info.not_measurable, st), note=True))
        blocks.append(Table(_summary_view(result, info.label, st),
                            caption=st.text("track_cap_terms")))
        blocks += [Paragraph(line, note=True)
                   for line in _verdict_lines(result, info.label, lang)]
        blocks.append(Figure(
            figure_png(track_figure(result, info.label, lang=lang)),
            alt=st.text("track_fig_alt").format(period=info.label),
            caption=st.text("track_fig_caption"),
            name=f"track_{info.label}",
        ))
        blocks.append(Table(_tier_view(result, info.label, st),
                            caption=st.text("track_cap_tiers")))
        blocks.append(Heading(st.text("track_h_sellers"), 3))
        blocks.append(Table(seller_view(result, info.label, lang=lang),
                            caption=st.text("track_cap_all")))
        blocks.append(Paragraph(st.text("track_small_note").format(n=SMALL_N), note=True))
        bands = seller_band_view(result, info.label, lang=lang)
        if len(bands):
            blocks.append(Heading(st.text("track_h_seller_bands"), 3))
            blocks.append(Table(bands, caption=st.text("track_cap_all")))
            blocks.append(Paragraph(st.text("track_seller_bands_note"), note=True))
    return blocks


def dashboard_html(result: TrackResult, lang: str = "en") -> str:
    """The dashboard in ``lang`` (``"en"`` or ``"sv"``): :func:`dashboard_blocks` rendered as
    the report's blocks are (:func:`slasim.render.doc.to_html` in :func:`render_page`)."""
    st = _style(result, lang)
    return render_page(
        st.text("track_title").format(agreement=result.agreement),
        to_html(dashboard_blocks(result, lang), lang), lang=lang,
        subtitle=", ".join(p.label for p in result.periods),
    )


def write_outputs(
    result: TrackResult, out_dir: str | Path, *, html_page: bool = True, lang: str = "en"
) -> list[Path]:
    """Write ``by_tier.csv``, ``by_seller.csv``, ``seller_bands.csv``, ``summary.csv`` (and
    ``track.html`` in
    ``lang``, ``"en"`` or ``"sv"``; the CSV files are language-neutral data).

    Each file is written atomically; CSV text cells that a spreadsheet would run as a formula
    (a seller named ``=HYPERLINK(...)``) are neutralised (:mod:`slasim.outputs`)."""
    if lang not in LANGS:
        raise ValueError(f"lang(={lang!r}) must be one of {', '.join(LANGS)}")
    folder = Path(out_dir)
    files = {
        "by_tier.csv": result.by_tier, "by_seller.csv": result.by_seller,
        "seller_bands.csv": result.seller_bands, "summary.csv": result.summary,
    }
    written: list[Path] = []
    # The page first (seconds of figures): a Ctrl-C meanwhile leaves the old set whole; the
    # writes that follow take milliseconds (it left new CSV files beside an old page).
    page = dashboard_html(result, lang) if html_page else None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in files.items():
            write_csv(frame, folder / name)
            written.append(folder / name)
        if page is not None:
            atomic_write_text(folder / "track.html", page)
            written.append(folder / "track.html")
    except OSError as exc:
        raise InputError.single(str(folder), "--out",
                                f"cannot write the file ({exc.strerror or exc})") from None
    return written
