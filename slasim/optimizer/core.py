"""``optimize()``: screen analytically, race by simulation, verify on fresh months.

1. :func:`~slasim.optimizer.space.build_space` reads what may change.
2. :func:`~slasim.optimizer.screen.screen` scores the space with queueing theory and keeps a
   shortlist (<= ``[optimize] shortlist`` operating points) within the headcount cap and, on
   the expected cost, the budget. Nothing fits the budget: no simulation, ``message`` says why.
3. :func:`~slasim.optimizer.race.race` simulates the shortlist with common random numbers and
   successive halving; the finalists carry 200 replications each.
4. The winner is re-simulated on the ``verify_reps`` *verification months* (those of
   ``SeedSequence(seed)``, which no race round uses and which ``slasim run/report/compare`` with
   the same seed and reps simulate too): the agreement must be realistic on them by
   :mod:`slasim.measure.verdict`, and the budget and revenue goal must hold on the mean. If not, the
   next finalist is tried and ``message`` says so.
5. The ±1-seller neighbours of the winner run on the same fresh months (CRN). A neighbour with
   realistic terms of its own that beats the winner by more than the paired 95 % interval
   becomes the new proposal (verified on another fresh batch); a neighbourhood search of at
   most ``MAX_MOVES`` steps. One still better at the end is reported (``neighbours_better``).
6. A walk to fewer sellers fills the value-of-speed table (what each response target needs).
7. Bounds the proposal sits on (a volume or a shift's sellers at its min or max, the most
   ambitious entry of a response or conversion menu) are listed in ``notes``: the bound, not
   the economics or the evidence, stopped the search there.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import pandas as pd

from slasim.measure.executors import Executor, executor_for
from slasim.measure.months import attempts_unmeasured, replication_noun, unmeasured_terms
from slasim.measure.shares import bar_percent, percent_against
from slasim.measure.verdict import Verdict as SlaVerdict
from slasim.optimizer.race import (
    ROUNDS,
    VERIFY_KEY,
    Evaluation,
    Simulator,
    paired_difference,
    race,
)
from slasim.optimizer.result import OptimizeResult
from slasim.optimizer.screen import screen
from slasim.optimizer.space import DecisionSpace, OperatingPoint, build_space, shift_label
from slasim.optimizer.speed import SPEED_COLUMNS, common_months, frontier_table, value_of_speed
from slasim.optimizer.terms import ChosenTerms, Shortfall, describe_conversion, shortfalls
from slasim.optimizer.verify import SPEED_REPS, SPEED_STEPS, Verdict, Verifier, mean_ci
from slasim.scenario.load import scenario_from_dict
from slasim.scenario.schema import Scenario
from slasim.seeding import Seed, root_seed

__all__ = ["bound_notes", "optimize"]

Progress = Callable[[int, int], None]
#: Finalists verified at most (each costs ``verify_reps`` replications).
MAX_VERIFIED = 3
#: Moves to a better ±1-seller neighbour at most (each is verified on a new fresh batch).
MAX_MOVES = 3


class _Ticker:
    """Reports the simulator's running count of replications against the planned total."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total = progress, total

    def __call__(self, done: int, total: int) -> None:
        if self.progress:
            self.progress(done, max(self.total, done))


def _planned_reps(shortlist: int, verify: int, neighbours: int, rounds: Sequence[int]) -> int:
    alive, total = shortlist, 0
    for reps in rounds:
        total += alive * reps
        alive = min(alive, max(2, math.ceil(alive / 2)))
    return total + verify * (1 + neighbours) + SPEED_STEPS * SPEED_REPS


def _proposal(space: DecisionSpace, ev: Evaluation, terms: dict[str, ChosenTerms]) -> Scenario:
    data = space.scenario_for(ev.point).model_dump(mode="python", exclude_none=True)
    data["sla"]["confidence"] = space.confidence
    for name, t in terms.items():
        data["sla"]["tiers"][name].update(
            quota=t.quota,
            response_target_minutes=t.response_target_minutes,
            response_share=t.response_share,
            min_attempts=t.min_attempts,
            qualify_rate_target=t.qualify_rate_target,
        )
    return scenario_from_dict(data, source=f"<optimize {space.scenario.name}>")


