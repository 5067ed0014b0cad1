"""A quarter with one hire ramping over 8 weeks: the month-by-month effect (issue 15's
done-when item).

The baseline team cut to five sellers, a horizon of April-June 2026 (91 days) and one seller
hired on Monday 13 April with an 8-week ramp: handling 2.0, 1.875, ... 1.125 times a ramped
seller's attempt duration and conversion 0.3, 0.375, ... 0.825 of the qualify probability.
Each calendar month is checked against a hand computation from the tenure week of each
attempt (``floor((t - start) / week)``, computed here, not read from the engine):

(a) the hire's first attempts take ``E[talk | outcome] x factor(week)`` minutes on average;
(b) the leads the hire owns qualify with ``base_qualify x decay(age) x conversion(week)``;
(c) the team's mean response time is worse than with the same hire fully productive in the
    ramp's months and the gap closes once the ramp is over (June: weeks 8-12).
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from slasim.engine.compile import prepare
from slasim.engine.replication import run_replication
from slasim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
HANDLING = [2.0 - 0.125 * k for k in range(8)]
CONVERSION = [0.3 + 0.075 * k for k in range(8)]
COMMON = [
    "horizon.days=91",
    "team.shifts[0].sellers=5",
    'team.hires=[{shift="office", start=2026-04-13, sellers=1}]',
]
RAMP = f"team.ramp={{handling_factor={HANDLING}, conversion_factor={CONVERSION}}}"
SEEDS = range(6)
HIRE = 5  # the seat after the shift's five sellers


def _factor(curve: list[float], week: np.ndarray) -> np.ndarray:
    table = np.array([*curve, 1.0])
    return table[np.minimum(week, len(curve))]


@pytest.fixture(scope="module")
def quarter():  # type: ignore[no-untyped-def]
    ramped = load_scenario(BASELINE, [*COMMON, RAMP])
    ready = load_scenario(BASELINE, COMMON)  # the same hire, productive from day one
    m1, m0 = prepare(ramped), prepare(ready)
    reps = [
        (run_replication(m1, np.random.SeedSequence(s)), run_replication(m0, np.random.SeedSequence(s)))
        for s in SEEDS
    ]
    cal = ramped.business_calendar()
    edges = [cal.local_minute(date(2026, month, 1), 0) for month in (4, 5, 6, 7)]
    start = cal.local_minute(date(2026, 4, 13), 0)
    return ramped, reps, edges, start


def _week(t: np.ndarray, start: float) -> np.ndarray:
    return np.floor((t - start) / (7 * 1440.0)).astype(np.int64)


def test_the_hires_minutes_per_attempt_follow_the_handling_ramp_month_by_month(quarter) -> None:  # type: ignore[no-untyped-def]
    scenario, reps, edges, start = quarter
    team = scenario.team
    mean = {True: team.handling_conversation.mean_minutes, False: team.handling_unanswered.mean_minutes}
    cv = {True: team.handling_conversation.cv, False: team.handling_unanswered.cv}
    factors = []
    for k in range(3):
        seen, expected, var = [], [], []
        for rep, _ in reps:
            leads = rep.leads
            t = leads["first_attempt"]
            mine = (leads["seller"] == HIRE) & (t >= edges[k]) & (t < edges[k + 1])
            reached = (leads["contacted"] == t)[mine]
            f = _factor(HANDLING, _week(t[mine], start))
            mu = np.where(reached, mean[True], mean[False])
            sd = mu * np.where(reached, cv[True], cv[False])
            seen.append((leads["first_wrapup_end"] - t)[mine])
            expected.append(mu * f)
            var.append((sd * f) ** 2)
            factors.append((k, f))
        d, e, v = np.concatenate(seen), np.concatenate(expected), np.concatenate(var)
        # The durations are independent draws with known mean and sd: by the CLT the mean
        # minutes per attempt lie within 4 SE of the hand-computed mean (false alarm ~6e-5).
        assert d.size > 300, (k, d.size)
        se = math.sqrt(v.sum()) / d.size
        assert abs(d.mean() - e.mean()) < 4 * se, (k, d.mean(), e.mean(), se)
    # April (weeks 1-3) is slower than May (weeks 3-7), May than June (week 8, then ramped).
    avg = [np.concatenate([f for j, f in factors if j == k]).mean() for k in range(3)]
    assert avg[0] > avg[1] > avg[2] >= 1.0
    assert avg[0] > 1.7 and avg[2] < 1.05, avg


def test_the_hires_qualify_rate_follows_the_conversion_ramp_month_by_month(quarter) -> None:  # type: ignore[no-untyped-def]
    scenario, reps, edges, start = quarter
    _, qualify = scenario.decay.curves()
    base = np.array([t.base_qualify for t in scenario.tiers.values()])
    rates = []
    for k in range(3):
        hits, p = [], []
        for rep, _ in reps:
            leads = rep.leads
            tc = leads["contacted"]
            own = (leads["owner"] == HIRE) & (tc >= edges[k]) & (tc < edges[k + 1])
            age = (tc - leads["created"])[own]
            decay = np.asarray(qualify(age), dtype=np.float64).reshape(-1)
            p.append(base[leads["tier"][own]] * decay * _factor(CONVERSION, _week(tc[own], start)))
            hits.append(leads["qualified"][own])
        q, pr = np.concatenate(hits), np.concatenate(p)
        # Independent Bernoulli(p_i): the count has mean sum(p) and variance sum(p (1 - p));
        # 4 SD bounds it (normal approximation: false alarm ~6e-5; with sum(p) > 15 the skew
        # of the count adds little at 4 SD, and Chebyshev caps it at 1/16 in any case).
        assert pr.sum() > 15, (k, pr.sum())
        sd = math.sqrt(float((pr * (1 - pr)).sum()))
        assert abs(q.sum() - pr.sum()) < 4 * sd, (k, q.sum(), pr.sum(), sd)
        rates.append(q.mean())
    # Month by month the hire's leads qualify more often as the ramp climbs.
    assert rates[0] < rates[2] and rates[1] < rates[2], rates


def test_the_team_response_moves_with_the_ramp_month_by_month(quarter) -> None:  # type: ignore[no-untyped-def]
    _, reps, edges, _ = quarter
    gaps = np.zeros((len(reps), 3))
    for r, (ramped, ready) in enumerate(reps):
        for k in range(3):
            for sign, rep in ((1.0, ramped), (-1.0, ready)):
                c = rep.leads["created"]
                month = (c >= edges[k]) & (c < edges[k + 1])
                gaps[r, k] += sign * np.nanmean(rep.leads["response_business"][month])
    mean = gaps.mean(axis=0)
    se = gaps.std(axis=0, ddof=1) / math.sqrt(len(reps))
    # Paired months (the same leads and luck): a slower hire makes every lead wait longer in
    # the ramp's months, beyond 2 SE of the paired differences (t with 5 df: one-sided ~5 %
    # would be 2.0; the effect is several SE here); the June gap is smaller than either.
    assert mean[0] > 2 * se[0] and mean[1] > 2 * se[1], (mean, se)
    assert mean[2] < mean[0] and mean[2] < mean[1], mean
