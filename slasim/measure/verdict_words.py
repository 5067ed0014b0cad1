"""The words of :mod:`slasim.measure.verdict` (English and Swedish): the verdict sentence, the
rule of each confidence level and the recommendation. Data only; the sentences are built in
:mod:`slasim.measure.verdict`."""

from __future__ import annotations

__all__ = ["CHOICE", "PER", "WORDS", "month_unit", "unit", "words"]

#: The verdict sentence's pieces, per language.
WORDS = {
    "en": {
        "yes": "Realistic", "no": "Not realistic",
        "side_all": "{side} keeps every term in {p} of {many} {ci}",
        "needed_each": "needed: {c} each",
        "needed": "needed: {c}",
        "joint": "both sides in the same {one}: {p} {ci}",
        "joint_main": "both sides keep every term in the same {one} in {p} of {many} {ci}",
        "only": "{side} keeps every term in only {p} of {many} (needed {c}",
        "term_ok": "every term is met in at least {c} of {many} (weakest: {weakest}, {p})",
        "term_miss": "{what} is met in only {p} of {many} (needed {c})",
        "most": "most missed: {what}, met in {p} of {many}",
        "and": " and ",
        "none": "No verdict: the scenario states no SLA terms.",
        "each": "every one of the {n} months reaches it; the tightest, {month}:",
        "every": "all {n} months kept by both sides together in {p} of simulated horizons {ci}",
        "rule_side": "each side keeps all its terms in at least {c} of {many}",
        "rule_joint": "both sides keep all their terms in the same {one} in at least {c} of {many}",
        "rule_term": "every term of every tier is met in at least {c} of {many}",
        "rule_months": "{rule}, in every month of the period",
        "unmeasured_attempts": (
            "the attempt cadence is not measured: no lead's attempt window (cadence.window_days) "
            "closes inside a {one}, so it counts as met"
        ),
    },
    "sv": {
        "yes": "Realistiskt", "no": "Inte realistiskt",
        "side_all": "{side} håller alla villkor i {p} av {many} {ci}",
        "needed_each": "krav: {c} vardera",
        "needed": "krav: {c}",
        "joint": "båda parter samma {one}: {p} {ci}",
        "joint_main": "båda parter håller alla villkor samma {one} i {p} av {many} {ci}",
        "only": "{side} håller alla villkor i bara {p} av {many} (krav {c}",
        "term_ok": "varje villkor uppfylls i minst {c} av {many} (svagast: {weakest}, {p})",
        "term_miss": "{what} uppfylls i bara {p} av {many} (krav {c})",
        "most": "oftast missat: {what}, uppfyllt i {p} av {many}",
        "and": " och ",
        "none": "Inget utlåtande: scenariot anger inga SLA-villkor.",
        "each": "var och en av de {n} månaderna når kravet; snävast, {month}:",
        "every": "alla {n} månader hålls av båda parter i {p} av simulerade perioder {ci}",
        "rule_side": "varje part håller alla sina villkor i minst {c} av {many}",
        "rule_joint": "båda parter håller alla sina villkor samma {one} i minst {c} av {many}",
        "rule_term": "varje villkor för varje kategori uppfylls i minst {c} av {many}",
        "rule_months": "{rule}, i varje månad under perioden",
        "unmeasured_attempts": (
            "kontaktrytmen mäts inte: inget leads försöksfönster (cadence.window_days) stängs "
            "inom en {one}, så villkoret räknas som uppfyllt"
        ),
    },
}

#: The recommendation among options, per language.
CHOICE = {
    "en": {
        "best": "Recommended: {name}: the realistic option with the highest expected profit "
                "({profit} per {per}). {sentence}",
        "none": "No option is realistic: change terms or staffing before signing. Closest: "
                "{name}. {sentence}",
    },
    "sv": {
        "best": "Rekommendation: {name}: det realistiska alternativet med högst förväntat "
                "resultat ({profit} per {per}). {sentence}",
        "none": "Inget alternativ är realistiskt: ändra villkor eller bemanning innan ni "
                "skriver under. Närmast: {name}. {sentence}",
    },
}

#: What a recommended profit is for: the simulated period, or a month.
PER = {"period": {"en": "period", "sv": "period"}, "month": {"en": "month", "sv": "månad"}}


#: What a replication is called: (many, one) for a month and for a shorter period ({d} days).
_UNITS = {
    "en": (("months", "month"), ("{d}-day periods", "{d}-day period")),
    "sv": (("månaderna", "månad"), ("perioderna om {d} dagar", "period")),
}


#: A calendar month's replications in a multi-month horizon: its P is over the simulated
#: Januaries, not over "months" (which reads as the months of the quarter).
_MONTH_UNITS = {
    "en": tuple(f"simulated {m}" for m in (
        "Januaries", "Februaries", "Marches", "Aprils", "Mays", "Junes", "Julys", "Augusts",
        "Septembers", "Octobers", "Novembers", "Decembers")),
    "sv": tuple(f"de simulerade {m}månaderna" for m in (
        "januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
        "oktober", "november", "december")),
}


def month_unit(lang: str, month: int) -> str:
    """What one calendar month's replications are called: "simulated Januaries" (``month``
    1), "de simulerade januarimånaderna"."""
    return _MONTH_UNITS[lang][month - 1]


def unit(lang: str, period_days: int = 0, *, many: bool = True) -> str:
    """What a replication is called in ``lang``: "months" (``period_days`` 0) or, for a
    horizon shorter than a month, "7-day periods" (``many``; else "month", "7-day period")."""
    month, period = _UNITS[lang]
    return (month if not period_days else period)[0 if many else 1].replace(
        "{d}", str(period_days))


def words(lang: str, period_days: int = 0, month: int | None = None) -> dict[str, str]:
    """:data:`WORDS` of ``lang`` for replications of a month (``period_days`` 0) or of a
    shorter period: "in 57 % of 7-day periods", not "of months", for a week; for one calendar
    ``month`` of a longer horizon, "of simulated Januaries"."""
    many, one = unit(lang, period_days), unit(lang, period_days, many=False)
    if month is not None:
        many = month_unit(lang, month)
    return {key: text.replace("{many}", many).replace("{one}", one)
            for key, text in WORDS[lang].items()}