def _runner_ups(space: DecisionSpace, evaluations: list[Evaluation], winner: Evaluation | None,
                ) -> pd.DataFrame:
    """The best other race candidates, paired with the race leader on the race months."""
    rows = []
    for ev in sorted(evaluations, key=lambda e: -e.mean()):
        if ev is winner or ev.samples is None:
            continue
        terms = ev.terms(0.0)
        diff, half = paired_difference(ev, winner) if winner else (math.nan, math.nan)
        rows.append({
            "candidate": ev.point.label(space),
            "reps": ev.reps,
            "objective": ev.mean(),
            "vs_leader": diff,
            "vs_ci_half": half,
            "realistic_terms": "none" if terms is None else "; ".join(
                f"{n} {t.response_share:.0%}<={t.response_target_minutes:g}m"
                for n, t in terms.items()
            ),
            # A runner-up with a better objective and realistic terms was not proposed: say
            # when it is because it breaks the budget or misses the revenue goal.
            "within_caps": ev.caps_ok(0.0),
        })
    return pd.DataFrame(rows).head(5)


def _caps_broken(space: DecisionSpace, ev: Evaluation) -> str:
    """Which cap ``ev``'s simulated months break on the mean ("" when none)."""
    out = []
    if space.budget is not None and ev.mean("cost") > space.budget:
        out.append(f"mean cost {ev.mean('cost'):,.0f} above the budget {space.budget:,.0f}")
    if space.revenue_goal is not None and ev.mean("value") < space.revenue_goal:
        out.append(f"mean revenue + pipeline {ev.mean('value'):,.0f} below the goal "
                   f"{space.revenue_goal:,.0f}")
    return " and ".join(out)


def _missed(sla: SlaVerdict) -> str:
    """What a verification's verdict missed: each requirement short of the confidence, with
    the term of its side kept least often ("sales 72 % < 80 %, weakest hot response time
    78 %"); "" when nothing was missed."""
    conf = sla.confidence  # beside "< 80 %": never "80 %" for 0.798
    out = []
    for r in sla.failing:
        text = f"{r.describe()} {percent_against(r.p, conf)} < {conf:.0%}"
        weakest = None if r.term else sla.weakest_term(None if r.side == "joint" else r.side)
        if weakest is not None:
            text += f", weakest {weakest.describe()} {percent_against(weakest.p, conf)}"
        out.append(text)
    return "; ".join(out)


def _why_none(space: DecisionSpace, evaluations: Sequence[Evaluation]) -> str:
    """Why no simulated candidate qualified: how many broke a cap, how many missed a term."""
    simulated = [ev for ev in evaluations if ev.samples is not None]
    if not simulated:
        return "no candidate was simulated"
    over = [ev for ev in simulated if not ev.caps_ok(0.0)]
    short = [ev for ev in simulated if ev.terms(0.0) is None]
    parts = []
    if over:
        cheapest = min(over, key=lambda ev: ev.mean("cost"))
        parts.append(f"{len(over)} of {len(simulated)} simulated candidates break a cap (e.g. "
                     f"{cheapest.point.label(space)}: {_caps_broken(space, cheapest)})")
    if short:
        # Name the terms out of reach, each with the best P(met) any candidate got for its
        # least demanding menu entry: that is the number to renegotiate.
        worst: dict[tuple[str, str], Shortfall] = {}
        for ev in short:
            assert ev.samples is not None
            for miss in shortfalls(ev.samples, space, ev.point.volumes, 0.0):
                known = worst.get((miss.tier, miss.term))
                if known is None or miss.p_met > known.p_met:
                    worst[(miss.tier, miss.term)] = miss
        many = replication_noun(space.scenario)
        terms = ", ".join(
            f"{m.tier} {m.term} ({m.value}) met in at most "
            f"{percent_against(m.p_met, space.confidence)} of {many}"
            for m in worst.values())
        parts.append(f"{len(short)} of {len(simulated)} cannot meet every term of the menus "
                     f"in {bar_percent(space.confidence)} of their {many}: {terms}")
    return "; ".join(parts) or "none was feasible with evidence (too few months to be sure)"


