"""The value of speed and the cost-revenue frontier, read off the simulated candidates.

No extra simulation: every candidate of the race already scored every response target of the
menu on its months (:mod:`slasim.optimizer.terms`). For each target, the cheapest candidate that
meets it realistically shows what that speed costs and what it brings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from slasim.optimizer.race import Evaluation
from slasim.optimizer.space import DecisionSpace, OperatingPoint
from slasim.optimizer.terms import ChosenTerms

__all__ = ["SPEED_COLUMNS", "common_months", "frontier_table", "pooled", "value_of_speed"]


def pooled(evaluations: Sequence[Evaluation]) -> list[Evaluation]:
    """One evaluation per operating point: months from every batch it ran on, pooled.

    Batches are independent months, so pooling only adds evidence (race and fresh alike).
    """
    merged: dict[object, Evaluation] = {}
    for ev in evaluations:
        if ev.samples is None:
            continue
        if ev.point not in merged:
            merged[ev.point] = Evaluation(ev.point, ev.space, ev.samples, list(ev.batches))
        else:
            m = merged[ev.point]
            assert m.samples is not None
            m.samples = m.samples.extend(ev.samples)
            m.batches += ev.batches
    return list(merged.values())


def _sellers(ev: Evaluation) -> str:
    return "+".join(str(n) for n in ev.point.sellers)


def value_of_speed(
    space: DecisionSpace,
    evaluations: Sequence[Evaluation],
    tier: str,
    share: float,
    needs: dict[float, tuple[int, ...]],
) -> pd.DataFrame:
    """Per response target of ``tier``: the cheapest simulated staffing meeting it, and its money.

    A target counts as met by a candidate when its months meet ``share`` within the target in
    at least ``confidence`` of them (point estimate). Columns: target_minutes,
    sellers_needed_erlang (queueing theory), sellers, routing, p_met, cost, revenue (won +
    pipeline value), profit, all money per month; NaN where no simulated candidate reached it.
    """
    menu = space.menus[tier]
    evaluations = pooled(evaluations)
    rows = []
    for k, target in enumerate(menu.targets):
        best: tuple[float, Evaluation, float] | None = None
        for ev in evaluations:
            if ev.samples is None:
                continue
            column = ev.samples.response[tier][:, k]
            p = float(np.where(np.isnan(column), 1.0, column >= share).mean())
            if p >= space.confidence and (best is None or ev.mean("cost") < best[0]):
                best = (ev.mean("cost"), ev, p)
        row: dict[str, object] = {
            "target_minutes": target,
            "sellers_needed_erlang": "+".join(str(n) for n in needs.get(target, ())),
        }
        if best is None:
            row.update(sellers="not reached", routing="", p_met=math.nan, cost=math.nan,
                       revenue=math.nan, profit=math.nan)
        else:
            _, ev, p = best
            margin = space.scenario.costs.gross_margin
            row.update(
                sellers=_sellers(ev), routing=ev.point.routing, p_met=p, cost=ev.mean("cost"),
                revenue=ev.mean("value"), profit=margin * ev.mean("value") - ev.mean("cost"),
            )
        rows.append(row)
    return pd.DataFrame(rows, columns=list(SPEED_COLUMNS))


#: The columns of :func:`value_of_speed` (also of the empty table of a run without a proposal).
SPEED_COLUMNS = ("target_minutes", "sellers_needed_erlang", "sellers", "routing", "p_met", "cost",
                 "revenue", "profit")


def common_months(evaluations: Sequence[Evaluation], key: int, reps: int) -> list[Evaluation]:
    """One evaluation per point, cut to the ``reps`` months of batch ``key`` (those every
    candidate ran first): scored on the same months, points compare without luck."""
    out: dict[object, Evaluation] = {}
    for ev in evaluations:
        if ev.samples is None or not ev.batches or ev.batches[0] != key or ev.point in out:
            continue
        out[ev.point] = Evaluation(ev.point, ev.space, ev.samples.head(reps), [key])
    return list(out.values())


def frontier_table(
    space: DecisionSpace,
    evaluations: Sequence[Evaluation],
    proposal: dict[str, ChosenTerms] | None,
    chosen: OperatingPoint | None = None,
) -> pd.DataFrame:
    """Every candidate on the same months: money per month, P(proposed terms kept), Pareto flag.

    ``evaluations`` must all hold the same months (:func:`common_months`); ``months`` says how
    many. ``p_marketing``, ``p_sales``, ``p_joint``: how often the *proposed* terms would be
    kept at that point on these months (descriptive: the verdict itself rests on the
    verification months).
    ``vs_proposal`` is the paired objective difference to the proposal with its 95 % CI half
    width. ``on_frontier`` marks candidates no other beats on both cost (lower) and revenue
    (higher): the efficient options leadership chooses between.
    """
    from slasim.optimizer.race import paired_difference
    from slasim.optimizer.terms import terms_verdict

    rows = []
    base = next((ev for ev in evaluations if ev.point == chosen), None)
    for ev in evaluations:
        assert ev.samples is not None
        verdict = terms_verdict(ev.samples, space, proposal) if proposal else None
        diff, half = paired_difference(ev, base) if base is not None else (math.nan, math.nan)
        rows.append(
            {
                "candidate": ev.point.label(space),
                "proposal": ev.point == chosen,
                "sellers": _sellers(ev),
                "routing": ev.point.routing,
                **{f"volume_{n}": v for n, v in zip(space.tiers, ev.point.volumes, strict=True)},
                "months": ev.reps,
                "cost": ev.mean("cost"),
                "revenue": ev.mean("value"),
                "profit": space.scenario.costs.gross_margin * ev.mean("value") - ev.mean("cost"),
                "objective": ev.mean(),
                "vs_proposal": diff,
                "vs_ci_half": half,
                "p_marketing": verdict.p["marketing"] if verdict else math.nan,
                "p_sales": verdict.p["sales"] if verdict else math.nan,
                "p_joint": verdict.p["joint"] if verdict else math.nan,
            }
        )
    if not rows:  # no candidate was simulated: the file still has its header
        return pd.DataFrame(columns=[
            "candidate", "proposal", "sellers", "routing", *(f"volume_{n}" for n in space.tiers),
            "months", "cost", "revenue", "profit", "objective", "vs_proposal", "vs_ci_half",
            "p_marketing", "p_sales", "p_joint", "on_frontier",
        ])
    frame = pd.DataFrame(rows)
    cost, revenue = frame["cost"].to_numpy(), frame["revenue"].to_numpy()
    dominated = [
        bool(((cost <= c) & (revenue >= r) & ((cost < c) | (revenue > r))).any())
        for c, r in zip(cost, revenue, strict=True)
    ]
    frame["on_frontier"] = [not d for d in dominated]
    return frame.sort_values(["cost", "revenue"], kind="stable").reset_index(drop=True)
