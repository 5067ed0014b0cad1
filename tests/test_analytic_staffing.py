"""Staffing: smallest team meeting targets, square-root staffing, SIPP, roster gaps."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from slasim.analytic import (
    erlang_a,
    erlang_c,
    halfin_whitt_beta,
    required_sellers,
    roster_gaps,
    scheduled_sellers,
    service_level,
    square_root_staffing,
    staffing_by_period,
)
from slasim.analytic.staffing import _smallest_feasible

PWF_LAM = 100 / 30
PWF_MU = 1 / 3
PWF_T = 20 / 60


def test_pyworkforce_erlang_c_required_positions() -> None:
    # pyworkforce README: ErlangC(transactions=100, aht=3, asa=20/60, interval=30,
    # shrinkage=0.3).required_positions(service_level=0.8, max_occupancy=0.85) gives
    # raw_positions 14, positions 20 and the measures below (printed to 16 digits).
    res = required_sellers(
        PWF_LAM, PWF_MU, target_wait=PWF_T, target_share=0.8, max_occupancy=0.85, shrinkage=0.3
    )
    assert (res.sellers, res.sellers_scheduled) == (14, 20)
    assert res.model == "erlang_c"
    assert res.service_level == pytest.approx(0.8883500191794669, abs=1e-12)
    assert res.occupancy == pytest.approx(0.7142857142857143, abs=1e-12)
    assert res.wait_probability == pytest.approx(0.1741319335950498, abs=1e-12)
    assert res.abandon_probability is None


def test_pyworkforce_erlang_a_required_positions() -> None:
    # pyworkforce docs (guide "Erlang A"): same case with patience 5 and
    # max_abandonment 0.05 gives raw_positions 13, positions 19, service_level 0.858...,
    # occupancy 0.750..., abandonment 0.025..., waiting 0.226... (3 printed decimals).
    res = required_sellers(
        PWF_LAM,
        PWF_MU,
        target_wait=PWF_T,
        target_share=0.8,
        max_occupancy=0.85,
        max_abandonment=0.05,
        theta=1 / 5,
        shrinkage=0.3,
    )
    assert (res.sellers, res.sellers_scheduled) == (13, 19)
    assert res.model == "erlang_a"
    assert res.service_level is not None and 0.858 <= res.service_level < 0.859
    assert 0.750 <= res.occupancy < 0.751
    assert res.abandon_probability is not None and 0.0249 < res.abandon_probability < 0.0251
    assert 0.2255 <= res.wait_probability < 0.2265


def test_shrinkage_rounding_does_not_add_a_phantom_seller() -> None:
    # 14 / 0.7 is 20.000000000000004 in some float paths; the head count must stay 20.
    assert scheduled_sellers(14, 0.3) == 20
    assert scheduled_sellers(13, 0.3) == 19
    assert scheduled_sellers(10, 0.0) == 10
    assert scheduled_sellers(0, 0.5) == 0
    with pytest.raises(ValueError, match=r"shrinkage\(=1.0\)"):
        scheduled_sellers(5, 1.0)


@pytest.mark.parametrize("alpha", [0.5, 0.2, 0.1, 0.01, 1e-6, 0.9, 0.999])
def test_halfin_whitt_beta_solves_its_equation(alpha: float) -> None:
    beta = halfin_whitt_beta(alpha)
    ratio = beta * stats.norm.cdf(beta) / stats.norm.pdf(beta)
    # brentq runs to xtol 1e-15; the residual is at rounding level.
    assert 1 / (1 + ratio) == pytest.approx(alpha, rel=1e-10)


def test_halfin_whitt_beta_is_decreasing_in_alpha_and_validated() -> None:
    betas = [halfin_whitt_beta(a) for a in (0.9, 0.5, 0.2, 0.1, 0.01)]
    assert all(x < y for x, y in itertools.pairwise(betas))
    for bad in (0.0, 1.0, -0.2, math.nan):
        with pytest.raises(ValueError, match="alpha"):
            halfin_whitt_beta(bad)


def test_square_root_staffing() -> None:
    assert square_root_staffing(100.0, 1.5) == pytest.approx(115.0, rel=1e-15)
    assert square_root_staffing(0.0, 2.0) == 0.0
    assert square_root_staffing(25.0, -0.4) == pytest.approx(23.0, rel=1e-15)
    with pytest.raises(ValueError, match=r"a\(=-1"):
        square_root_staffing(-1.0, 1.0)


def test_halfin_whitt_rule_is_good_at_large_load() -> None:
    # Halfin-Whitt: with n = a + beta sqrt(a), C(n, a) -> alpha as a grows. At a = 4900
    # (beta sqrt(a) not integral, so n rounds up and C lands a bit below alpha), the
    # continuity correction is O(1/sqrt(a)); 0.02 absolute is ample.
    a = 4900.0
    for alpha in (0.5, 0.2, 0.1):
        n = math.ceil(square_root_staffing(a, halfin_whitt_beta(alpha)))
        assert erlang_c(n, a) == pytest.approx(alpha, abs=0.02)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"target_wait": 5.0, "target_share": 0.9},
        {"max_wait_probability": 0.2},
        {"max_occupancy": 0.8},
        {"target_wait": 1.0, "target_share": 0.8, "max_wait_probability": 0.3},
        {"target_wait": 5.0, "target_share": 0.9, "theta": 0.1},
        {"max_abandonment": 0.02, "theta": 0.05},
        {"target_wait": 2.0, "target_share": 0.95, "max_abandonment": 0.01, "theta": 0.2},
    ],
)
@pytest.mark.parametrize("lam", [0.3, 2.0, 40.0])
def test_required_sellers_is_minimal(kwargs: dict[str, float], lam: float) -> None:
    mu = 0.25
    res = required_sellers(lam, mu, **kwargs)  # type: ignore[arg-type]
    n = res.sellers
    a = lam / mu

    def meets(m: int) -> bool:
        theta = kwargs.get("theta")
        if theta is None:
            if m <= a:
                return False
            sl = service_level(m, a, mu, kwargs.get("target_wait", 0.0))
            pw, occ, ab = erlang_c(m, a), a / m, 0.0
        else:
            r = erlang_a(m, lam, mu, theta, method="chain")  # independent of the default
            sl = r.served_within(kwargs.get("target_wait", 0.0))
            pw, occ, ab = r.wait_probability, r.occupancy, r.abandon_probability
        return (
            sl >= kwargs.get("target_share", 0.0)
            and pw <= kwargs.get("max_wait_probability", 1.0)
            and occ <= kwargs.get("max_occupancy", 1.0)
            and ab <= kwargs.get("max_abandonment", 1.0)
        )

    # The chain and closed form agree to ~1e-10; no target sits that close to a boundary.
    assert meets(n)
    assert n == 1 or not meets(n - 1)


def test_search_starts_near_the_answer() -> None:
    # Galloping from the square-root guess: an answer 7 above the guess costs a handful
    # of evaluations, not thousands counted up from 1.
    calls: list[int] = []

    def feasible(n: int) -> bool:
        calls.append(n)
        return n >= 12_345

    assert _smallest_feasible(feasible, 12_338, 1, 10**6) == 12_345
    assert len(calls) <= 8
    calls.clear()
    assert _smallest_feasible(feasible, 12_400, 1, 10**6) == 12_345
    assert len(calls) <= 16
    assert _smallest_feasible(lambda n: n >= 1, 50, 1, 100) == 1


@settings(max_examples=40, deadline=None)
@given(
    lam1=st.floats(0.05, 30.0),
    factor=st.floats(1.0, 3.0),
    share=st.floats(0.5, 0.99),
    wait=st.floats(0.0, 30.0),
)
def test_staffing_is_monotone_in_load(
    lam1: float, factor: float, share: float, wait: float
) -> None:
    mu = 0.25
    small = required_sellers(lam1, mu, target_wait=wait, target_share=share)
    large = required_sellers(lam1 * factor, mu, target_wait=wait, target_share=share)
    assert small.sellers <= large.sellers


@settings(max_examples=40, deadline=None)
@given(
    lam=st.floats(0.05, 30.0),
    share1=st.floats(0.3, 0.99),
    share_step=st.floats(0.0, 0.5),
    wait1=st.floats(0.0, 20.0),
    wait_step=st.floats(0.0, 20.0),
    theta=st.one_of(st.none(), st.floats(0.01, 2.0)),
)
def test_staffing_is_monotone_in_target(
    lam: float,
    share1: float,
    share_step: float,
    wait1: float,
    wait_step: float,
    theta: float | None,
) -> None:
    mu = 0.25
    share2 = min(share1 + share_step, 0.995)
    base = required_sellers(lam, mu, target_wait=wait1, target_share=share1, theta=theta)
    stricter = required_sellers(lam, mu, target_wait=wait1, target_share=share2, theta=theta)
    looser = required_sellers(
        lam, mu, target_wait=wait1 + wait_step, target_share=share1, theta=theta
    )
    assert base.sellers <= stricter.sellers
    assert looser.sellers <= base.sellers


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({}, "at least one target"),
        ({"target_wait": 5.0}, "target_wait(=5.0)"),
        ({"target_share": 0.8}, "target_share(=0.8)"),
        ({"target_wait": 5.0, "target_share": 1.2}, "target_share(=1.2)"),
        ({"max_abandonment": 0.05}, "max_abandonment(=0.05)"),
        ({"max_occupancy": 0.0}, "max_occupancy(=0.0)"),
        ({"max_wait_probability": 0.2, "shrinkage": 1.0}, "shrinkage(=1.0)"),
        ({"max_wait_probability": 0.2, "theta": -1.0}, "theta(=-1.0)"),
        ({"max_wait_probability": 1e-9, "max_sellers": 10}, "no team of at most 10"),
    ],
)
def test_required_sellers_rejects_bad_targets(kwargs: dict[str, float], fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        required_sellers(2.0, 0.25, **kwargs)  # type: ignore[arg-type]
    assert fragment in str(info.value)


def test_required_sellers_rejects_bad_rates() -> None:
    with pytest.raises(ValueError, match=r"lam\(=0.0\)"):
        required_sellers(0.0, 0.25, max_occupancy=0.8)
    with pytest.raises(ValueError, match=r"mu\(=-1.0\)"):
        required_sellers(1.0, -1.0, max_occupancy=0.8)


def test_large_team_is_found_quickly_and_correctly() -> None:
    # a = 5000 erlangs: the Tijms-style answer by the search matches a direct count from
    # the square-root guess downwards.
    res = required_sellers(1250.0, 0.25, max_wait_probability=0.2)
    assert erlang_c(res.sellers, 5000.0) <= 0.2 < erlang_c(res.sellers - 1, 5000.0)


# ----------------------------------------------------------------- SIPP and rosters


def test_staffing_by_period_solves_each_period() -> None:
    rates = np.array([0.0, 0.5, 1.0, 1.0, 2.0, 0.5])  # leads per minute, by hour
    plan = staffing_by_period(rates, 4.0, 5.0, 0.9, shrinkage=0.2)
    assert plan.sellers.tolist()[0] == 0 and plan.sellers_scheduled.tolist()[0] == 0
    assert math.isnan(plan.service_level[0])
    np.testing.assert_allclose(plan.offered_load, rates * 4.0, rtol=1e-15)
    for i, lam in enumerate(rates):
        if lam == 0:
            continue
        expected = required_sellers(lam, 0.25, target_wait=5.0, target_share=0.9, shrinkage=0.2)
        assert plan.sellers[i] == expected.sellers
        assert plan.sellers_scheduled[i] == math.ceil(expected.sellers / 0.8 - 1e-9)
        assert plan.service_level[i] >= 0.9
    # Equal rates, equal staffing; more load, no fewer sellers.
    assert plan.sellers[2] == plan.sellers[3]
    assert plan.sellers[1] <= plan.sellers[2] <= plan.sellers[4]


def test_staffing_by_period_validates() -> None:
    with pytest.raises(ValueError, match=r"arrival_rate_per_period\[1\]\(=-1.0\)"):
        staffing_by_period([0.5, -1.0], 4.0, 5.0, 0.9)
    with pytest.raises(ValueError, match="one-dimensional"):
        staffing_by_period(np.ones((2, 2)), 4.0, 5.0, 0.9)
    with pytest.raises(ValueError, match=r"mean_handling_minutes\(=0"):
        staffing_by_period([0.5], 0, 5.0, 0.9)


def test_roster_gaps() -> None:
    gaps = roster_gaps([1, 2, 3, 0], [2, 2, 1, 0])
    assert gaps.gap.tolist() == [1, 0, -2, 0]
    assert gaps.shortfall.tolist() == [0, 0, 2, 0]
    assert gaps.surplus.tolist() == [1, 0, 0, 0]
    assert (gaps.periods_short, gaps.seller_periods_short, gaps.seller_periods_surplus) == (
        1,
        2,
        1,
    )
    assert gaps.coverage == pytest.approx(0.75, abs=1e-15)
    with pytest.raises(ValueError, match="same shape"):
        roster_gaps([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match=r"scheduled\[1\]\(=1.5\)"):
        roster_gaps([1, 2], [1, 1.5])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: required_sellers(2.0, 0.0, max_occupancy=0.8),
         "mu(=0.0) must be a finite number in (0, inf)."),
        (lambda: required_sellers(2.0, 0.25, target_wait=-1.0, target_share=0.8),
         "target_wait(=-1.0) must be a finite number in [0, inf)."),
        (lambda: required_sellers(2.0, 0.25, max_wait_probability=1.5),
         "max_wait_probability(=1.5) must be a finite number in [0, 1]."),
        (lambda: required_sellers(2.0, 0.25, max_occupancy=1.5),
         "max_occupancy(=1.5) must be a finite number in (0, 1]."),
        (lambda: required_sellers(2.0, 0.25, max_wait_probability=0.2, theta=0.0),
         "theta(=0.0) must be a finite number in (0, inf)."),
        (lambda: required_sellers(2.0, 0.25, max_abandonment=1.5, theta=0.1),
         "max_abandonment(=1.5) must be a finite number in [0, 1]."),
        (lambda: required_sellers(2.0, 0.25, target_wait=5.0),
         "target_wait(=5.0) and target_share(=None) must be given together."),
        (lambda: required_sellers(2.0, 0.25), "required_sellers needs at least one target."),
        (lambda: square_root_staffing(4.0, math.nan),
         "beta(=nan) must be a finite number in [-inf, inf)."),
        (lambda: halfin_whitt_beta(1.0), "alpha(=1.0) must be a finite number in (0, 1)."),
        (lambda: scheduled_sellers(-1, 0.1), "n(=-1) must be >= 0."),
    ],
)
def test_invalid_staffing_input_says_which_and_what_was_expected(call, message: str) -> None:  # type: ignore[no-untyped-def]
    # The whole message: the argument's name, the value given and the interval expected.
    with pytest.raises(ValueError) as info:
        call()
    assert str(info.value) == message


def test_staffing_result_reports_the_queue_at_the_answer() -> None:
    # M/M/n at A = 8 (lambda = 2/min, mu = 0.25/min), occupancy at most 1: Erlang C needs a
    # stable queue, so the answer is the smallest n > A = 9, and the result describes M/M/9.
    res = required_sellers(2.0, 0.25, max_occupancy=1.0)
    c = erlang_c(9, 8.0)
    assert (res.sellers, res.sellers_scheduled, res.model) == (9, 9, "erlang_c")
    assert res.offered_load == pytest.approx(8.0, rel=1e-15)
    assert res.wait_probability == pytest.approx(c, rel=1e-12)
    assert res.occupancy == pytest.approx(8 / 9, rel=1e-12)
    assert res.mean_wait == pytest.approx(c / ((9 - 8.0) * 0.25), rel=1e-12)  # E[W] = C/(n mu - lam)
    assert res.service_level is None  # no target_wait asked
    assert res.abandon_probability is None
    # Erlang A (patience 10 minutes): every measure is the M/M/n+M queue's at the answer.
    res = required_sellers(2.0, 0.25, max_abandonment=0.05, theta=0.1)
    ref = erlang_a(res.sellers, 2.0, 0.25, 0.1)
    assert res.model == "erlang_a" and res.offered_load == pytest.approx(8.0, rel=1e-15)
    assert res.mean_wait == pytest.approx(ref.mean_wait, rel=1e-12)
    assert res.abandon_probability == pytest.approx(ref.abandon_probability, rel=1e-12)
    assert res.service_level is None


@pytest.mark.parametrize(("lower", "upper"), [(1, 40), (9, 30)])
def test_smallest_feasible_finds_every_threshold_from_every_start(lower: int, upper: int) -> None:
    # For a monotone test (feasible from k on), the search returns k whatever its first guess,
    # in O(log) evaluations: at most 2 log2(range) + 4 (gallop then bisection).
    budget = 2 * math.ceil(math.log2(upper - lower + 1)) + 4
    for k in range(lower, upper + 1):
        for start in range(0, upper + 5):
            calls = 0

            def feasible(n: int, k: int = k) -> bool:
                nonlocal calls
                calls += 1
                assert calls <= budget, f"more than {budget} evaluations"
                assert lower <= n <= upper, f"evaluated n = {n} outside [{lower}, {upper}]"
                return n >= k

            assert _smallest_feasible(feasible, start, lower, upper) == k


def test_every_target_is_an_inclusive_bound() -> None:
    # A team exactly at a target meets it ("at least" a share, "at most" a probability): ask
    # for exactly what the smallest stable team (n = 9 at A = 8) achieves and get that team.
    stable = required_sellers(2.0, 0.25, target_wait=1.0, target_share=0.01)
    assert stable.sellers == 9
    assert stable.service_level is not None
    again = required_sellers(2.0, 0.25, target_wait=1.0, target_share=stable.service_level)
    assert again.sellers == 9
    assert required_sellers(2.0, 0.25, max_wait_probability=erlang_c(9, 8.0)).sellers == 9
    # No bound at all on P(W > 0) (1.0): the smallest stable team.
    assert required_sellers(2.0, 0.25, max_wait_probability=1.0).sellers == 9
    # Erlang A: any abandonment allowed -> one seller; exactly that one's abandonment -> one.
    one = required_sellers(2.0, 0.25, max_abandonment=1.0, theta=0.1)
    assert one.sellers == 1 and one.abandon_probability is not None
    assert required_sellers(2.0, 0.25, max_abandonment=one.abandon_probability,
                            theta=0.1).sellers == 1
    # The cap on the team is inclusive too.
    assert required_sellers(2.0, 0.25, max_occupancy=1.0, max_sellers=9).sellers == 9
    with pytest.raises(ValueError) as info:
        required_sellers(2.0, 0.25, max_occupancy=1.0, max_sellers=8)
    assert str(info.value) == "max_sellers(=8) is below the 9 sellers needed."


def test_period_staffing_and_gaps_are_whole_sellers() -> None:
    # Without shrinkage, scheduled = needed; counts are integers, as documented.
    plan = staffing_by_period([0.0, 2.0], 4.0, 1.0, 0.5)
    assert plan.sellers.dtype.kind == "i" and plan.sellers_scheduled.dtype.kind == "i"
    np.testing.assert_array_equal(plan.sellers_scheduled, plan.sellers)
    gaps = roster_gaps([1, 2], [2, 1])
    assert gaps.gap.dtype.kind == "i"


@pytest.mark.parametrize(
    ("needed", "scheduled", "message"),
    [
        ([1, 1.5], [1, 2], "needed[1](=1.5) must be a whole number >= 0."),
        ([-1, 2], [1, 2], "needed[0](=-1) must be a whole number >= 0."),
        (np.ones((2, 2)), [1, 2], "needed must be one-dimensional, got shape (2, 2)."),
        ([1, 2], [1, 2, 3],
         "needed (shape (2,)) and scheduled (shape (3,)) must have the same shape."),
    ],
)
def test_roster_gaps_says_what_is_wrong(needed: object, scheduled: object, message: str) -> None:
    with pytest.raises(ValueError) as info:
        roster_gaps(needed, scheduled)  # type: ignore[arg-type]
    assert str(info.value) == message