def bound_notes(
    space: DecisionSpace, point: OperatingPoint, terms: dict[str, ChosenTerms]
) -> list[str]:
    """The bounds of the free variables the proposal sits on, each with what to try next.

    A proposal at a bound answers "how far may we go", not "how far should we go": the
    search could not look beyond it.
    """
    notes = []
    for j, (lo, hi) in enumerate(space.shift_bounds):
        name, n = shift_label(space.scenario, j), point.sellers[j]
        if lo == hi:
            continue
        if n == hi:
            notes.append(f"{name} sellers {n} at the upper bound of optimize.sellers.{name}: "
                         "widen it to see whether more pays")
        elif n == lo:
            notes.append(f"{name} sellers {n} at the lower bound of optimize.sellers.{name}: "
                         "lower it to see whether fewer pays")
    if space.max_sellers is not None and sum(point.sellers) == space.max_sellers:
        notes.append(f"sellers in total {sum(point.sellers)} at optimize.max_sellers: raise it "
                     "to see whether more pays")
    for name, levels, v in zip(space.tiers, space.volume_levels, point.volumes, strict=True):
        if len(levels) < 2:
            continue
        if v == max(levels):
            notes.append(f"{name} volume {v:g} at the upper bound of optimize.tiers.{name}.volume:"
                         " widen it to see whether more pays")
        elif v == min(levels):
            notes.append(f"{name} volume {v:g} at the lower bound of optimize.tiers.{name}.volume:"
                         " lower it to see whether fewer pays")
    opt = space.scenario.optimize
    if unmeasured_terms(space.scenario) and opt is not None and any(
            o.min_attempts for o in opt.tiers.values()):
        notes.append(attempts_unmeasured(space.scenario) + "; the min_attempts menus are not "
                     "searched, each tier keeps the scenario's own commitment")
    for name, t in terms.items():
        menu = space.menus[name]
        # Only a menu's first (most ambitious) entry binds: a later one means a more ambitious
        # entry was tried and missed, so the menu did not stop the search.
        chosen = (t.response_target_minutes, t.response_share)
        if len(menu.targets) > 1 and chosen == menu.response[0]:
            notes.append(f"{name} response {t.response_share:.0%} within "
                         f"{t.response_target_minutes:g} min is the most ambitious entry of "
                         f"optimize.tiers.{name}.response_targets: add a faster target to see "
                         "whether it is also realistic")
        if len(menu.qualify) > 1 and t.qualify_rate_target == menu.qualify[0]:
            notes.append(f"{name} {describe_conversion(t.qualify_rate_target)} is the most "
                         f"ambitious entry of optimize.tiers.{name}.qualify_rate_targets: add a "
                         "higher one to see whether it is also realistic")
    return notes


def optimize(
    scenario: Scenario,
    *,
    objective: str | None = None,
    confidence: float | None = None,
    budget: float | None = None,
    revenue_goal: float | None = None,
    seed: Seed = 0,
    workers: int = 1,
    progress: Progress | None = None,
    verify_reps: int | None = None,
    rounds: Sequence[int] = ROUNDS,
    staffing: bool = True,
    executor: Executor | None = None,
) -> OptimizeResult:
    """Propose realistic SLA terms, staffing, routing and lead volumes for ``scenario``.

    Parameters
    ----------
    scenario
        The scenario; its ``[optimize]`` table says what may change (nothing listed: only the
        terms are chosen, at the scenario's staffing).
    objective
        ``"profit"`` (margin on revenue won and pipeline minus seller and lead cost) or
        ``"cost"`` (seller + lead cost, subject to ``revenue_goal``); default from the table.
    confidence
        Share of simulated months each term must be met in (default ``sla.confidence``).
    budget, revenue_goal
        Monthly caps on cost and floor on revenue + pipeline value (override the table).
    seed
        Root seed: the same seed gives the same proposal whatever ``workers``. An int >= 0, a
        ``numpy.random.SeedSequence``, a ``numpy.random.Generator`` or None
        (:mod:`slasim.seeding`); ``result.seed`` is its integer root.
    workers
        Worker processes for the simulation.
    progress
        Called as ``progress(replications_done, replications_planned)``.
    verify_reps
        Fresh replications for the verification (default ``[optimize] verify_reps``, 200);
        from 30 to 100,000 like that field, else ``ValueError``.
    rounds
        Replications added per round of successive halving (fewer: a quicker, rougher race).
    staffing
        Also search the fewest sellers that keep the proposed agreement under its routing
        (:func:`slasim.planning.staffing.fewest_sellers`, the answer ``plan`` and the report give).
    executor
        Where every simulation of the optimization runs (:mod:`slasim.measure.executors`; left
        open).
        Default: one pool of ``workers`` processes for the whole optimization. Each round
        of the race, the neighbours and the frontier's missing candidates go to it in one
        submission; the proposal does not depend on it.
    """
    root = root_seed(seed)
    with executor_for(executor, workers) as pool:
        return _optimize(
            scenario, objective=objective, confidence=confidence, budget=budget,
            revenue_goal=revenue_goal, seed=root, workers=workers, progress=progress,
            verify_reps=verify_reps, rounds=rounds, staffing=staffing, pool=pool,
        )


