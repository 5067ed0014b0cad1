"""Reverse funnel (revenue goal -> leads per tier) and its inverse."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slasim.analytic import (
    FunnelTier,
    expected_revenue,
    forward_funnel,
    reverse_funnel,
)

TIERS = [
    FunnelTier("hot", 0.5, 20_000, 0.8, 0.5, 0.5, 0.25),
    FunnelTier("warm", 0.3, 10_000, 0.5, 0.4, 0.5, 0.2),
    FunnelTier("cold", 0.2, 5_000, 0.3, 0.2, 0.4, 0.1),
]


def test_reverse_funnel_hand_computed() -> None:
    # Goal 1,000,000 with 60 % from marketing -> 600,000. Hot: 300,000 / 20,000 = 15 won,
    # / 0.25 = 60 opportunities, / 0.5 = 120 SQLs, / 0.5 = 240 contacts, / 0.8 = 300 leads.
    # Warm: 180,000 -> 18 -> 90 -> 180 -> 450 -> 900. Cold: 120,000 -> 24 -> 240 -> 600
    # -> 3,000 -> 10,000. Divisions of exact decimals: 1e-9 relative is rounding slack.
    plan = reverse_funnel(1_000_000, 0.6, TIERS)
    expected = {
        "hot": (300_000, 15, 60, 120, 240, 300),
        "warm": (180_000, 18, 90, 180, 450, 900),
        "cold": (120_000, 24, 240, 600, 3_000, 10_000),
    }
    for row in plan.tiers:
        got = (row.revenue, row.won, row.opportunities, row.sqls, row.contacts, row.leads)
        assert got == pytest.approx(expected[row.name], rel=1e-9)
    assert plan.marketing_revenue == pytest.approx(600_000, rel=1e-12)
    assert plan.total_leads == pytest.approx(11_200, rel=1e-9)


def test_to_frame() -> None:
    frame = reverse_funnel(1_000_000, 0.6, TIERS).to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.index) == ["hot", "warm", "cold"]
    assert frame.index.name == "tier"
    assert list(frame.columns) == ["revenue", "won", "opportunities", "sqls", "contacts", "leads"]
    assert frame.loc["warm", "leads"] == pytest.approx(900, rel=1e-9)


def test_round_trip_mapping_and_sequence() -> None:
    plan = reverse_funnel(750_000, 0.45, TIERS)
    leads_map = {row.name: row.leads for row in plan.tiers}
    leads_seq = [row.leads for row in plan.tiers]
    # Multiply back what was divided: only rounding error, 1e-12 relative.
    assert expected_revenue(leads_map, TIERS) == pytest.approx(750_000 * 0.45, rel=1e-12)
    assert expected_revenue(leads_seq, TIERS) == pytest.approx(750_000 * 0.45, rel=1e-12)
    back = forward_funnel(leads_map, TIERS)
    for a, b in zip(plan.tiers, back.tiers, strict=True):
        assert (b.revenue, b.won, b.opportunities, b.sqls, b.contacts) == pytest.approx(
            (a.revenue, a.won, a.opportunities, a.sqls, a.contacts), rel=1e-12
        )


def test_missing_tier_in_mapping_counts_as_zero() -> None:
    only_hot = expected_revenue({"hot": 300}, TIERS)
    assert only_hot == pytest.approx(300_000, rel=1e-12)


rate = st.floats(0.01, 1.0)


@settings(max_examples=60, deadline=None)
@given(
    goal=st.floats(1.0, 1e9),
    share=st.floats(0.01, 1.0),
    weights=st.lists(st.floats(0.01, 1.0), min_size=1, max_size=4),
    deal=st.floats(10.0, 1e6),
    rates=st.tuples(rate, rate, rate, rate),
)
def test_round_trip_property(
    goal: float,
    share: float,
    weights: list[float],
    deal: float,
    rates: tuple[float, float, float, float],
) -> None:
    total = sum(weights)
    tiers = [FunnelTier(f"t{i}", w / total, deal * (i + 1), *rates) for i, w in enumerate(weights)]
    plan = reverse_funnel(goal, share, tiers)
    leads = [row.leads for row in plan.tiers]
    # Four divisions then four multiplications per tier: a few ulps; 1e-10 relative.
    assert expected_revenue(leads, tiers) == pytest.approx(goal * share, rel=1e-10)


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda: FunnelTier("", 0.5, 1.0, 0.5, 0.5, 0.5, 0.5), "name(='')"),
        (lambda: FunnelTier("hot", 1.5, 1.0, 0.5, 0.5, 0.5, 0.5), "hot.revenue_share(=1.5)"),
        (lambda: FunnelTier("hot", 0.5, 0.0, 0.5, 0.5, 0.5, 0.5), "hot.deal_size(=0.0)"),
        (lambda: FunnelTier("hot", 0.5, 1.0, 0.0, 0.5, 0.5, 0.5), "hot.lead_to_contact(=0.0)"),
        (lambda: FunnelTier("hot", 0.5, 1.0, 0.5, 1.2, 0.5, 0.5), "hot.contact_to_sql(=1.2)"),
        (lambda: reverse_funnel(-1.0, 0.5, TIERS), "revenue_goal(=-1.0)"),
        (lambda: reverse_funnel(1.0, 1.5, TIERS), "marketing_share(=1.5)"),
        (lambda: reverse_funnel(1.0, 0.5, TIERS[:2]), "sum to 0.8"),
        (lambda: reverse_funnel(1.0, 0.5, []), "at least one"),
        (lambda: reverse_funnel(1.0, 0.5, [TIERS[0], TIERS[0]]), "unique"),
        (lambda: expected_revenue({"vip": 3.0}, TIERS), "unknown tiers ['vip']"),
        (lambda: expected_revenue([1.0, 2.0], TIERS), "2 values for 3 tiers"),
        (lambda: expected_revenue([1.0, -2.0, 3.0], TIERS), "leads_per_tier['warm'](=-2.0)"),
    ],
)
def test_invalid_inputs(make: object, fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        make()  # type: ignore[operator]
    assert fragment in str(info.value)
