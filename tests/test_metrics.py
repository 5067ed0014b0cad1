"""KPI and SLA-attainment definitions (slasim.measure.metrics) on hand-built lead records.

Each case is a handful of leads whose answer is counted by hand, with the boundaries (exactly
on the target, exactly the quota, exactly the promised share) on purpose: these are the
definitions the verdict stands on, and a flipped comparison must fail here, fast.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from slasim.engine.records import LEAD_DTYPE, SELLER_DTYPE
from slasim.engine.replication import Replication
from slasim.measure.catalogue import STATES
from slasim.measure.metrics import (
    ALL,
    MetricContext,
    attempt_share,
    replication_metrics,
    response_share,
)
from slasim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "scenarios" / "baseline.toml"
STATE = {name: i for i, name in enumerate(STATES)}
NAN = math.nan


@pytest.fixture(scope="module")
def ctx() -> MetricContext:
    # baseline: hot 5 business minutes (90 %), warm 60 wall minutes (90 %), cold 480 wall
    # minutes (80 %); attempts 6/6/3; qualify targets 0.25/0.1/none. Quotas set to 4 leads.
    scenario = load_scenario(BASE, ['sla.tiers.warm.response_clock="wall"',
                                    'sla.tiers.cold.response_clock="wall"'])
    c = MetricContext.from_scenario(scenario)
    return replace(c, tiers=tuple(replace(t, quota_in_period=4.0) for t in c.tiers))


def _leads(rows: list[dict[str, float]]) -> np.ndarray:
    out = np.zeros(len(rows), dtype=LEAD_DTYPE)
    for i, row in enumerate(rows):
        defaults = {"first_attempt": NAN, "response_business": NAN, "contacted": NAN,
                    "closed": NAN, "abandoned": NAN, "state": STATE["waiting"]}
        for key, value in {**defaults, **row}.items():
            out[key][i] = value
    return out


def _good(tier: int, created: float, **extra: float) -> dict[str, float]:
    """A lead attempted 1 minute after creation and contacted then."""
    return {"tier": tier, "created": created, "first_attempt": created + 1,
            "response_business": 1.0, "attempts": 1, "contacted": created + 1, **extra}


def _rep(leads: list[dict[str, float]], horizon: float) -> Replication:
    sellers = np.zeros(2, dtype=SELLER_DTYPE)
    sellers["available_minutes"] = [100.0, 300.0]
    sellers["busy_minutes"] = [50.0, 150.0]
    sellers["overtime_minutes"] = [5.0, 7.0]
    return Replication(leads=_leads(leads), sellers=sellers, horizon_minutes=horizon,
                       tier_names=("hot", "warm", "cold"))


def test_response_share_wall_clock_boundaries_and_censoring(ctx: MetricContext) -> None:
    h = ctx.horizon_minutes
    leads = _leads([
        {"tier": 1, "created": 0, "first_attempt": 30},  # on time
        {"tier": 1, "created": 0, "first_attempt": 60},  # exactly on the target: on time
        {"tier": 1, "created": 0, "first_attempt": 60.5},  # late
        {"tier": 1, "created": 100},  # never attempted, deadline 160 passed: late
        {"tier": 1, "created": h - 60},  # deadline exactly at the end: decided, late
        {"tier": 1, "created": h - 10},  # deadline after the end: censored
    ])
    assert response_share(leads, ctx, 60.0, "wall") == pytest.approx(2 / 5)
    assert math.isnan(response_share(leads[5:], ctx, 60.0, "wall"))  # nothing decided yet
    assert response_share(leads[:1], ctx, 60.0, "wall") == 1.0


def test_response_share_business_clock(ctx: MetricContext) -> None:
    h = ctx.horizon_minutes
    leads = _leads([
        {"tier": 0, "created": 0, "first_attempt": 900, "response_business": 5.0},  # on time
        {"tier": 0, "created": 0, "first_attempt": 901, "response_business": 5.5},  # late
        {"tier": 0, "created": h - 1},  # 5 business minutes from the last minute: censored
    ])
    # The wall-clock wait (900 minutes, overnight) does not count on the business clock.
    assert response_share(leads, ctx, 5.0, "business") == pytest.approx(1 / 2)


def test_attempt_share_counts_uncontacted_leads_whose_window_closed(ctx: MetricContext) -> None:
    h, w = ctx.horizon_minutes, ctx.window_minutes
    leads = _leads([
        {"tier": 2, "created": 0, "attempts": 3},  # kept the cadence
        {"tier": 2, "created": h - w, "attempts": 2},  # window closes exactly at the end: counts
        {"tier": 2, "created": 0, "attempts": 4},  # more than needed
        {"tier": 2, "created": 0, "attempts": 1, "contacted": 10.0},  # reached: not counted
        {"tier": 2, "created": h - w + 1, "attempts": 0},  # window still open: not counted
    ])
    assert attempt_share(leads, ctx, 3) == pytest.approx(2 / 3)
    assert attempt_share(leads[3:], ctx, 3) == 1.0  # nobody eligible: met vacuously


def _all_kept() -> list[dict[str, float]]:
    """4 leads per tier (the quota), all on time and contacted, half qualified (>= targets)."""
    leads = []
    for tier in range(3):
        for i in range(4):
            leads.append(_good(tier, 1000.0 * (tier + 1) + i, qualified=i < 2))
    return leads


def _flags(out: dict[tuple[str, str], float], tier: str) -> tuple[float, ...]:
    return tuple(out[(f, tier)] for f in ("marketing_met", "response_met", "attempts_met",
                                          "conversion_met", "sales_met", "joint_met"))


def test_every_term_kept_at_its_boundary(ctx: MetricContext) -> None:
    out = replication_metrics(_rep(_all_kept(), ctx.horizon_minutes), ctx)
    for tier in ("hot", "warm", "cold", ALL):
        assert _flags(out, tier) == (1.0,) * 6, tier
    assert out[("leads_created", ALL)] == 12.0
    assert out[("qualify_rate", "hot")] == 0.5


@pytest.mark.parametrize(
    ("case", "tier", "expected"),
    [
        # one lead short of the quota: marketing misses, sales keeps its terms
        ("quota", "hot", (0.0, 1.0, 1.0, 1.0, 1.0, 0.0)),
        # one of four warm leads late: 75 % < 90 %: response (so sales, so joint) missed
        ("late", "warm", (1.0, 0.0, 1.0, 1.0, 0.0, 0.0)),
        # hot qualify 1 of 4 = 0.25 >= 0.25: on the boundary, kept
        ("qualify_hot_boundary", "hot", (1.0,) * 6),
        # hot qualify 0 of 4 < 0.25
        ("qualify_hot_none", "hot", (1.0, 1.0, 1.0, 0.0, 0.0, 0.0)),
        # an uncontacted cold lead with its window closed and 2 of 3 attempts
        ("attempts", "cold", (1.0, 1.0, 0.0, 1.0, 0.0, 0.0)),
    ],
)
def test_one_broken_term_breaks_its_side_and_joint(
    ctx: MetricContext, case: str, tier: str, expected: tuple[float, ...]
) -> None:
    leads = _all_kept()
    if case == "quota":
        leads = leads[1:]
    elif case == "late":
        leads[4] = {**leads[4], "first_attempt": leads[4]["created"] + 61}
    elif case == "qualify_hot_boundary":
        leads[1] = {**leads[1], "qualified": False}
    elif case == "qualify_hot_none":
        for i in range(4):
            leads[i] = {**leads[i], "qualified": False}
    elif case == "attempts":
        leads[8] = {**leads[8], "contacted": NAN, "attempts": 2, "created": 0.0,
                    "first_attempt": 1.0}
    out = replication_metrics(_rep(leads, ctx.horizon_minutes), ctx)
    assert _flags(out, tier) == expected
    # The period: a term is kept when every tier keeps it, a side when it keeps every term.
    assert _flags(out, ALL) == expected
    others = [t for t in ("hot", "warm", "cold") if t != tier]
    for other in others:
        assert _flags(out, other) == (1.0,) * 6, other


def test_totals_utilization_costs_and_profit(ctx: MetricContext) -> None:
    leads = _all_kept()
    leads[0] = {**leads[0], "state": STATE["won"], "value": 1000.0}
    leads[1] = {**leads[1], "state": STATE["in_pipeline"], "value": 2000.0}
    leads[5] = {**leads[5], "state": STATE["lost"], "value": 0.0}
    leads[9] = {**leads[9], "abandoned": 50.0, "state": STATE["nurtured"]}
    out = replication_metrics(_rep(leads, ctx.horizon_minutes), ctx)
    hot = ctx.tiers[0]
    assert out[("seller_utilization", ALL)] == pytest.approx(200 / 400)
    assert out[("seller_overtime_minutes", ALL)] == 12.0
    assert out[("revenue", ALL)] == 1000.0 and out[("won_deals", ALL)] == 1.0
    assert out[("win_rate", "hot")] == 0.25 and out[("win_rate", ALL)] == pytest.approx(1 / 12)
    assert out[("pipeline_value", "hot")] == pytest.approx(2000.0 * hot.win_rate)
    cost_leads = sum(4 * t.cost_per_lead for t in ctx.tiers)
    assert out[("cost_leads", ALL)] == pytest.approx(cost_leads)
    assert out[("cost", ALL)] == pytest.approx(ctx.seller_cost + cost_leads)
    assert out[("profit", ALL)] == pytest.approx(
        ctx.gross_margin * (1000.0 + 2000.0 * hot.win_rate) - ctx.seller_cost - cost_leads)
    assert out[("leads_won", ALL)] == 1 and out[("leads_lost", ALL)] == 1
    assert out[("leads_in_pipeline", ALL)] == 1 and out[("leads_nurtured", ALL)] == 1
    assert out[("leads_waiting", ALL)] == 8 and out[("leads_abandoned", ALL)] == 1
    assert out[("contact_rate", ALL)] == 1.0 and out[("attempts_per_lead", ALL)] == 1.0
    assert out[("response_minutes_mean", "warm")] == 1.0
    assert out[("leads_never_attempted", ALL)] == 0.0
    # The period's response share weighs each tier by its leads (all on time here).
    assert out[("first_attempt_within_target", ALL)] == 1.0


def test_lead_cost_curve_charges_only_leads_beyond_the_reference(ctx: MetricContext) -> None:
    tiers = list(ctx.tiers)
    tiers[0] = replace(tiers[0], reference_in_period=3.0, extra_cost=100.0)
    c = replace(ctx, tiers=tuple(tiers))
    out = replication_metrics(_rep(_all_kept(), c.horizon_minutes), c)
    assert out[("cost_leads", "hot")] == pytest.approx(4 * tiers[0].cost_per_lead + 100.0)


def test_context_reads_the_agreement_and_the_costs() -> None:
    scenario = load_scenario(BASE, ["sla.tiers={hot={quota=140, response_target_minutes=5, "
                                    "response_share=0.9}}"])
    c = MetricContext.from_scenario(scenario)
    months = scenario.horizon.months
    assert c.seller_cost == pytest.approx(6 * 75_000 * months)
    assert c.window_minutes == 10 * 1440.0 and c.gross_margin == 0.8
    hot, warm = c.tiers[0], c.tiers[1]
    assert (hot.quota_in_period, hot.target_minutes, hot.response_share) == (
        pytest.approx(140 * months), 5, 0.9)
    assert hot.has_terms and hot.cost_per_lead == 1500 and hot.win_rate == scenario.tiers[
        "hot"].win_rate
    # A tier without terms: nothing promised, nothing to break.
    assert not warm.has_terms and warm.quota_in_period is None
    assert (warm.target_minutes, warm.response_share, warm.min_attempts, warm.attempt_share,
            warm.qualify_target, warm.target_clock) == (math.inf, 0.0, 0, 0.0, None, "wall")
    assert warm.cost_per_lead == 600


def test_response_quantiles_are_numpys_on_a_simulated_month(ctx: MetricContext) -> None:
    # p50 and p90 come from one np.quantile call per tier: they must be exactly what separate
    # calls give (the same order statistics and interpolation), ties and all.
    from slasim.engine.compile import prepare
    from slasim.engine.replication import run_replication

    rep = run_replication(prepare(load_scenario(BASE)), np.random.SeedSequence(3))
    values = replication_metrics(rep, ctx)
    for index, name in enumerate([*ctx_tiers(ctx), ALL]):
        leads = rep.leads if name == ALL else rep.leads[rep.leads["tier"] == index]
        served = ~np.isnan(leads["first_attempt"])
        wall = (leads["first_attempt"] - leads["created"])[served]
        business = leads["response_business"][served]
        assert served.sum() > 10
        for q, label in ((0.5, "p50"), (0.9, "p90")):
            assert values[(f"response_minutes_{label}", name)] == float(np.quantile(wall, q))
            assert values[(f"response_business_minutes_{label}", name)] == float(
                np.quantile(business, q)
            )


def ctx_tiers(ctx: MetricContext) -> list[str]:
    return [t.name for t in ctx.tiers]


def test_response_times_and_rates_of_one_tier(ctx: MetricContext) -> None:
    # Four hot leads answered after 1, 2, 3 and 10 minutes (wall and business alike), one of
    # them an opportunity: mean 4, median 2.5, 90th percentile 3 + 0.7 x 7 = 7.9 (linear
    # interpolation between order statistics, numpy's default).
    leads = [_good(0, 1000.0 + i, first_attempt=1000.0 + i + w, response_business=w,
                   opportunity=i == 0) for i, w in enumerate((1.0, 2.0, 3.0, 10.0))]
    out = replication_metrics(_rep(leads, ctx.horizon_minutes), ctx)
    for clock in ("response_minutes", "response_business_minutes"):
        assert out[(f"{clock}_mean", "hot")] == pytest.approx(4.0)
        assert out[(f"{clock}_p50", "hot")] == pytest.approx(2.5)
        assert out[(f"{clock}_p90", "hot")] == pytest.approx(7.9)
    assert out[("opportunity_rate", "hot")] == 0.25
    assert out[("cost_sellers", ALL)] == ctx.seller_cost


def test_a_tier_without_leads_and_a_team_without_time(ctx: MetricContext) -> None:
    # No hot lead this period and a quota of 0: nothing to average (NaN), nothing promised
    # that could be broken (every hot term met vacuously). No available seller minutes: the
    # utilization is undefined, not a division error.
    c = replace(ctx, tiers=(replace(ctx.tiers[0], quota_in_period=0.0), *ctx.tiers[1:]))
    leads = [row for row in _all_kept() if row["tier"] != 0]
    rep = _rep(leads, c.horizon_minutes)
    rep.sellers["available_minutes"] = 0.0
    out = replication_metrics(rep, c)
    assert out[("leads_created", "hot")] == 0.0
    for name in ("response_minutes_mean", "response_minutes_p50", "response_minutes_p90",
                 "response_business_minutes_mean", "attempts_per_lead", "contact_rate"):
        assert math.isnan(out[(name, "hot")]), name
    assert _flags(out, "hot") == (1.0,) * 6
    assert math.isnan(out[("seller_utilization", ALL)])


def test_response_and_attempt_shares_exactly_at_the_target_are_met(ctx: MetricContext) -> None:
    # baseline: hot 90 % within 5 business minutes, cold 3 attempts for 80 % of the leads it
    # could not reach. 9 of 10 hot leads on time is exactly 90 %; 4 of 5 unreached cold leads
    # with 3 attempts exactly 80 %: both met (">=", as the SLA says "at least").
    leads = [_good(0, 1000.0 + i, response_business=5.0 if i < 9 else 6.0) for i in range(10)]
    leads += [_good(2, float(i), contacted=NAN, attempts=3 if i < 4 else 2) for i in range(5)]
    out = replication_metrics(_rep(leads, ctx.horizon_minutes), ctx)
    assert out[("first_attempt_within_target", "hot")] == pytest.approx(0.9)
    assert out[("response_met", "hot")] == 1.0
    assert out[("attempts_met", "cold")] == 1.0
    leads[-2] = {**leads[-2], "attempts": 2}  # 3 of 5: below
    out = replication_metrics(_rep(leads, ctx.horizon_minutes), ctx)
    assert out[("attempts_met", "cold")] == 0.0


def test_period_response_share_leaves_out_tiers_with_nothing_decided(ctx: MetricContext) -> None:
    # Warm: 4 leads, all on time. Hot: 2 leads created in the last minute, not attempted yet,
    # their deadlines after the end: censored, so hot has no share (NaN) and no weight in the
    # period's share, which is warm's.
    h = ctx.horizon_minutes
    leads = [_good(1, 1000.0 + i) for i in range(4)]
    leads += [{"tier": 0, "created": h - 1}, {"tier": 0, "created": h - 0.5}]
    out = replication_metrics(_rep(leads, h), ctx)
    assert math.isnan(out[("first_attempt_within_target", "hot")])
    assert out[("first_attempt_within_target", ALL)] == 1.0


def test_lead_cost_curve_from_the_scenario() -> None:
    # baseline: hot leads beyond 250 a month cost 1,000 more each; a 30-day period holds
    # 250 x 30 / 30.4375 of the reference. 300 hot leads: the rest pay the surcharge.
    scenario = load_scenario(BASE)
    c = MetricContext.from_scenario(scenario)
    curve = scenario.costs.lead_cost_curve["hot"]
    leads = [_good(0, float(i)) for i in range(300)]
    out = replication_metrics(_rep(leads, c.horizon_minutes), c)
    reference = curve.reference_volume * scenario.horizon.months
    assert out[("cost_leads", "hot")] == pytest.approx(
        300 * scenario.costs.cost_per_lead["hot"] + curve.extra_cost_per_lead * (300 - reference))
    assert out[("cost_leads", "warm")] == 0.0


def test_business_deadline_passed_without_an_attempt_is_late(ctx: MetricContext) -> None:
    # A hot lead created at the start and never attempted: its 5 business minutes ran out
    # long before the end, so it is judged (late), not censored.
    leads = _leads([
        {"tier": 0, "created": 0, "first_attempt": 900, "response_business": 5.0},
        {"tier": 0, "created": 0},
    ])
    assert response_share(leads, ctx, 5.0, "business") == pytest.approx(1 / 2)


def test_context_from_the_scenario_scores_attempts_and_lead_costs() -> None:
    # baseline's cold tier: 3 attempts for 80 % of the leads it could not reach. One such
    # lead with 2 attempts breaks the term. A tier with no cost per lead in [costs] costs 0.
    scenario = load_scenario(BASE, ["costs.cost_per_lead={ hot = 1500 }"])
    c = MetricContext.from_scenario(scenario)
    leads = [_good(2, 0.0, contacted=NAN, attempts=2), _good(1, 0.0)]
    out = replication_metrics(_rep(leads, c.horizon_minutes), c)
    assert out[("attempts_met", "cold")] == 0.0
    assert out[("cost_leads", "warm")] == 0.0 and out[("cost_leads", "cold")] == 0.0
    leads[0] = {**leads[0], "attempts": 3}
    out = replication_metrics(_rep(leads, c.horizon_minutes), c)
    assert out[("attempts_met", "cold")] == 1.0
