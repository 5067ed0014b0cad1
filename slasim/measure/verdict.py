"""What "realistic" means: the one definition every command judges an SLA by.

An agreement is signed as a whole. From per-month 0/1 flags of every term of every tier
(:data:`slasim.measure.terms.TERMS`), a month is *kept* by a side when that side keeps every one of
its
terms for every tier, and *kept jointly* when both sides do (:func:`side_flags`). Over simulated
months, ``sla.confidence_level`` says what must reach ``sla.confidence``:

``"side"`` (default)
    each side keeps all its terms together: P(marketing) >= c and P(sales) >= c.
``"joint"``
    both sides keep everything in the same month: P(joint) >= c.
``"term"``
    each term of each tier on its own: P(term met) >= c (the weakest reading).

The joint probability is always shown beside the verdict. ``run``, ``compare``, ``report``,
``track``, ``optimize`` (its chance constraint), ``plan`` and the staffing search all call
:func:`judge`; none keeps its own rule.

A horizon of several months (a quarter, a year: :mod:`slasim.measure.months`) is judged month by
month
(:func:`judge_months`): each calendar month gets its own verdict on its own flags, by the rule
above, and ``sla.confidence`` applies to each month (the confidence always speaks of a month:
"met in at least 80 % of simulated months"). The horizon is realistic when *every* month is.
Beside it, P(kept in every month): a simulated horizon counts only when its every month is
kept (the quarter as a whole), which is lower than any single month's P; it is reported, not
required.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from slasim.measure.intervals import wilson_interval
from slasim.measure.shares import bar_decimals, decimals_against, judged_sides, share_digits
from slasim.measure.terms import SIDES, TERMS, get_term
from slasim.measure.verdict_words import CHOICE as _CHOICE
from slasim.measure.verdict_words import PER as _PER
from slasim.measure.verdict_words import words as _words

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "LEVELS",
    "MonthVerdict",
    "Requirement",
    "Verdict",
    "judge",
    "judge_months",
    "passes",
    "recommend",
    "recommendation",
    "side_flags",
]

#: ``sla.confidence_level`` values.
LEVELS: tuple[str, ...] = ("side", "joint", "term")

Flags = Mapping[tuple[str, str], np.ndarray]


def passes(flags: np.ndarray, confidence: float, z: float = 0.0) -> bool:
    """Whether months ``flags`` (0/1) reach ``confidence``.

    ``z = 0``: the point estimate (what every published verdict uses). ``z > 0`` demands
    evidence (Wilson lower bound), ``z < 0`` only drops what is clearly out of reach (upper
    bound): the optimizer's race uses these while months are few.
    """
    n = len(flags)
    met = float(np.sum(flags))
    if z == 0:
        return n > 0 and met / n >= confidence - 1e-12
    low, high = wilson_interval(met, n, abs(z))
    return (low if z > 0 else high) >= confidence - 1e-12


def side_flags(
    flags: Flags, tiers: tuple[str, ...], reps: int | None = None
) -> dict[str, np.ndarray]:
    """Per month: 1 when a side keeps every one of its terms for every tier in ``tiers``.

    ``flags[(term_flag, tier)]`` holds one tier's months of one term (missing: the tier has no
    such term, which cannot be broken). Returns arrays for ``marketing``, ``sales``, ``joint``.
    """
    if reps is None:
        reps = len(next(iter(flags.values()))) if flags else 0
    out = {side.name: np.ones(reps) for side in SIDES if side.name != "joint"}
    for term in TERMS:
        for tier in tiers:
            column = flags.get((term.flag, tier))
            if column is not None:
                out[term.side] = out[term.side] * np.asarray(column, dtype=float)
    out["joint"] = out["marketing"] * out["sales"]
    return out


@dataclass(frozen=True)
class Requirement:
    """One requirement of the verdict: what must reach the confidence, and how often it did.

    ``tier`` and ``term`` are empty for a side (``side`` names it); ``month`` is the calendar
    month (``"2027-02"``) of a multi-month horizon's requirement, else empty.
    """

    side: str
    tier: str
    term: str
    p: float
    ci: tuple[float, float]
    met: bool
    month: str = ""

    def describe(self, lang: str = "en") -> str:
        """``"sales"``, ``"hot response time"``, ``"sales (2027-02)"`` (in ``lang``)."""
        side = next(s for s in SIDES if s.name == self.side).label[lang]
        text = side if not self.term else f"{self.tier} {get_term(self.term).label[lang]}"
        return f"{text} ({self.month})" if self.month else text


@dataclass(frozen=True)
class Verdict:
    """Is the agreement realistic, and how often does each side keep it.

    Attributes
    ----------
    realistic
        The answer, by ``level`` at ``confidence``.
    level, confidence
        ``sla.confidence_level`` and ``sla.confidence``.
    reps
        Months it rests on.
    p, ci
        P(kept) and its 95 % Wilson interval for ``marketing``, ``sales`` and ``joint``.
    requirements
        What the level asks for, each with its P and whether it was reached.
    terms
        Every term of every tier (P met), whatever the level: the weakest explains a miss.
    months
        A multi-month horizon's verdict per calendar month (:func:`judge_months`); then
        ``realistic`` says every month is, ``p``, ``ci`` and ``terms`` are P(kept in every
        month) and ``requirements`` are the months' own. Empty for a one-period horizon.
    period_days
        0 when a replication is a month (or judged month by month); else the days of the
        shorter period it is (a week: 7), so that the words say "of 7-day periods".
    unmeasured
        Terms no replication could measure (:func:`slasim.measure.months.unmeasured_terms`):
        counted as met, and the sentence says so.
    """

    realistic: bool
    level: str
    confidence: float
    reps: int
    p: dict[str, float]
    ci: dict[str, tuple[float, float]]
    requirements: tuple[Requirement, ...]
    terms: tuple[Requirement, ...]
    months: tuple[MonthVerdict, ...] = ()
    period_days: int = 0
    unmeasured: tuple[str, ...] = ()

    @property
    def failing(self) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if not r.met)

    def against(self, name: str, tier: str = "") -> float | None:
        """The confidence P(``name``) is judged against -- a side's (``tier`` empty) or a term's
        of ``tier`` -- or None when the level does not judge it (``joint`` at level ``side``, a
        side at level ``term``) or when the P is of every month of a horizon judged month by
        month (each month is judged instead)."""
        if self.months:
            return None
        judged = any((r.term, r.tier) == (name, tier) if r.term else (r.side, tier) == (name, "")
                     for r in self.requirements)
        return self.confidence if judged else None

    def weakest_term(self, side: str | None = None) -> Requirement | None:
        """The term (of ``side``, if given) met least often."""
        pool = [t for t in self.terms if side is None or t.side == side]
        return min(pool, key=lambda t: t.p) if pool else None

    def sentence(self, lang: str = "en", *, fix: str | None = None) -> str:
        """One line a VP can act on. ``fix`` (already worded) is appended when not realistic,
        e.g. "the fewest sellers that fix it with hot-first routing is 7"."""
        return _sentence(self, lang, fix)

    def rule(self, lang: str = "en") -> str:
        """When the agreement is called realistic at this level, in words: "each side keeps all
        its terms in at least 80 % of months" (level ``side``; ``joint`` and ``term`` say
        theirs), the one statement of the rule every text about the verdict quotes."""
        w = _words(lang, self.period_days)
        c = _pct(self.confidence, lang, digits=bar_decimals(self.confidence))  # 84.5 %, not 84
        rule = w[f"rule_{self.level}"].format(c=c)
        return w["rule_months"].format(rule=rule) if self.months else rule

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (``months``: each month's, for a multi-month horizon)."""
        out: dict[str, object] = {
            "realistic": self.realistic,
            "level": self.level,
            "confidence": self.confidence,
            "reps": self.reps,
            "p_met": _nulls(self.p),  # NaN (no terms) is null: JSON has no NaN
            "ci": {k: _nulls(v) for k, v in self.ci.items()},
            "failing": [r.describe() for r in self.failing],
            "sentence": self.sentence(),
            "unmeasured": list(self.unmeasured),
        }
        if self.months:
            out["months"] = [m.to_dict() for m in self.months]
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per term of every tier (:attr:`terms`): month, side, tier, term, p (P met),
        ci_low, ci_high, met. ``month`` is empty for the period (a multi-month horizon's: kept
        in every month); then every month's terms follow, with its key (``"2027-02"``)."""
        import pandas as pd

        rows = [("", r) for r in self.terms]
        rows += [(m.key, r) for m in self.months for r in m.verdict.terms]
        columns = ["month", "side", "tier", "term", "p", "ci_low", "ci_high", "met"]
        return pd.DataFrame([(month, r.side, r.tier, r.term, r.p, *r.ci, r.met)
                             for month, r in rows], columns=columns)


