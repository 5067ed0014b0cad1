"""The one home of the interval formulas agrees with scipy.stats (to 1e-12)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from slasim.measure.intervals import (
    Z_VERDICT,
    mean_interval,
    normal_quantile,
    t_half_width,
    t_interval,
    t_quantile,
    wilson_interval,
)


@pytest.mark.parametrize("p", [1e-9, 0.025, 0.1, 0.5, 0.9, 0.975, 1 - 1e-9])
def test_normal_quantile_is_scipy_norm_ppf(p: float) -> None:
    assert normal_quantile(p) == pytest.approx(float(stats.norm.ppf(p)), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("df", [1, 2, 3, 9, 29, 99, 1000])
@pytest.mark.parametrize("p", [0.9, 0.95, 0.975, 0.995])
def test_t_quantile_is_scipy_t_ppf(p: float, df: int) -> None:
    assert t_quantile(p, df) == pytest.approx(float(stats.t.ppf(p, df)), rel=1e-12)


@pytest.mark.parametrize("n", [2, 3, 10, 200])
@pytest.mark.parametrize("alpha", [0.05, 0.1, 0.01])
def test_t_interval_is_scipy_t_interval(n: int, alpha: float) -> None:
    values = np.random.default_rng(n).lognormal(size=n)
    expected = stats.t.interval(1 - alpha, n - 1, loc=values.mean(), scale=stats.sem(values))
    low, high = t_interval(values, alpha)
    assert low == pytest.approx(expected[0], rel=1e-12, abs=1e-12)
    assert high == pytest.approx(expected[1], rel=1e-12, abs=1e-12)
    assert t_half_width(values, alpha) == pytest.approx((high - low) / 2, rel=1e-12)


def test_t_interval_needs_two_values() -> None:
    assert math.isnan(t_half_width([1.0]))
    assert all(math.isnan(v) for v in t_interval([1.0]))
    assert all(math.isnan(v) for v in t_interval([]))


@pytest.mark.parametrize("n", [1, 5, 30, 200])
@pytest.mark.parametrize("alpha", [0.05, 0.1])
def test_wilson_is_scipy_binomtest_wilson(n: int, alpha: float) -> None:
    z = normal_quantile(1 - alpha / 2)
    for k in sorted({0, 1, n // 3, n // 2, n - 1, n}):
        ci = stats.binomtest(k, n).proportion_ci(confidence_level=1 - alpha, method="wilson")
        low, high = wilson_interval(k, n, z)
        assert low == pytest.approx(ci.low, abs=1e-12), (k, n)
        assert high == pytest.approx(ci.high, abs=1e-12), (k, n)


def test_wilson_defaults_and_edges() -> None:
    # The verdicts' z (1.96, rounded) is the default; the sign of z does not matter.
    assert Z_VERDICT == 1.96
    assert wilson_interval(160, 200) == wilson_interval(160, 200, -1.96)
    assert wilson_interval(0, 0) == (0.0, 1.0)
    low, high = wilson_interval(0.5 * 7, 7)  # a fractional count (a share times n)
    assert 0.0 < low < 0.5 < high < 1.0
    # No success or all successes: the bound is exactly 0 or 1 (outputs showed 8.67e-19).
    for z in (Z_VERDICT, normal_quantile(0.975)):
        for n in range(1, 60):
            assert wilson_interval(0, n, z)[0] == 0.0 and wilson_interval(n, n, z)[1] == 1.0, n


def test_mean_interval_of_flags_is_the_verdicts_wilson_interval() -> None:
    # run --json gave a side's 0/1 flag a t-interval: 29 kept months of 30 read
    # [0.897, 1.036], beyond 100 %, while the verdict said [0.833, 0.994] (Wilson).
    flags = np.array([1.0] * 29 + [0.0])
    mean, low, high = mean_interval(flags, flags=True)
    assert (mean, low, high) == (pytest.approx(29 / 30), *wilson_interval(29.0, 30))
    assert 0.0 <= low < high <= 1.0
    t_low, t_high = t_interval(flags)
    assert t_high > 1.0  # what the flag got before
    assert mean_interval(flags) == (pytest.approx(29 / 30), t_low, t_high)
    # Values other than 0/1 (a share of months) keep the t-interval; no values: NaN.
    shares = np.array([0.5, 1.0, 0.75])
    assert mean_interval(shares, flags=True)[1:] == t_interval(shares)
    assert all(math.isnan(v) for v in mean_interval(np.array([]), flags=True))


def test_run_summary_gives_each_sides_flag_the_verdicts_interval() -> None:
    from pathlib import Path

    from slasim.measure.experiment import simulate
    from slasim.scenario.load import load_scenario

    base = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"
    result = simulate(load_scenario(base, ["team.shifts[0].sellers=9"]), reps=12, seed=0)
    summary = result.summary.set_index(["metric", "tier"])
    verdict = result.verdict
    for side in ("marketing", "sales", "joint"):
        row = summary.loc[(f"{side}_met", "all")]
        assert row["mean"] == pytest.approx(verdict.p[side])
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(verdict.ci[side])
    flags = summary[summary.index.get_level_values("metric").str.endswith("_met")]
    assert (flags["ci_low"] >= 0).all() and (flags["ci_high"] <= 1).all()
