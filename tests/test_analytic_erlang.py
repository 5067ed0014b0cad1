"""Erlang B, C and A against published vectors, exact arithmetic and limit cases."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import pytest

from slasim.analytic import (
    erlang_a,
    erlang_b,
    erlang_c,
    mean_wait,
    occupancy,
    service_level,
    wait_probability_exceeds,
)
from slasim.analytic.contact import contact_probability_exponential
from slasim.analytic.erlang import _erlang_b_recursion

# pyworkforce documentation case: 100 transactions per 30-minute interval, AHT 3 min,
# answer target 20 s. Rates per minute: lam = 100/30, mu = 1/3, so a = 10 erlangs.
PWF_LAM = 100 / 30
PWF_MU = 1 / 3
PWF_A = PWF_LAM / PWF_MU
PWF_T = 20 / 60
PWF_THETA = 1 / 5  # Erlang A case: mean patience 5 minutes


def exact_erlang_b(n: int, a: Fraction) -> Fraction:
    """B(n, a) = (a^n/n!) / sum_k a^k/k! in exact rational arithmetic."""
    term = Fraction(1)
    total = Fraction(1)
    for k in range(1, n + 1):
        term = term * a / k
        total += term
    return term / total


def exact_erlang_c(n: int, a: Fraction) -> Fraction:
    b = exact_erlang_b(n, a)
    return b / (1 - a / n * (1 - b))


# ----------------------------------------------------------------- published vectors


def test_pyworkforce_erlang_c_case() -> None:
    # pyworkforce's README/PyPI example prints waiting_probability 0.1741319335950498,
    # service_level 0.8883500191794669 and occupancy 0.7142857142857143 for 14 positions.
    # Its definitions are ours: P(W > 0), 1 - C exp(-(n - a) t / aht) and a / n.
    # Tolerance 1e-8 as asked; the formulas agree to rounding.
    assert erlang_c(14, PWF_A) == pytest.approx(0.1741319336, abs=1e-8)
    assert service_level(14, PWF_A, PWF_MU, PWF_T) == pytest.approx(0.8883500192, abs=1e-8)
    assert occupancy(14, PWF_A) == pytest.approx(0.7142857, abs=1e-7)
    assert occupancy(14, PWF_A) == pytest.approx(10 / 14, abs=1e-12)


def test_erlang_c_mean_wait_matches_cran_erlangc_vector() -> None:
    # The R package ErlangC (CRAN) documents the same case with an average speed of
    # answer of 7.83593701177724 s; 1e-9 s is well above float rounding here.
    assert mean_wait(14, PWF_A, PWF_MU) * 60 == pytest.approx(7.83593701177724, abs=1e-9)


@pytest.mark.parametrize("method", ["closed_form", "chain"])
def test_pyworkforce_erlang_a_case(method: str) -> None:
    # pyworkforce's ErlangA (git version; docs guide "Erlang A") defines, from the
    # stationary birth-death distribution p_k of the M/M/n+M chain:
    #   waiting_probability     = sum_{k >= n} p_k     -> our wait_probability (PASTA)
    #   abandonment_probability = theta E[Q] / lam     -> our abandon_probability
    #   average_speed_of_answer = E[Q] / lam           -> our mean_wait (all leads)
    #   service_level(t)        = P(served and W <= t) -> our served_within(t)
    # Same case as above with patience 5 min and 13 positions; tolerance 1e-6 as asked.
    res = erlang_a(13, PWF_LAM, PWF_MU, PWF_THETA, method=method)  # type: ignore[arg-type]
    assert res.wait_probability == pytest.approx(0.2257971, abs=1e-6)
    assert res.abandon_probability == pytest.approx(0.0249633, abs=1e-6)
    # The docs print these truncated to three decimals: 0.858..., 0.750..., 0.125...
    assert math.floor(res.served_within(PWF_T) * 1000) == 858
    assert math.floor(res.occupancy * 1000) == 750
    # The mean wait is printed as 0.125: rounded, not truncated (the exact value is 0.12482),
    # so it is checked to half a unit in the last printed place.
    assert res.mean_wait == pytest.approx(0.125, abs=5e-4)


@pytest.mark.parametrize("method", ["closed_form", "chain"])
def test_pyworkforce_erlang_a_regression_snapshot(method: str) -> None:
    # pyworkforce's test_erlanga_regression_metrics (14 positions), rounded there to
    # 5-6 decimals, so we compare at half a unit in the last printed place.
    res = erlang_a(14, PWF_LAM, PWF_MU, PWF_THETA, method=method)  # type: ignore[arg-type]
    assert res.wait_probability == pytest.approx(0.14526, abs=5e-6)
    assert res.abandon_probability == pytest.approx(0.013984, abs=5e-7)
    assert res.occupancy == pytest.approx(0.704297, abs=5e-7)
    assert res.mean_wait == pytest.approx(0.069919, abs=5e-7)
    assert res.served_within(PWF_T) == pytest.approx(0.916792, abs=5e-7)


# Tijms, H. C. (2003), A First Course in Stochastic Models, Wiley, Table 5.3.2 (p. 201):
# "The exact and approximate values of c*", the least c with P(W > 0) <= alpha.
# (offered load R, alpha) -> (exact, square-root approximation rounded up)
TIJMS_5_3_2 = {
    1: {0.5: (2, 2), 0.2: (3, 3), 0.1: (3, 3)},
    5: {0.5: (7, 7), 0.2: (8, 8), 0.1: (9, 9)},
    10: {0.5: (12, 12), 0.2: (14, 14), 0.1: (16, 15)},
    50: {0.5: (54, 54), 0.2: (58, 58), 0.1: (61, 61)},
    100: {0.5: (106, 106), 0.2: (111, 111), 0.1: (115, 115)},
    250: {0.5: (259, 259), 0.2: (268, 267), 0.1: (274, 273)},
    500: {0.5: (512, 512), 0.2: (525, 524), 0.1: (533, 532)},
    1000: {0.5: (1017, 1017), 0.2: (1034, 1034), 0.1: (1046, 1045)},
}


@pytest.mark.parametrize("load", sorted(TIJMS_5_3_2))
def test_tijms_table_5_3_2_exact_column(load: int) -> None:
    for alpha, (exact, _) in TIJMS_5_3_2[load].items():
        # Smallest n > a with C(n, a) <= alpha, by direct search (independent of staffing).
        n = load + 1
        while erlang_c(n, load) > alpha:
            n += 1
        assert n == exact, (load, alpha)


def test_tijms_small_loads_agree_with_exact_rational_arithmetic() -> None:
    # Independent check of the same column with Fractions (no floating point at all).
    for load in (1, 5, 10, 50):
        for alpha, (exact, _) in TIJMS_5_3_2[load].items():
            a = Fraction(load)
            assert exact_erlang_c(exact, a) <= Fraction(alpha)
            assert exact_erlang_c(exact - 1, a) > Fraction(alpha)


# ----------------------------------------------------------------- Erlang B and C


@pytest.mark.parametrize("n", [1, 2, 7, 30, 64, 65, 100, 250])
@pytest.mark.parametrize("a_over_n", [Fraction(1, 2), Fraction(9, 10), Fraction(1), Fraction(3)])
def test_erlang_b_matches_exact_rationals(n: int, a_over_n: Fraction) -> None:
    # Both code paths (recursion for n <= 64, log-space incomplete gamma above) against
    # exact rationals; relative 1e-12 leaves two orders of margin over measured errors.
    a = a_over_n * n
    assert erlang_b(n, float(a)) == pytest.approx(float(exact_erlang_b(n, a)), rel=1e-12)


@pytest.mark.parametrize("n", [500, 1000, 2000, 5000])
@pytest.mark.parametrize("ratio", [0.8, 0.95, 1.0, 1.05, 2.0])
def test_erlang_b_large_n_log_space_matches_recursion(n: int, ratio: float) -> None:
    # No factorial overflow at n = 5000; recursion error is ~n eps, log-space ~1e-14.
    a = ratio * n
    assert erlang_b(n, a) == pytest.approx(_erlang_b_recursion(n, a), rel=1e-11)


def test_erlang_c_large_n_is_finite_and_consistent() -> None:
    n, a = 5000, 4900.0
    c = erlang_c(n, a)
    b = _erlang_b_recursion(n, a)
    assert 0.0 < c < 1.0
    assert c == pytest.approx(b / (1 - a / n * (1 - b)), rel=1e-11)


def test_erlang_b_edge_values() -> None:
    assert erlang_b(0, 3.0) == 1.0
    assert erlang_b(5, 0.0) == 0.0
    assert erlang_b(1, 1.0) == pytest.approx(0.5, abs=1e-15)


@pytest.mark.parametrize("rho", [0.1, 0.5, 0.9, 0.99])
def test_mm1_closed_forms(rho: float) -> None:
    # M/M/1: C = rho, P(W > t) = rho e^{-(mu - lam) t}, E[W] = rho / (mu - lam).
    mu = 0.25
    lam = rho * mu
    assert erlang_c(1, rho) == pytest.approx(rho, rel=1e-14)
    for t in (0.0, 1.0, 7.5):
        expected = rho * math.exp(-(mu - lam) * t)
        assert wait_probability_exceeds(1, rho, mu, t) == pytest.approx(expected, rel=1e-14)
        assert service_level(1, rho, mu, t) == pytest.approx(1 - expected, rel=1e-14)
    assert mean_wait(1, rho, mu) == pytest.approx(rho / (mu - lam), rel=1e-14)
    assert occupancy(1, rho) == pytest.approx(rho, rel=1e-15)


def test_erlang_c_vanishes_as_sellers_grow() -> None:
    a = 20.0
    values = [erlang_c(n, a) for n in range(21, 80)]
    assert all(x > y for x, y in itertools.pairwise(values))
    # 12 sqrt(a) above the load the delay probability is ~phi(12)-small.
    assert erlang_c(int(a + 12 * math.sqrt(a)), a) < 1e-15


def test_unstable_load_is_documented_not_an_error() -> None:
    for a in (10.0, 12.5):
        assert erlang_c(10, a) == 1.0
        assert wait_probability_exceeds(10, a, 0.25, 3.0) == 1.0
        assert service_level(10, a, 0.25, 3.0) == 0.0
        assert mean_wait(10, a, 0.25) == math.inf
        assert occupancy(10, a) == 1.0


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: erlang_c(0, 1.0), "n(=0)"),
        (lambda: erlang_c(2.5, 1.0), "n(=2.5)"),  # type: ignore[arg-type]
        (lambda: erlang_c(True, 1.0), "n(=True)"),  # type: ignore[arg-type]
        (lambda: erlang_b(-1, 1.0), "n(=-1)"),
        (lambda: erlang_c(3, -0.5), "a(=-0.5)"),
        (lambda: erlang_c(3, math.nan), "a(=nan)"),
        (lambda: service_level(3, 1.0, 0.0, 1.0), "mu(=0.0)"),
        (lambda: service_level(3, 1.0, 1.0, -1.0), "t(=-1.0)"),
        (lambda: erlang_a(3, 1.0, 1.0, 0.0), "theta(=0.0)"),
        (lambda: erlang_a(3, -1.0, 1.0, 1.0), "lam(=-1.0)"),
        (lambda: erlang_a(3, 1.0, 1.0, 1.0, method="exact"), "method(='exact')"),  # type: ignore[arg-type]
    ],
)
def test_invalid_inputs_name_the_bad_value(call: object, fragment: str) -> None:
    with pytest.raises(ValueError, match=None) as info:
        call()  # type: ignore[operator]
    assert fragment in str(info.value)


# ----------------------------------------------------------------- Erlang A

ERLANG_A_CASES = [
    # (n, lam, mu, theta): stable, overloaded, heavy overload with slow patience,
    # many sellers, very patient leads.
    (10, 2.0, 0.25, 0.1),
    (5, 3.0, 0.25, 0.05),
    (100, 30.0, 0.25, 0.5),
    (1000, 260.0, 0.25, 0.02),
    (3, 10.0, 1.0, 0.01),
    (20, 4.0, 0.25, 1e-3),
    (1, 0.2, 0.25, 0.3),
]


@pytest.mark.parametrize(("n", "lam", "mu", "theta"), ERLANG_A_CASES)
def test_erlang_a_closed_form_matches_chain(n: int, lam: float, mu: float, theta: float) -> None:
    closed = erlang_a(n, lam, mu, theta, method="closed_form")
    chain = erlang_a(n, lam, mu, theta, method="chain")
    # Two independent computations (incomplete gamma vs truncated chain, tail < 1e-15).
    # Measured disagreement <= 1e-10 relative; the log-space gamma loses ~x log(y) eps.
    for name in ("wait_probability", "abandon_probability", "abandon_given_wait", "mean_wait"):
        assert getattr(closed, name) == pytest.approx(getattr(chain, name), rel=1e-8, abs=1e-13)
    # Served-wait mean: closed form by quad (epsrel 1e-9) vs an exact chain sum.
    assert closed.mean_wait_served == pytest.approx(chain.mean_wait_served, rel=1e-7, abs=1e-12)
    # P(served, W <= t): incomplete gamma vs matrix exponential of the tagged-lead chain.
    for t in (0.0, 0.1, 1.0, 5.0, 30.0):
        assert closed.served_within(t) == pytest.approx(chain.served_within(t), abs=1e-9)


@pytest.mark.parametrize(("n", "lam", "mu", "theta"), ERLANG_A_CASES)
def test_erlang_a_identities(n: int, lam: float, mu: float, theta: float) -> None:
    res = erlang_a(n, lam, mu, theta)
    # Rate balance of abandonment: P(Ab) lam = theta E[Q] = theta lam E[W].
    assert res.abandon_probability == pytest.approx(theta * res.mean_wait, rel=1e-12)
    assert res.abandon_given_wait * res.wait_probability == pytest.approx(
        res.abandon_probability, rel=1e-12
    )
    assert res.served_within(0.0) == pytest.approx(1 - res.wait_probability, abs=1e-12)
    grid = [0.0, 0.5, 2.0, 10.0, 60.0, 600.0]
    cdf = [res.served_wait_cdf(t) for t in grid]
    assert all(x <= y + 1e-15 for x, y in itertools.pairwise(cdf))
    # 100 mean patience times later every served lead has been served.
    assert res.served_wait_cdf(100 / theta + 1e4 / (n * mu)) == pytest.approx(1.0, abs=1e-9)
    assert 0.0 <= res.occupancy <= 1.0


def test_erlang_a_tends_to_erlang_c_as_patience_grows() -> None:
    n, lam, mu = 14, PWF_LAM, PWF_MU
    a = lam / mu
    c = erlang_c(n, a)
    errors = []
    for theta in (1e-1, 1e-2, 1e-3, 1e-4, 1e-5):
        res = erlang_a(n, lam, mu, theta)
        errors.append(abs(res.wait_probability - c))
        # The waits differ at order theta E[W^2]; 50 theta is a generous envelope.
        assert res.served_within(PWF_T) == pytest.approx(
            service_level(n, a, mu, PWF_T), abs=50 * theta
        )
        assert res.mean_wait == pytest.approx(mean_wait(n, a, mu), abs=50 * theta)
    assert all(x > y for x, y in itertools.pairwise(errors))
    assert errors[-1] < 1e-5


def test_erlang_a_without_leads() -> None:
    res = erlang_a(4, 0.0, 0.5, 0.1)
    assert (res.wait_probability, res.abandon_probability, res.mean_wait) == (0.0, 0.0, 0.0)
    assert res.mean_wait_served == 0.0
    assert res.served_within(1.0) == 1.0


# -- validation names the argument, and the boundaries of what is valid ------------------------

_BAD_INPUTS = [
    (lambda: erlang_b(-1, 1.0), "n"),
    (lambda: erlang_b(1, -1.0), "a"),
    (lambda: erlang_c(0, 1.0), "n"),
    (lambda: erlang_c(1, math.nan), "a"),
    (lambda: wait_probability_exceeds(2, 1.0, 0.0, 1.0), "mu"),
    (lambda: wait_probability_exceeds(2, 1.0, 1.0, -1.0), "t"),
    (lambda: mean_wait(2, 1.0, 0.0), "mu"),
    (lambda: mean_wait(2, 1.0, -1.0), "mu"),
    (lambda: occupancy(0, 1.0), "n"),
    (lambda: occupancy(1, -1.0), "a"),
    (lambda: contact_probability_exponential(0, 1.0, 1.0, 0.5, 0.1), "n"),
    (lambda: contact_probability_exponential(1, -1.0, 1.0, 0.5, 0.1), "lam"),
    (lambda: contact_probability_exponential(1, 1.0, 0.0, 0.5, 0.1), "mu"),
    (lambda: contact_probability_exponential(1, 1.0, 1.0, 1.5, 0.1), "p0"),
    (lambda: contact_probability_exponential(1, 1.0, 1.0, 0.5, -0.1), "theta"),
    (lambda: erlang_a(0, 1.0, 1.0, 0.1), "n"),
    (lambda: erlang_a(1, -1.0, 1.0, 0.1), "lam"),
    (lambda: erlang_a(1, 1.0, 0.0, 0.1), "mu"),
    (lambda: erlang_a(1, 1.0, 1.0, 0.0), "theta"),
    (lambda: erlang_a(1, 1.0, 1.0, 0.1).served_within(-1.0), "t"),
]


@pytest.mark.parametrize(("call", "name"), _BAD_INPUTS)
def test_invalid_input_names_its_argument(call, name: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=rf"^{name}\(="):
        call()


def test_occupancy_and_mean_wait_values() -> None:
    assert occupancy(4, 2.0) == 0.5
    assert occupancy(2, 3.0) == 1.0  # overloaded: busy all the time, never above 1
    # M/M/2 at a = 1, mu = 1: C = 1/3, E[W] = C / ((n - a) mu) = 1/3 minute.
    assert mean_wait(2, 1.0, 1.0) == pytest.approx(1 / 3, rel=1e-12)
    assert mean_wait(2, 1.0, 0.5) == pytest.approx(2 / 3, rel=1e-12)
    assert mean_wait(2, 2.0, 1.0) == math.inf  # a = n: no steady state
    # No leads: nobody waits; a lone lead would race service (n mu) against patience (theta).
    idle = erlang_a(2, 0.0, 0.5, 0.25, method="chain")
    assert (idle.n, idle.lam, idle.mu, idle.theta, idle.method) == (2, 0.0, 0.5, 0.25, "chain")
    assert (idle.wait_probability, idle.abandon_probability, idle.mean_wait) == (0.0, 0.0, 0.0)
    assert idle.abandon_given_wait == pytest.approx(0.25 / (2 * 0.5 + 0.25), rel=1e-15)
    # At a = n the queue never empties: a first attempt is never immediate.
    assert contact_probability_exponential(2, 2.0, 1.0, 0.5, 0.1) == 0.0