@dataclass(frozen=True)
class MonthVerdict:
    """One calendar month's verdict in a multi-month horizon.

    ``key`` is ``"2027-02"``; ``labels`` its name per language (``"Feb 2027"``, a partial month
    says so).
    """

    key: str
    labels: dict[str, str]
    verdict: Verdict

    @property
    def month(self) -> int:
        """The calendar month, 1-12."""
        return int(self.key[5:7])

    def to_dict(self) -> dict[str, object]:
        v = self.verdict
        return {"month": self.key, "label": self.labels["en"], "realistic": v.realistic,
                "p_met": _nulls(v.p), "ci": {k: _nulls(c) for k, c in v.ci.items()},
                "terms": _nulls({f"{t.tier}.{t.term}": t.p for t in v.terms}),
                "failing": [r.describe() for r in v.failing]}


def _nulls(values: Mapping[str, float] | Sequence[float]) -> object:
    if isinstance(values, Mapping):
        return {k: None if v != v else v for k, v in values.items()}
    return [None if v != v else v for v in values]


def judge(
    flags: Flags,
    tiers: tuple[str, ...],
    confidence: float,
    level: str = "side",
    z: float = 0.0,
    *,
    reps: int | None = None,
    period_days: int = 0,
) -> Verdict:
    """The verdict on months of per-term flags.

    Parameters
    ----------
    flags
        ``{(term_flag, tier): 0/1 per month}`` (see :data:`slasim.measure.terms.TERMS`); all arrays
        of
        the same length.
    tiers
        The tiers with SLA terms.
    confidence, level
        ``sla.confidence`` and ``sla.confidence_level`` (one of :data:`LEVELS`).
    z
        0 for the point estimate (published verdicts); see :func:`passes`.
    reps
        Months, when ``flags`` may be empty (a scenario without terms: no verdict, P is NaN).
    period_days
        :attr:`Verdict.period_days`: the days of a replication shorter than a month, else 0.
    """
    if level not in LEVELS:
        raise ValueError(f"level(={level!r}) must be one of {', '.join(LEVELS)}.")
    sides = side_flags(flags, tiers, reps)
    reps = len(sides["joint"])
    judged = bool(flags) and reps > 0
    p, ci, side_reqs = {}, {}, {}
    for name, column in sides.items():
        met = float(column.sum())
        p[name] = met / reps if judged else math.nan
        ci[name] = wilson_interval(met, reps) if judged else (math.nan, math.nan)  # no terms
        side_reqs[name] = Requirement(name, "", "", p[name], ci[name],
                                      passes(column, confidence, z))
    terms = []
    for term in TERMS:
        for tier in tiers:
            given = flags.get((term.flag, tier))
            if given is None:
                continue
            column = np.asarray(given, dtype=float)
            met = float(column.sum())
            terms.append(Requirement(term.side, tier, term.name, met / reps if reps else math.nan,
                                     wilson_interval(met, reps), passes(column, confidence, z)))
    asked = judged_sides(level)  # none at level term: each term is judged
    requirements = tuple(side_reqs[s] for s in asked) if asked else tuple(terms)
    realistic = judged and all(r.met for r in requirements)
    return Verdict(realistic, level, confidence, reps, p, ci, requirements, tuple(terms),
                   period_days=period_days)


