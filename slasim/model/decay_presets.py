"""Named decay presets: contact and qualify curves encoding published response-time studies.

The ratios are observational comparisons between time buckets, not causal effects; see each
preset's ``source`` and ``notes``.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from slasim.model.decay import DecayCurve, FlatDecay, TableDecay

__all__ = ["PRESETS", "DecayPreset", "get_preset"]


@dataclass(frozen=True)
class DecayPreset:
    """A named pair of contact and qualify curves with its source.

    Attributes
    ----------
    name : str
        Preset key in :data:`PRESETS`.
    contact, qualify : DecayCurve
        Multipliers on ``base_contact`` and ``base_qualify``.
    source : str
        Bibliographic source of the numbers.
    notes : str
        How the published figures were turned into curves, and their limits.
    """

    name: str
    contact: DecayCurve
    qualify: DecayCurve
    source: str
    notes: str


_LRM_SOURCE = (
    "Oldroyd, J. B. (2007). Lead Response Management Study (MIT / InsideSales.com); "
    "about 15,000 leads and 100,000 dials across six companies."
)
_LRM_2007 = DecayPreset(
    name="lrm2007",
    contact=TableDecay(
        [0.0, 5.0, 10.0, 30.0],
        [1.0, 1.0, 1.0 / 5.0, 1.0 / 100.0],
        "log",
        provenance="lrm2007: contact odds 5 vs 30 min = 100x; 5 -> 10 min = /5 (Oldroyd 2007)",
    ),
    qualify=TableDecay(
        [0.0, 5.0, 10.0, 30.0],
        [1.0, 1.0, 1.0 / 4.0, 1.0 / 21.0],
        "log",
        provenance="lrm2007: qualify odds 5 vs 30 min = 21x; 5 -> 10 min = /4 (Oldroyd 2007)",
    ),
    source=_LRM_SOURCE,
    notes=(
        "Log-interpolated tables anchored at 0, 5, 10 and 30 minutes with f(0) = f(5) = 1 (the "
        "within-5-minutes bucket is the reference). Contact: 5 -> 10 min divides by 5, 5 vs "
        "30 min by 100 (consistent with 'contact odds fall >10x over the first hour'). Qualify: "
        "5 -> 10 min divides by 4, 5 vs 30 min by 21. The published 'odds' are treated as "
        "ratios of probabilities. The study reports ratios between response-time buckets; it "
        "is observational (fast responders may differ from slow ones), not causal. It gives no "
        "ratio beyond 30 minutes, so both curves are held flat after 30 minutes (conservative: "
        "real decay probably continues). The qualify ratios are per lead in the study; if the "
        "engine applies the qualify curve to contacted leads only, on top of the contact "
        "curve, the combined per-lead effect is stronger than published."
    ),
)

_HBR_2011 = DecayPreset(
    name="hbr2011",
    contact=FlatDecay(
        provenance="hbr2011: no contact decay (the study measured qualification per lead)"
    ),
    qualify=TableDecay(
        [0.0, 60.0, 120.0, 1440.0],
        [1.0, 1.0, 1.0 / 7.0, 1.0 / 60.0],
        "log",
        provenance="hbr2011: qualify within 1 h vs ~2 h = 7x; vs 24 h = 60x (Oldroyd et al. 2011)",
    ),
    source=(
        "Oldroyd, J. B., McElheran, K., Elkington, D. (2011). The Short Life of Online Sales "
        "Leads. Harvard Business Review, March 2011; 1.25 million leads at 2,241 US companies."
    ),
    notes=(
        "Qualify: log-interpolated table at 0, 60, 120 and 1440 minutes with factors 1, 1, 1/7, "
        "1/60: responding within an hour vs an hour later (~2 h) is ~7x as likely to qualify, "
        "vs 24 h or later >60x (60x used, so the curve is if anything too mild). Held flat "
        "after 24 h, where the study gives no further ratio. The study measured qualification "
        "per lead, not contact, so the contact curve is flat and all decay sits in the qualify "
        "curve. Observational ratios between response-time buckets, not causal effects."
    ),
)

_NONE = DecayPreset(
    name="none",
    contact=FlatDecay(provenance="none: no decay"),
    qualify=FlatDecay(provenance="none: no decay"),
    source="No source: no decay, for textbook (queueing) checks.",
    notes="Flat contact and qualify curves: probabilities do not depend on the lead's age.",
)

PRESETS: Mapping[str, DecayPreset] = MappingProxyType(
    {p.name: p for p in (_LRM_2007, _HBR_2011, _NONE)}
)
"""Named decay presets: ``"lrm2007"``, ``"hbr2011"`` and ``"none"`` (read-only)."""


def get_preset(name: str) -> DecayPreset:
    """Return the preset called ``name``; an unknown name raises ``ValueError`` with hints."""
    try:
        return PRESETS[name]
    except KeyError:
        known = ", ".join(repr(k) for k in PRESETS)
        raise ValueError(
            f"decay preset(={name!r}) is unknown; known presets: {known}."
            f"{_did_you_mean(name)}"
        ) from None


def _did_you_mean(name: str) -> str:
    close = difflib.get_close_matches(name, list(PRESETS), n=1)
    return f" Did you mean {close[0]!r}?" if close else ""