def _optimize(
    scenario: Scenario,
    *,
    objective: str | None,
    confidence: float | None,
    budget: float | None,
    revenue_goal: float | None,
    seed: int,
    workers: int,
    progress: Progress | None,
    verify_reps: int | None,
    rounds: Sequence[int],
    staffing: bool,
    pool: Executor,
) -> OptimizeResult:
    start = time.perf_counter()
    space = build_space(
        scenario, objective=objective, confidence=confidence, budget=budget,
        revenue_goal=revenue_goal, verify_reps=verify_reps,
    )
    # An empty shortlist (nothing fits the budget) races nothing and ends below, with the reason.
    screened = screen(space)
    free = sum(1 for lo, hi in space.shift_bounds if lo != hi)
    tick = _Ticker(
        progress, _planned_reps(len(screened.shortlist), space.verify_reps, 2 * free, rounds)
    )
    simulator = Simulator(seed, pool, workers, tick)
    raced = race(space, screened.shortlist, simulator, rounds)
    checker = Verifier(space, simulator, space.verify_reps)
    notes: list[str] = []
    if scenario.optimize is None:
        notes.append("no [optimize] table: only the terms were chosen, at today's staffing, "
                     "routing and volumes (one candidate); add a table (slasim init writes one) "
                     "to search staffing, routing and lead volumes")

    # Verify the finalists in turn until one passes on fresh months.
    key = VERIFY_KEY
    incumbent: Verdict | None = None
    for rank, ev in enumerate(raced.ranking[:MAX_VERIFIED]):
        terms = ev.terms(1.0) or ev.terms(0.0)
        assert terms is not None  # the ranking holds feasible finalists only
        verdict = checker.verify(ev.point, terms, key)
        if verdict.loosened:
            notes.append(f"loosened {', '.join(verdict.loosened)} to pass verification")
        if verdict.ok:
            incumbent = verdict
            if rank:
                notes.append(f"fell back to finalist {rank + 1}")
            break
        why = _caps_broken(space, verdict.evaluation) or _missed(verdict.sla)
        notes.append(f"finalist {rank + 1} ({ev.point.label(space)}) failed verification"
                     + (f" ({why})" if why else ""))

    def done(**fields: object) -> OptimizeResult:
        simulated = raced.evaluations + list(checker.cache.values())
        return OptimizeResult(
            nfev=raced.nfev + checker.nfev, candidates=len({e.point for e in simulated}),
            seed=seed, objective=space.objective, confidence=space.confidence,
            verify_reps=space.verify_reps, wall_seconds=time.perf_counter() - start,
            scenario=scenario, budget=space.budget, revenue_goal=space.revenue_goal,
            **fields,  # type: ignore[arg-type]
        )

    if incumbent is None:
        why = "; ".join([screened.reason or _why_none(space, raced.evaluations), *notes])
        return done(
            x=None, terms={}, fun=math.nan, fun_ci=(math.nan, math.nan), cost=math.nan,
            revenue=math.nan, success=False,
            message=f"no candidate meets every term and cap with the requested confidence "
                    f"({why})",
            proposal=None, verification=pd.DataFrame(),
            runner_ups=_runner_ups(space, raced.evaluations, None),
            neighbours=pd.DataFrame(),
            frontier=frontier_table(space, common_months(raced.evaluations, 0, rounds[0]), None),
            value_of_speed=pd.DataFrame(columns=list(SPEED_COLUMNS)),
        )

    # Neighbourhood search on fresh months: move while a neighbour is clearly better.
    first = incumbent
    neighbours, _ = checker.neighbours(incumbent, key)
    for _move in range(MAX_MOVES):
        better = neighbours[neighbours["better"]]
        if better.empty:
            break
        best = better.sort_values("objective_diff", ascending=False).iloc[0]
        point = next(p for p in space.neighbours(incumbent.evaluation.point)
                     if p.label(space) == best["neighbour"])
        candidate = checker.evaluate(point, key)
        terms = candidate.terms(1.0) or candidate.terms(0.0)
        assert terms is not None  # "better" implies realistic terms
        key += 1  # its terms were chosen on these months: verify on new ones
        verdict = checker.verify(point, terms, key)
        if not verdict.ok:
            notes.append(f"neighbour {best['neighbour']} looked better but failed verification")
            break
        notes.append(f"moved to neighbour {best['neighbour']} "
                     f"(+{best['objective_diff']:,.0f} per month on fresh months)")
        incumbent = verdict
        neighbours, _ = checker.neighbours(incumbent, key)

    if incumbent.evaluation.batches != [VERIFY_KEY]:
        # After a move the proposal was verified on new months; the published verdict is read
        # on the verification months (those of `slasim run/report --seed S`), like every other
        # command's.
        final = checker.verify(incumbent.evaluation.point, incumbent.terms, VERIFY_KEY)
        if final.loosened:
            notes.append(f"loosened {', '.join(final.loosened)} to hold on the verification "
                         "months")
        if final.ok:
            incumbent = final
            # The neighbours table says "same months": those of the published verdict, not
            # the last move's fresh months (office 6 read -39,378 there, -24,236 here).
            neighbours, _ = checker.neighbours(incumbent, VERIFY_KEY)
        else:
            # The moves were judged on other months; on the verification months only the
            # first verified proposal holds: keep it (it passed there before any move).
            notes.append(f"the moves are not realistic on the verification months "
                         f"({final.sla.sentence()}); kept the first verified proposal")
            incumbent = first
            neighbours, _ = checker.neighbours(incumbent, VERIFY_KEY)
    fresh = incumbent.evaluation
    assert fresh.samples is not None
    if bool(neighbours["better"].any()):
        notes.append("a ±1-seller neighbour is still better by more than the CI (see neighbours)")
    tier = screened.speed_tier
    checker.speed_walk(fresh, tier, key, raced.evaluations + list(checker.cache.values()))
    simulated = raced.evaluations + list(checker.cache.values())
    # The frontier scores every candidate on the same months: the race's first batch, which
    # the proposal and its neighbours also run when the race did not include them.
    raced_points = {ev.point for ev in raced.evaluations}
    checker.evaluate_all(
        [p for p in dict.fromkeys(ev.point for ev in simulated) if p not in raced_points],
        0, rounds[0],
    )
    common = common_months(raced.evaluations + list(checker.cache.values()), 0, rounds[0])
    same = [e for e in simulated
            if (e.point.routing, e.point.volumes) == (fresh.point.routing, fresh.point.volumes)]
    share = incumbent.terms[tier].response_share
    leader = raced.ranking[0] if raced.ranking else None
    proposal = _proposal(space, fresh, incumbent.terms)
    notes.insert(0, f"verified on the {space.verify_reps} verification "
                    f"{replication_noun(space.scenario)} (seed {seed})")
    fewest = None
    if staffing:
        from slasim.planning.staffing import fewest_sellers

        fewest = fewest_sellers(proposal, reps=space.verify_reps, seed=seed, workers=workers,
                                executor=pool)
    return done(
        x=fresh.point, terms=incumbent.terms, fun=fresh.mean(),
        fun_ci=mean_ci(fresh.samples.objective), cost=fresh.mean("cost"),
        revenue=fresh.mean("value"), success=True, message="; ".join(notes),
        proposal=proposal, verification=incumbent.table,
        verdict=incumbent.sla, staffing=fewest,
        runner_ups=_runner_ups(space, raced.evaluations, leader),
        neighbours=neighbours,
        frontier=frontier_table(space, common, incumbent.terms, fresh.point),
        value_of_speed=value_of_speed(space, same, tier, share, screened.needs),
        notes=bound_notes(space, fresh.point, incumbent.terms),
    )