def judge_months(
    months: Sequence[tuple[str, dict[str, str], Flags]],
    tiers: tuple[str, ...],
    confidence: float,
    level: str = "side",
    z: float = 0.0,
    *,
    reps: int | None = None,
) -> Verdict:
    """The verdict on a multi-month horizon: :func:`judge` on each month's flags.

    Parameters
    ----------
    months
        Per calendar month, in order: ``(key, labels, flags)`` with ``flags`` as for
        :func:`judge` (one 0/1 per simulated horizon), the same keys every month.
    tiers, confidence, level, z, reps
        As for :func:`judge`; the confidence applies to each month.

    Returns
    -------
    Verdict
        Realistic when every month is; ``p``/``ci``/``terms``: kept in every month (a
        simulated horizon counts only if each of its months keeps it); ``requirements``: the
        months' own, tagged with their month; ``months``: each month's verdict.
    """
    if not months:
        raise ValueError("months(=[]) must list at least one month; use judge() for one period.")
    per_month = tuple(
        MonthVerdict(key, dict(labels), judge(flags, tiers, confidence, level, z, reps=reps))
        for key, labels, flags in months
    )
    # Every month: the product of the months' flags, per term and tier.
    every: dict[tuple[str, str], np.ndarray] = {}
    for _, _, flags in months:
        for name, column in flags.items():
            column = np.asarray(column, dtype=float)
            every[name] = every[name] * column if name in every else column
    whole = judge(every, tiers, confidence, level, z, reps=reps)
    requirements = tuple(
        Requirement(r.side, r.tier, r.term, r.p, r.ci, r.met, m.key)
        for m in per_month for r in m.verdict.requirements
    )
    realistic = all(m.verdict.realistic for m in per_month)
    return Verdict(realistic, level, confidence, whole.reps, whole.p, whole.ci, requirements,
                   whole.terms, per_month)


