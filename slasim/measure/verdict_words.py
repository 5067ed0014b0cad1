"""The words of :mod:`slasim.measure.verdict` (English and Swedish): the verdict sentence, the
rule of each confidence level and the recommendation. Data only; the sentences are built in
:mod:`slasim.measure.verdict`."""

from __future__ import annotations

__all__ = ["CHOICE", "PER", "WORDS"]

#: The verdict sentence's pieces, per language.
WORDS = {
    "en": {
        "yes": "Realistic", "no": "Not realistic",
        "side_all": "{side} keeps every term in {p} of months {ci}",
        "needed_each": "needed: {c} each",
        "needed": "needed: {c}",
        "joint": "both sides in the same month: {p} {ci}",
        "joint_main": "both sides keep every term in the same month in {p} of months {ci}",
        "only": "{side} keeps every term in only {p} of months (needed {c}",
        "term_ok": "every term is met in at least {c} of months (weakest: {weakest}, {p})",
        "term_miss": "{what} is met in only {p} of months (needed {c})",
        "most": "most missed: {what}, met in {p} of months",
        "and": " and ",
        "none": "No verdict: the scenario states no SLA terms.",
        "each": "every one of the {n} months reaches it; the tightest, {month}:",
        "every": "all {n} months kept by both sides together in {p} of simulated horizons {ci}",
        "rule_side": "each side keeps all its terms in at least {c} of months",
        "rule_joint": "both sides keep all their terms in the same month in at least {c} of months",
        "rule_term": "every term of every tier is met in at least {c} of months",
        "rule_months": "{rule}, in every month of the period",
    },
    "sv": {
        "yes": "Realistiskt", "no": "Inte realistiskt",
        "side_all": "{side} håller alla villkor i {p} av månaderna {ci}",
        "needed_each": "krav: {c} vardera",
        "needed": "krav: {c}",
        "joint": "båda parter samma månad: {p} {ci}",
        "joint_main": "båda parter håller alla villkor samma månad i {p} av månaderna {ci}",
        "only": "{side} håller alla villkor i bara {p} av månaderna (krav {c}",
        "term_ok": "varje villkor uppfylls i minst {c} av månaderna (svagast: {weakest}, {p})",
        "term_miss": "{what} uppfylls i bara {p} av månaderna (krav {c})",
        "most": "oftast missat: {what}, uppfyllt i {p} av månaderna",
        "and": " och ",
        "none": "Inget utlåtande: scenariot anger inga SLA-villkor.",
        "each": "var och en av de {n} månaderna når kravet; snävast, {month}:",
        "every": "alla {n} månader hålls av båda parter i {p} av simulerade perioder {ci}",
        "rule_side": "varje part håller alla sina villkor i minst {c} av månaderna",
        "rule_joint": "båda parter håller alla sina villkor samma månad i minst {c} av månaderna",
        "rule_term": "varje villkor för varje kategori uppfylls i minst {c} av månaderna",
        "rule_months": "{rule}, i varje månad under perioden",
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
