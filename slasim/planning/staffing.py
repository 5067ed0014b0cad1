"""The fewest sellers that make an agreement realistic, by simulation, per routing policy.

One answer to "how many sellers does this SLA need?", shared by ``plan``, ``check``, the
report, ``run`` and ``optimize``: the smallest staffing at which what staffing controls is
realistic by :mod:`slasim.measure.verdict` (the sales side at ``confidence_level = "side"``, every
sales
term at ``"term"``, both sides at ``"joint"``: staffing cannot make marketing deliver leads).

Every shift moves together, one seller at a time from today's roster (``n_j + k``, at least 1),
and every level is simulated on the same months (the same seed: common random numbers), so
the curve shows the effect of staffing, not of different months. The search walks from today's
staffing (doubling steps, then bisection), assuming more sellers never hurt: with common random
numbers this holds month by month up to rare ties. The Erlang C figure (:mod:`slasim.analytic`)
is a steady-state, one-queue reference: it ignores the Monday backlog and repeated attempts
(which need more sellers) and priorities and patience (with which fewer can do); it is shown
next to the answer, never instead of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from slasim.limits import MAX_SCHEDULED_SELLERS
from slasim.measure.shares import decimals_against, judged_p, judged_sides
from slasim.measure.verdict import Requirement, Verdict
from slasim.measure.verdict_words import unit
from slasim.model.routing import router_label
from slasim.planning.workload import hires_text
from slasim.scenario.schema import DAYS_PER_MONTH, Scenario
from slasim.seeding import Seed, root_seed

if TYPE_CHECKING:
    from slasim.measure.executors import Executor

__all__ = [
    "STAFFING_REPS",
    "StaffingAnswer",
    "fewest_sellers",
    "judged_p",
    "quick_verdict",
    "staffing_answers",
    "with_staffing",
]

#: Months simulated per staffing level: enough to tell P = 0.8 from P = 0.6 at one standard
#: error (sqrt(0.8 * 0.2 / 40) = 0.063), and a level of the baseline month costs ~2 s.
STAFFING_REPS = 40
#: The search stops at this many sellers in total (or 4x today, whichever is larger).
MAX_TOTAL = 60

Progress = Callable[[int, int], None]


def with_staffing(scenario: Scenario, sellers: Sequence[int], routing: str | None = None
                  ) -> Scenario:
    """``scenario`` with ``sellers`` per shift (and ``routing``, if given)."""
    shifts = [sh.model_copy(update={"sellers": int(n)})
              for sh, n in zip(scenario.team.shifts, sellers, strict=True)]
    update: dict[str, object] = {"team": scenario.team.model_copy(update={"shifts": shifts})}
    if routing is not None:
        update["routing"] = scenario.routing.model_copy(update={"policy": routing})
    return scenario.model_copy(update=update)


def _staffing_ok(verdict: Verdict) -> bool:
    """Whether what staffing controls is realistic (see the module docstring)."""
    if verdict.level == "joint":
        return verdict.realistic
    return all(r.met for r in verdict.requirements if r.side == "sales")


@dataclass(frozen=True)
class StaffingAnswer:
    """The fewest sellers for one routing policy.

    Attributes
    ----------
    routing
        The policy simulated.
    sellers
        Fewest sellers per shift (None: not reached up to ``cap`` sellers in total).
    levels
        Every staffing simulated: ``sellers`` (per shift, ``3+2``), ``total``, ``p_marketing``,
        ``p_sales``, ``p_joint``, ``p_sales_judged`` and ``p_joint_judged`` (what the level
        compares with the confidence, :func:`judged_p`), ``realistic`` (the whole agreement),
        ``staffing_ok`` (what staffing controls), ``profit`` (mean per period), sorted by
        ``total``.
    current
        Today's sellers per shift.
    reps, seed
        Months per level and the root seed (the same months at every level).
    cap
        Most sellers in total the search tried.
    shifts
        Shift names, in order.
    blocking
        When not reached: the sales terms still missed at the most sellers tried (what
        staffing alone does not fix, e.g. a conversion target), weakest first.
    level, period_days
        The verdicts' confidence level and :attr:`~slasim.measure.verdict.Verdict.period_days`.
    hires
        The scenario's ``team.hires`` (shift, sellers, start), the same at every level: the
        answer's sellers are the shifts' from the start, these join later.
    by_month
        Whether the horizon is judged month by month (then the chances compared with the
        confidence are each level's weakest month's: ``p_sales_judged``).
    confidence
        ``sla.confidence``: what the judged chances are compared with.
    """

    routing: str
    sellers: tuple[int, ...] | None
    levels: pd.DataFrame
    current: tuple[int, ...]
    reps: int
    seed: int
    cap: int
    shifts: tuple[str, ...]
    blocking: tuple[Requirement, ...] = ()
    level: str = "side"
    period_days: int = 0
    hires: tuple[tuple[str, int, date], ...] = ()
    by_month: bool = False
    confidence: float = 0.8

    @property
    def total(self) -> int | None:
        return None if self.sellers is None else sum(self.sellers)

    @property
    def realistic(self) -> bool:
        """Whether the whole agreement is realistic at the answer. The search asks only what
        staffing controls (the sales side; everything at level ``joint``): with a marketing
        term failing, the answer makes the sales side realistic, not the agreement."""
        if self.sellers is None:
            return False
        row = self.levels[self.levels["total"] == self.total]
        return bool(row["realistic"].iloc[0]) if len(row) else False

    def describe(self) -> str:
        """``"7 sellers (office 7) with hot-first (tier priority) routing"``."""
        policy = router_label(self.routing, "terminal")  # the registry's plain words
        if self.sellers is None:
            most = int(self.levels["total"].max())
            text = f"not reached with up to {most} sellers with {policy} routing"
            if self.blocking:
                top = self.levels.iloc[-1]
                # Judged shares never round across the confidence (0.798 is not "80%"): the
                # terms at level term, the side (or both) the search is judged by otherwise.
                conf = self.confidence if self.level == "term" else None
                digits = [decimals_against(r.p, conf) for r in self.blocking[:3]]
                weakest = ", ".join(f"{r.describe()} {r.p:.{d}%}"
                                    for r, d in zip(self.blocking[:3], digits, strict=False))
                who, p = (("both sides keep", top["p_joint_judged"]) if self.level == "joint"
                          else ("sales keeps", top["p_sales_judged"]))
                # What the verdict compares with the confidence: per period, or for several
                # months the weakest month's chance.
                # The side's share never reads above its terms' (it cannot exceed them).
                judged = self.confidence if judged_sides(self.level) else None
                p = f"{p:.{max([decimals_against(p, judged), *digits])}%}"  # never "80%": 0.798
                share = (f"{p} of simulated periods in their weakest month" if self.by_month
                         else f"{p} of {unit('en', self.period_days)}")
                text += (f"; staffing alone does not fix it: at {most} sellers {who} every "
                         f"term in {share} (weakest terms: {weakest})")
            return text
        per = ", ".join(f"{name} {n}" for name, n in zip(self.shifts, self.sellers, strict=True))
        text = f"{self.total} sellers ({per}{hires_text(self.hires)}) with {policy} routing"
        if not self.realistic:
            what = "every sales term" if self.level == "term" else "the sales side"
            text += (f"; {what} only: marketing's terms still fail there (sellers do not "
                     "change them)")
        return text


def _label(sellers: Sequence[int]) -> str:
    return "+".join(str(n) for n in sellers)


def fewest_sellers(
    scenario: Scenario,
    routing: str | None = None,
    *,
    reps: int = STAFFING_REPS,
    seed: Seed = 0,
    workers: int = 1,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> StaffingAnswer:
    """The fewest sellers (all shifts moving together) that make ``scenario``'s agreement
    realistic under ``routing`` (default: the scenario's own policy).

    Parameters
    ----------
    scenario
        Scenario with SLA terms.
    routing
        Routing policy to simulate.
    reps, seed, workers
        Months per level, root seed (the same months at every level), worker processes.
    progress
        Called as ``progress(levels_done, levels_done + 1)`` after each level (the number of
        levels is not known in advance).
    executor
        Where the levels are simulated (:mod:`slasim.measure.executors`; left open); default: one
        pool of ``workers`` for the whole search.
    """
    seed = root_seed(seed)  # once: every simulation below runs on the same months
    from slasim.measure.executors import executor_for

    with executor_for(executor, workers) as pool:
        return _fewest(scenario, routing, reps, seed, workers, progress, pool)


def _fewest(
    scenario: Scenario, routing: str | None, reps: int, seed: int, workers: int,
    progress: Progress | None, pool: Executor,
) -> StaffingAnswer:
    from slasim.measure.experiment import simulate

    policy = routing or scenario.routing.policy
    current = tuple(sh.sellers for sh in scenario.team.shifts)
    names = tuple(scenario.shift_names())
    # Never beyond what a scenario may schedule (the hires join on top of the shifts).
    room = MAX_SCHEDULED_SELLERS - sum(h.sellers for h in scenario.team.hires)
    cap = min(max(MAX_TOTAL, 4 * sum(current)), room)
    low_k = 1 - min(current)  # every shift keeps at least one seller
    rows: dict[int, dict[str, object]] = {}
    verdicts: dict[int, Verdict] = {}

    def sellers_at(k: int) -> tuple[int, ...]:
        return tuple(max(1, n + k) for n in current)

    def ok(k: int) -> bool:
        if k not in rows:
            staffed = sellers_at(k)
            result = simulate(with_staffing(scenario, staffed, policy), reps, seed, workers,
                              executor=pool)
            v = verdicts[k] = result.verdict
            rows[k] = {
                "sellers": _label(staffed), "total": sum(staffed),
                "p_marketing": v.p["marketing"], "p_sales": v.p["sales"],
                "p_joint": v.p["joint"], "realistic": v.realistic,
                "p_sales_judged": judged_p(v, "sales"), "p_joint_judged": judged_p(v, "joint"),
                "staffing_ok": _staffing_ok(v),
                "profit": float(result.metric("profit").mean()),
            }
            if progress:
                progress(len(rows), len(rows) + 1)
        return bool(rows[k]["staffing_ok"])

    # Bracket: `bad` fails, `good` passes (None: not yet found).
    good: int | None
    bad: int | None
    if ok(0):
        good, bad = 0, None
        if low_k < 0:
            bad = low_k if not ok(low_k) else None
            if bad is None:
                good = low_k
    else:
        # A few doubling steps (the answer is often close to today), then the cap at once:
        # when even the cap fails (say a conversion target no staffing reaches), stop there.
        bad, good, step = 0, None, 1
        k_cap = (cap - sum(current)) // len(current)  # 0: no room above today's team
        while bad + step < k_cap and step <= 8:
            if ok(bad + step):
                good = bad + step
                break
            bad, step = bad + step, step * 2
        if good is None and k_cap > bad:
            if ok(k_cap):
                good = k_cap
            else:
                bad = k_cap
    while good is not None and bad is not None and good - bad > 1:
        mid = (good + bad) // 2
        if ok(mid):
            good = mid
        else:
            bad = mid
    levels = pd.DataFrame(list(rows.values())).sort_values("total", kind="stable")
    most = verdicts[max(verdicts)]
    # What staffing alone does not fix: the sales terms still missed at the most sellers (at
    # level joint marketing's too: the level judges both sides together, and more sellers
    # cannot lift a quota).
    sides = ("sales", "marketing") if most.level == "joint" else ("sales",)
    blocking = tuple(sorted((t for t in most.terms if t.side in sides and t.p < 1.0),
                            key=lambda t: t.p)) if good is None else ()
    return StaffingAnswer(
        routing=policy,
        sellers=None if good is None else sellers_at(good),
        levels=levels.reset_index(drop=True),
        current=current,
        reps=reps,
        seed=seed,
        cap=cap,
        shifts=names,
        blocking=blocking,
        level=most.level,
        period_days=most.period_days,
        hires=tuple((h.shift, h.sellers, h.start) for h in scenario.team.hires),
        by_month=bool(most.months),
        confidence=most.confidence,
    )


def staffing_answers(
    scenario: Scenario,
    policies: Sequence[str] | None = None,
    *,
    reps: int = STAFFING_REPS,
    seed: Seed = 0,
    workers: int = 1,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> list[StaffingAnswer]:
    """:func:`fewest_sellers` per policy: by default the scenario's and hot-first routing.

    Every policy's levels run on one executor (default: one pool of ``workers``). None for a
    scenario staffed from ``team.roster``: the search moves weekly shifts, and a roster is a
    fixed plan of who works when.
    """
    seed = root_seed(seed)  # once: every simulation below runs on the same months
    from slasim.measure.executors import executor_for

    if scenario.team.roster is not None:
        return []
    if policies is None:
        policies = list(dict.fromkeys([scenario.routing.policy, "tier_priority"]))
    with executor_for(executor, workers) as pool:
        return [fewest_sellers(scenario, p, reps=reps, seed=seed, workers=workers,
                               progress=progress, executor=pool) for p in policies]


#: ``slasim check``'s quick simulation: about this many simulated leads in all (a few seconds
#: on one core), between ``QUICK_REPS`` months.
QUICK_LEADS = 40_000
QUICK_REPS = (5, 40)
#: ... and about this many seller-days (each is ~60 µs and ~1 kB per replication, measured):
#: 10,000 sellers on a month of few leads took 84 s and 670 MB for the quick simulation alone.
QUICK_SELLER_DAYS = 100_000


def quick_verdict(scenario: Scenario, seed: int = 0) -> tuple[Verdict, int] | None:
    """A verdict from a short simulation (``slasim check``), or None when even
    ``QUICK_REPS[0]`` months exceed ``QUICK_LEADS`` (too big to be quick).

    The months simulated depend only on the scenario's expected lead volume, so the answer is
    reproducible.
    """
    from slasim.engine.staff import head_count
    from slasim.measure.experiment import simulate

    volume = sum(t.monthly_volume for t in scenario.tiers.values())
    expected = volume * scenario.horizon.simulated_months  # leads simulated: with the warm-up
    seller_days = head_count(scenario) * scenario.horizon.simulated_months * DAYS_PER_MONTH
    lo, hi = QUICK_REPS
    if expected * lo > QUICK_LEADS or seller_days * lo > QUICK_SELLER_DAYS:
        return None
    reps = int(min(hi, max(lo, min(QUICK_LEADS // max(1.0, expected),
                                   QUICK_SELLER_DAYS // max(1.0, seller_days)))))
    return simulate(scenario, reps, seed).verdict, reps