# --- wording --------------------------------------------------------------------------------

def _pct(value: float, lang: str, against: float | None = None, digits: int = 0) -> str:
    if value != value:
        return "–"
    text = f"{100 * value:.{max(digits, decimals_against(value, against))}f}"
    return (text.replace(".", ",") if lang == "sv" else text) + "\u00a0%"


def _range(ci: tuple[float, float], lang: str) -> str:
    sep = "; " if lang == "sv" else ", "
    return f"[{_pct(ci[0], lang)}{sep}{_pct(ci[1], lang)}]"


def _sentence(v: Verdict, lang: str, fix: str | None) -> str:
    w = _words(lang, v.period_days)
    if not v.terms:
        return w["none"]
    head = w["yes"] if v.realistic else w["no"]
    body = _months_body(v, lang) if v.months else _body(v, lang)
    text = f"{head}: {body}"
    for name in v.unmeasured:
        text += "; " + w[f"unmeasured_{name}"]
    if fix and not v.realistic:
        text += f"; {fix}"
    return text + "."


def _months_body(v: Verdict, lang: str) -> str:
    """A multi-month verdict: the failing months (or the weakest one), then every month."""
    w = _words(lang, v.period_days)
    n = len(v.months)

    def margin(m: MonthVerdict) -> float:
        return min((r.p for r in m.verdict.requirements), default=math.nan)

    every = w["every"].format(n=n, p=_pct(v.p["joint"], lang), ci=_range(v.ci["joint"], lang))
    if v.realistic:
        weakest = min(v.months, key=margin)
        lead = w["each"].format(n=n, month=weakest.labels[lang])
        return f"{lead} {_body(weakest.verdict, lang, weakest.month)}; {every}"
    failing = [m for m in v.months if not m.verdict.realistic]
    return "; ".join(f"{m.labels[lang]}: {_body(m.verdict, lang, m.month)}"
                     for m in failing) + (
        f"; {every}"
    )


