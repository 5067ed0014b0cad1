"""Views of a :class:`~slasim.crm.track.TrackResult`: terminal text, HTML dashboard, CSV files.

Seller views rank without shaming: sellers are listed by volume (then name), every rate sits
next to the count it rests on and its 95 % Wilson interval, and no individual is coloured red
or green. Small numbers get a footnote: with 20 leads a rate can be 20 points off by chance.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import pandas as pd

from slasim.crm.plots_track import LABELS, track_figure
from slasim.crm.track import TrackResult
from slasim.errors import InputError
from slasim.report_text import format_table

__all__ = ["SMALL_N", "dashboard_html", "format_track", "seller_view", "write_outputs"]

#: Below this many leads a seller's rates are flagged as small numbers.
SMALL_N = 30
_SHARES = {"first_attempt_within_target", "contact_rate", "qualify_rate", "win_rate"}
_MINUTES = {"response_minutes_p90", "response_business_minutes_p90"}
_SMALL_NOTE = (
    f"Rates rest on the counts next to them; in brackets the 95 % Wilson interval. With fewer "
    f"than {SMALL_N} leads (marked *) a rate says little on its own: compare intervals, not "
    "ranks. Sellers are listed by volume."
)


def _value(measure: str, value: float) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "-"
    if measure in _SHARES:
        return f"{value:.0%}"
    if measure in _MINUTES or measure == "attempts_per_lead":
        return f"{value:,.1f}"
    return f"{value:,.0f}"


def _met(value: object) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else (
        "yes" if value else "NO"
    )


def _tier_view(result: TrackResult, period: str) -> pd.DataFrame:
    rows = result.by_tier[result.by_tier["period"] == period]
    return pd.DataFrame({
        "tier": rows["tier"],
        "measure": [LABELS.get(m, m) for m in rows["measure"]],
        "actual": [_value(m, v) for m, v in zip(rows["measure"], rows["actual"], strict=True)],
        "target": [_value(m, v) for m, v in zip(rows["measure"], rows["target"], strict=True)],
        "met": [_met(v) for v in rows["met"]],
        "simulated p10-p90": [
            f"{_value(m, lo)} - {_value(m, hi)}"
            for m, lo, hi in zip(rows["measure"], rows["sim_p10"], rows["sim_p90"], strict=True)
        ],
        "band": rows["band"],
    }).reset_index(drop=True)


def _summary_view(result: TrackResult, period: str) -> pd.DataFrame:
    rows = result.summary[result.summary["period"] == period]
    actual = [
        "-" if math.isnan(v) else f"{v:,.0f}" if term == "marketing" else f"{v:.0%}"
        for term, v in zip(rows["term"], rows["actual"], strict=True)
    ]
    return pd.DataFrame({
        "tier": rows["tier"], "term": rows["term"], "target": rows["target"], "actual": actual,
        "met": [_met(v) for v in rows["met"]],
        "simulated P(met)": [_value("contact_rate", v) for v in rows["sim_p_met"]],
    }).reset_index(drop=True)


def _rate_cell(count: float, rate: float, low: float, high: float, of: float) -> str:
    if math.isnan(rate):
        return "-"
    return f"{count:,.0f}/{of:,.0f} = {rate:.0%} ({low:.0%}-{high:.0%})"


def seller_view(result: TrackResult, period: str, tier: str = "all") -> pd.DataFrame:
    """The seller table of one period as display strings: volume next to every rate."""
    rows = result.by_seller[
        (result.by_seller["period"] == period) & (result.by_seller["tier"] == tier)
    ]
    out = pd.DataFrame({
        "owner": [f"{o}{' *' if n < SMALL_N else ''}" for o, n in
                  zip(rows["owner"], rows["leads"], strict=True)],
        "leads": [f"{n:,}" for n in rows["leads"]],
        "called within target": [
            _rate_cell(c, r, lo, hi, n) for c, r, lo, hi, n in zip(
                rows["within_target"], rows["within_target_rate"],
                rows["within_target_rate_ci_low"], rows["within_target_rate_ci_high"],
                rows["response_judged"], strict=True)
        ],
        "attempts/lead": [_value("attempts_per_lead", v) for v in rows["attempts_per_lead"]],
    })
    for name, rate in (("contacted", "contact_rate"), ("qualified", "qualify_rate"),
                       ("won", "win_rate")):
        out[name] = [
            _rate_cell(c, r, lo, hi, n) for c, r, lo, hi, n in zip(
                rows[name], rows[rate], rows[f"{rate}_ci_low"], rows[f"{rate}_ci_high"],
                rows["leads"], strict=True)
        ]
    out["revenue"] = [_value("revenue", v) for v in rows["revenue"]]
    return out.reset_index(drop=True)


def _header(result: TrackResult) -> str:
    return (
        f"agreement {result.agreement!r}; bands from {result.reps} simulated months per tracked "
        f"month (seed {result.seed}); export time {result.as_of:%Y-%m-%d %H:%M %Z}"
    )


def format_track(result: TrackResult) -> str:
    """The ``slasim track`` terminal report: per month the tiers, the terms and the sellers."""
    parts = [_header(result)]
    for info in result.periods:
        parts += ["", "=" * 80, info.describe()]
        if info.not_measurable:
            parts.append(
                "not measurable from this export: "
                + ", ".join(LABELS.get(m, m) for m in info.not_measurable)
            )
        parts += ["", "Actual vs target per tier (band: where the actual falls against the "
                      "simulated p10-p90 of this month)",
                  format_table(_tier_view(result, info.label)), "",
                  "SLA terms", format_table(_summary_view(result, info.label)), "",
                  "Sellers (all tiers)", format_table(seller_view(result, info.label)),
                  _SMALL_NOTE]
    return "\n".join(parts)


def dashboard_html(result: TrackResult, lang: str = "en") -> str:
    """The dashboard: per month the term summary, the band figure, the tier and seller tables."""
    from slasim.report.page import figure_html, render_page, table_html

    body = [
        f'<p class="note">{html.escape(_header(result))}. A band holds 80 % of simulated months: '
        "an actual outside it now and then is expected; the same measure outside it month after "
        "month, or far outside, is the signal.</p>"
    ]
    for info in result.periods:
        body.append(f"<h2>{html.escape(info.label)}</h2>")
        cls = "callout" if info.partial else "note"
        body.append(f'<p class="{cls}">{html.escape(info.describe())}</p>')
        if info.not_measurable:
            missing = ", ".join(LABELS.get(m, m) for m in info.not_measurable)
            body.append(
                f'<p class="note">Not measurable from this export: {html.escape(missing)}.</p>'
            )
        body.append(table_html(_summary_view(result, info.label), caption="SLA terms", lang=lang))
        body.append(figure_html(
            track_figure(result, info.label),
            alt=f"{info.label}: actual (dots) against target (dashed) and simulated p10-p90 "
                "band (bars) per tier",
            caption="Dot: actual. Bar: simulated p10-p90 of this month. Dashed: target.",
        ))
        body.append(table_html(_tier_view(result, info.label),
                               caption="Actual vs target per tier", lang=lang))
        body.append("<h3>Sellers</h3>")
        body.append(table_html(seller_view(result, info.label), caption="All tiers", lang=lang))
        body.append(f'<p class="note">{html.escape(_SMALL_NOTE)}</p>')
    return render_page(
        f"SLA tracking: {result.agreement}", "\n".join(body), lang=lang,
        subtitle=", ".join(p.label for p in result.periods),
    )


def write_outputs(
    result: TrackResult, out_dir: str | Path, *, html_page: bool = True
) -> list[Path]:
    """Write ``by_tier.csv``, ``by_seller.csv``, ``summary.csv`` (and ``track.html``)."""
    folder = Path(out_dir)
    files = {
        "by_tier.csv": result.by_tier, "by_seller.csv": result.by_seller,
        "summary.csv": result.summary,
    }
    written: list[Path] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in files.items():
            frame.to_csv(folder / name, index=False)
            written.append(folder / name)
        if html_page:
            (folder / "track.html").write_text(dashboard_html(result), encoding="utf-8")
            written.append(folder / "track.html")
    except OSError as exc:
        raise InputError.single(str(folder), "--out",
                                f"cannot write the file ({exc.strerror})") from None
    return written
