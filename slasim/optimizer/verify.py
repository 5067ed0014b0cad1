"""Verification on fresh months, the ±1-seller neighbourhood, and the speed walk.

All of it runs on *fresh* batches (keys from :data:`~slasim.optimizer.race.VERIFY_KEY` up), never
on the race's months, so the proposal is judged on evidence it was not chosen on. Points
simulated on the same key share their months (common random numbers): a neighbour's paired
difference to the incumbent has a tight interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from slasim.measure.intervals import Z_VERDICT, t_interval, wilson_interval
from slasim.measure.months import unmeasured_terms
from slasim.measure.terms import TERMS
from slasim.measure.verdict import Verdict as SlaVerdict
from slasim.optimizer.race import Evaluation, Simulator, paired_difference
from slasim.optimizer.space import DecisionSpace, OperatingPoint
from slasim.optimizer.terms import (
    ChosenTerms,
    choose_terms,
    describe_conversion,
    term_probabilities,
    terms_verdict,
)

__all__ = ["Verdict", "Verifier", "mean_ci"]

#: Value-of-speed walk: up to this many staffings below the proposal, this many months each.
SPEED_STEPS, SPEED_REPS = 3, 60


def mean_ci(values: np.ndarray) -> tuple[float, float]:
    """95 % t-interval of the mean."""
    return t_interval(values)


@dataclass(frozen=True)
class Verdict:
    """The outcome of verifying terms on one fresh batch.

    ``sla`` is the verdict of :mod:`slasim.measure.verdict` on these months; ``ok`` adds the caps.
    """

    evaluation: Evaluation
    terms: dict[str, ChosenTerms]
    table: pd.DataFrame
    ok: bool
    loosened: list[str]
    sla: SlaVerdict


def _looser(
    space: DecisionSpace, a: dict[str, ChosenTerms], b: dict[str, ChosenTerms]
) -> tuple[dict[str, ChosenTerms], list[str]]:
    """Per tier and term the less ambitious of ``a`` and ``b``; names of the terms changed."""
    out, changed = {}, []
    for name, ta in a.items():
        tb, menu = b[name], space.menus[name]
        ra = (ta.response_target_minutes, ta.response_share)
        rb = (tb.response_target_minutes, tb.response_share)
        response = max(ra, rb, key=menu.response.index)
        attempts = max(ta.min_attempts, tb.min_attempts, key=menu.attempts.index)
        quota = min(ta.quota, tb.quota)
        # Lower qualify-rate targets are met at least as often (None: no promise either way).
        qualify = ta.qualify_rate_target
        if qualify is not None and tb.qualify_rate_target is not None:
            qualify = min(qualify, tb.qualify_rate_target)
        for label, before, after in (("quota", ta.quota, quota), ("response", ra, response),
                                     ("attempts", ta.min_attempts, attempts),
                                     ("conversion", ta.qualify_rate_target, qualify)):
            if before != after:
                changed.append(f"{name} {label}")
        out[name] = replace(ta, quota=quota, response_target_minutes=response[0],
                            response_share=response[1], min_attempts=attempts,
                            qualify_rate_target=qualify)
    return out, changed


def _meets(space: DecisionSpace, ev: Evaluation, terms: dict[str, ChosenTerms]
           ) -> tuple[pd.DataFrame, dict[str, ChosenTerms], SlaVerdict]:
    """P(met) of each term and side on ``ev``'s months (a table; ``met`` per term on its own,
    per side as the verdict requires), the re-estimated terms, and the verdict."""
    assert ev.samples is not None
    rows, verified = [], {}
    # A term no month measures reads "met" in every month: the table says "not measured" (its
    # `measured` column), never a P(met) of 1.00 beside the terms that were judged.
    unmeasured = unmeasured_terms(space.scenario)
    for name, t in terms.items():
        p = term_probabilities(
            ev.samples, space, name, t.quota,
            (t.response_target_minutes, t.response_share), t.min_attempts,
            t.qualify_rate_target,
        )
        verified[name] = ChosenTerms(
            name, t.quota, t.response_target_minutes, t.response_share, t.min_attempts,
            t.qualify_rate_target, **p,
        )
        texts = (f"quota {t.quota}/month",
                 f"{t.response_share:.0%} within {t.response_target_minutes:g} "
                 + ("business min" if space.menus[name].clock == "business" else "min"),
                 f">= {t.min_attempts} attempts", describe_conversion(t.qualify_rate_target))
        values = {term.name: text for term, text in zip(TERMS, texts, strict=True)}
        for term, value in values.items():
            prob = p[f"p_{term}"]
            low, high = wilson_interval(prob * ev.reps, ev.reps, Z_VERDICT)
            measured = term not in unmeasured
            rows.append({"tier": name, "term": term, "value": value, "p_met": prob,
                         "ci_low": low, "ci_high": high,
                         "met": (prob >= space.confidence) if measured else None,
                         "measured": measured})
    verdict = terms_verdict(ev.samples, space, verified)
    required = {r.side for r in verdict.requirements if not r.term}
    for side in ("marketing", "sales", "joint"):
        rows.append({"tier": "all", "term": side, "value": "every term together",
                     "p_met": verdict.p[side], "ci_low": verdict.ci[side][0],
                     "ci_high": verdict.ci[side][1],
                     "met": (verdict.p[side] >= space.confidence) if side in required else None,
                     "measured": True})
    return pd.DataFrame(rows), verified, verdict


@dataclass
class Verifier:
    """Simulates points on fresh batches, caching by (point, key)."""

    space: DecisionSpace
    simulator: Simulator
    reps: int
    cache: dict[tuple[OperatingPoint, int], Evaluation] = field(default_factory=dict)

    @property
    def nfev(self) -> int:
        return sum(ev.reps for ev in self.cache.values())

    def evaluate_all(
        self, points: Sequence[OperatingPoint], key: int, reps: int | None = None
    ) -> list[Evaluation]:
        """``points`` on batch ``key``; those not yet simulated run in one submission."""
        new = []
        for point in dict.fromkeys(points):
            if (point, key) not in self.cache:
                ev = Evaluation(point, self.space)
                self.cache[(point, key)] = ev
                new.append(ev)
        self.simulator.run(new, key, reps or self.reps)
        return [self.cache[(point, key)] for point in points]

    def evaluate(self, point: OperatingPoint, key: int, reps: int | None = None) -> Evaluation:
        return self.evaluate_all([point], key, reps)[0]

    def verify(self, point: OperatingPoint, terms: dict[str, ChosenTerms], key: int) -> Verdict:
        """Re-estimate ``terms`` on batch ``key``; step terms back if only they fail."""
        ev = self.evaluate(point, key)
        table, verified, sla = _meets(self.space, ev, terms)
        ok = sla.realistic and ev.caps_ok(0.0)
        loosened: list[str] = []
        assert ev.samples is not None
        fresh = choose_terms(ev.samples, self.space, point.volumes, 0.0)
        if not ok and fresh is not None and ev.caps_ok(0.0):
            # A term chosen on the race months can sit at the edge; step it back to what the
            # fresh months support (menus are ordered; looser terms are met at least as often).
            looser, loosened = _looser(self.space, terms, fresh)
            table, verified, sla = _meets(self.space, ev, looser)
            ok = sla.realistic
        return Verdict(ev, verified, table, ok, loosened, sla)

    def neighbours(self, incumbent: Verdict, key: int) -> tuple[pd.DataFrame, list[Evaluation]]:
        """±1 seller per free shift on the incumbent's fresh months (paired).

        ``better``: the neighbour has realistic terms of its own (any menu entry, P-hat >=
        confidence), keeps the budget and revenue goal on its mean (``within_caps``), and beats
        the incumbent by more than the paired 95 % interval. ``meets_terms``: it would also keep
        the incumbent's proposed terms.
        """
        space = self.space
        rows = []
        evaluations = self.evaluate_all(space.neighbours(incumbent.evaluation.point), key)
        for ev in evaluations:
            point = ev.point
            _, _, sla = _meets(space, ev, incumbent.terms)
            own = ev.terms(0.0) is not None
            caps = ev.caps_ok(0.0)
            diff, half = paired_difference(ev, incumbent.evaluation)
            rows.append({
                "neighbour": point.label(space),
                "objective_diff": diff,
                "ci_low": diff - half,
                "ci_high": diff + half,
                "meets_terms": sla.realistic,
                "realistic_terms": own,
                "within_caps": caps,
                "better": own and caps and diff - half > 0,
            })
        columns = ["neighbour", "objective_diff", "ci_low", "ci_high", "meets_terms",
                   "realistic_terms", "within_caps", "better"]
        return pd.DataFrame(rows, columns=columns), evaluations

    def speed_walk(self, incumbent: Evaluation, tier: str, key: int,
                   known: Sequence[Evaluation]) -> list[Evaluation]:
        """Fewer sellers than the proposal (all free shifts -1, -2, ...) on fresh months.

        The race concentrates on good staffings; the value of speed also needs the lean ones
        that only meet slower targets. Stops when even the slowest target of ``tier`` is missed.
        """
        space, out = self.space, []
        seen = {ev.point for ev in known}
        menu = space.menus[tier]
        share = min(s for _, s in menu.response)
        for step in range(1, SPEED_STEPS + 1):
            sellers = tuple(
                max(lo, n - step) if lo != hi else n
                for n, (lo, hi) in zip(incumbent.point.sellers, space.shift_bounds, strict=True)
            )
            point = OperatingPoint(sellers, incumbent.point.routing, incumbent.point.volumes)
            if point in seen:
                continue
            seen.add(point)
            ev = self.evaluate(point, key, min(SPEED_REPS, self.reps))
            out.append(ev)
            assert ev.samples is not None
            slowest = ev.samples.response[tier][:, -1]
            met = np.where(np.isnan(slowest), 1.0, slowest >= share).mean()
            if float(met) < space.confidence:
                break
        return out