def _body(v: Verdict, lang: str, month: int | None = None) -> str:
    """The sentence's body; ``month`` (1-12): ``v`` is that calendar month's verdict."""
    w = _words(lang, v.period_days, month)
    c = _pct(v.confidence, lang, digits=bar_decimals(v.confidence))  # the bar as it is
    label = {s.name: s.label[lang] for s in SIDES}
    conf = v.confidence
    d = share_digits(v) if v.terms else 0  # the sides' shares read alike
    joint = w["joint"].format(p=_pct(v.p["joint"], lang, digits=d),
                              ci=_range(v.ci["joint"], lang))
    if v.level == "side":
        if v.realistic:
            body = w["and"].join(
                w["side_all"].format(side=label[s], p=_pct(v.p[s], lang, digits=d),
                                     ci=_range(v.ci[s], lang))
                for s in ("marketing", "sales")
            ) + f" ({w['needed_each'].format(c=c)}); {joint}"
        else:
            parts = []
            for r in v.failing:
                part = w["only"].format(side=label[r.side], p=_pct(r.p, lang, digits=d), c=c)
                weakest = v.weakest_term(r.side)
                if weakest is not None:
                    part += "; " + w["most"].format(what=weakest.describe(lang),
                                                    p=_pct(weakest.p, lang, conf))
                parts.append(part + ")")
            body = "; ".join(parts) + f"; {joint}"
    elif v.level == "joint":
        body = w["joint_main"].format(p=_pct(v.p["joint"], lang, digits=d),
                                      ci=_range(v.ci["joint"], lang))
        body += f" ({w['needed'].format(c=c)})"
        weakest = v.weakest_term()
        if not v.realistic and weakest is not None:
            body += "; " + w["most"].format(what=weakest.describe(lang),
                                            p=_pct(weakest.p, lang, conf))
    else:
        weakest = v.weakest_term()
        if v.realistic:
            body = w["term_ok"].format(
                c=c, weakest=weakest.describe(lang) if weakest else "–",
                p=_pct(weakest.p if weakest else math.nan, lang, conf),
            )
        else:
            misses = sorted(v.failing, key=lambda r: r.p)
            body = "; ".join(
                w["term_miss"].format(what=r.describe(lang), p=_pct(r.p, lang, conf), c=c)
                for r in misses[:3]
            )
        body += f"; {joint}"
    return body


# --- choosing between options -------------------------------------------------------------


def recommend(verdicts: list[Verdict], profits: list[float]) -> tuple[int, bool]:
    """The option to recommend: the realistic one with the highest profit (``True``), else the
    one closest to realistic (the highest P of its weakest requirement -- what the level
    judges, each month's on a quarter -- then profit; ``False``)."""
    ok = [i for i, v in enumerate(verdicts) if v.realistic]
    if ok:
        return max(ok, key=lambda i: profits[i]), True
    def weakest(v: Verdict) -> float:
        # An option without terms (no requirement, or P NaN) is never the closest: -1 < any P.
        p = min((r.p for r in v.requirements), default=math.nan)
        return -1.0 if math.isnan(p) else p

    closest = max(range(len(verdicts)), key=lambda i: (weakest(verdicts[i]), profits[i]))
    return closest, False


def recommendation(
    names: list[str], verdicts: list[Verdict], profits: list[float], lang: str = "en",
    money: Callable[[float], str] | None = None, per: str = "period",
) -> str:
    """:func:`recommend` in words; ``money`` formats the profit (default ``1,234,567``);
    ``per`` says what ``profits`` are for: ``"period"`` (the simulated one) or ``"month"``."""
    if per not in _PER:
        raise ValueError(f"per(={per!r}) must be one of {sorted(_PER)}")
    best, ok = recommend(verdicts, profits)
    words = _CHOICE[lang]["best" if ok else "none"]
    shown = (money or "{:,.0f}".format)(profits[best])
    return words.format(name=names[best], profit=shown, per=_PER[per][lang],
                        sentence=verdicts[best].sentence(lang))
