"""Tests for slasim.engine.arrivals: NHPP volumes and shape, over-dispersion, trace replay."""

from __future__ import annotations

import copy
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

from slasim.engine.arrivals import Arrivals, arrival_plan, generate_arrivals, load_trace
from slasim.errors import InputError
from slasim.scenario.load import deep_merge, scenario_from_dict
from slasim.scenario.schema import DAYS_PER_MONTH, Scenario

TIER: dict[str, Any] = {
    "monthly_volume": 300,
    "base_contact": 0.5,
    "base_qualify": 0.5,
    "opportunity_rate": 0.5,
    "win_rate": 0.5,
    "deal_size": {"median": 100, "p90": 200},
    "sales_cycle_days": {"median": 10, "p90": 20},
}
BASE: dict[str, Any] = {
    "name": "arrivals-test",
    # 2026-03-02 is a Monday; 28 days = 4 whole weeks, UTC (no DST), no holidays.
    "horizon": {"start": "2026-03-02", "days": 28, "timezone": "UTC"},
    "tiers": {"a": TIER, "b": {**TIER, "monthly_volume": 50}},
    "team": {
        "shifts": [{"weekdays": ["mon"], "start": "08:00", "end": "17:00", "sellers": 1}],
        "handling_unanswered": {"dist": "fixed", "mean_minutes": 2},
        "handling_conversation": {"dist": "fixed", "mean_minutes": 10},
    },
}


def scenario(**overlay: Any) -> Scenario:
    return scenario_from_dict(deep_merge(copy.deepcopy(BASE), overlay))


def draws(sc: Scenario, reps: int, seed: int = 0) -> list[Arrivals]:
    plan = arrival_plan(sc)
    root = np.random.SeedSequence(seed)
    return [generate_arrivals(plan, np.random.default_rng(s)) for s in root.spawn(reps)]


def test_arrivals_are_sorted_and_inside_the_horizon() -> None:
    sc = scenario()
    arr = generate_arrivals(sc, np.random.default_rng(1))
    assert arr.created.dtype == np.float64 and arr.tier.dtype == np.int8
    assert np.all(np.diff(arr.created) >= 0)
    assert arr.created.min() >= 0 and arr.created.max() < 28 * 1440
    assert set(np.unique(arr.tier).tolist()) <= {0, 1}


def test_scenario_and_plan_give_the_same_draws() -> None:
    sc = scenario()
    a = generate_arrivals(sc, np.random.default_rng(5))
    b = generate_arrivals(arrival_plan(sc), np.random.default_rng(5))
    assert np.array_equal(a.created, b.created) and np.array_equal(a.tier, b.tier)


def test_mean_count_per_tier_matches_the_monthly_volume() -> None:
    # The period's count of a tier is Poisson with mean m = monthly_volume * days / 30.4375.
    # The mean of R independent counts has standard error sqrt(m / R); we allow 4 standard
    # errors (two-sided false-alarm rate 6e-5 per tier), so a wrong scaling by even 3 % fails.
    sc = scenario()
    reps = 200
    counts = np.array([np.bincount(a.tier, minlength=2) for a in draws(sc, reps)])
    for t, volume in enumerate((300, 50)):
        m = volume * 28 / DAYS_PER_MONTH
        assert abs(counts[:, t].mean() - m) < 4 * math.sqrt(m / reps), (t, counts[:, t].mean(), m)


def test_weekday_pattern_follows_the_profile() -> None:
    # Pooled over replications the counts per weekday are multinomial with shares w_d / sum(w)
    # (4 whole weeks, flat hours, no holidays). Pearson's chi-square with 6 degrees of freedom
    # must stay below its 99.9 % quantile (22.5); a flat pattern would give chi-square ~ 10^4.
    weekday = [1.0, 2.0, 3.0, 1.0, 1.0, 0.5, 0.5]
    sc = scenario(tiers={"a": {"profile": {"weekday": weekday}}, "b": {"monthly_volume": 0}})
    created = np.concatenate([a.created for a in draws(sc, 50)])
    observed = np.bincount((created // 1440).astype(int) % 7, minlength=7)
    expected = observed.sum() * np.array(weekday) / sum(weekday)
    chi2 = float(((observed - expected) ** 2 / expected).sum())
    assert chi2 < stats.chi2.ppf(0.999, df=6), (observed, expected)


def test_hour_pattern_and_holiday_factor() -> None:
    # Only hours 09-10 and 14-15 carry weight, so every lead falls in those two hours; a
    # holiday with holiday_factor 0 gets no leads at all (exact statements, no tolerance).
    hour = [0.0] * 24
    hour[9], hour[14] = 1.0, 3.0
    sc = scenario(
        tiers={"a": {"profile": {"hour": hour, "holiday_factor": 0.0}}, "b": {"monthly_volume": 0}},
        calendar={"holidays": ["2026-03-04"]},
    )
    created = np.concatenate([a.created for a in draws(sc, 20)])
    hours = (created % 1440) // 60
    assert set(np.unique(hours).tolist()) == {9.0, 14.0}
    assert not np.any((created >= 2 * 1440) & (created < 3 * 1440))  # Wednesday 2026-03-04
    # The 1:3 split between the hours: binomial share 0.25, 4 standard errors.
    share = float(np.mean(hours == 9))
    n = created.shape[0]
    assert abs(share - 0.25) < 4 * math.sqrt(0.25 * 0.75 / n)


def test_dispersion_raises_the_variance_as_specified() -> None:
    # Var = m + d m^2 (negative binomial). With m = 1000 (one month), d = 0.05: Var = 51,000,
    # against 1,000 without dispersion. The sample variance of R = 400 counts has relative
    # standard error ~ sqrt((2 + kurtosis excess) / R) with excess ~ 6 d = 0.3 (the gamma
    # part dominates), i.e. ~7.6 %; we accept +-30 % (4 standard errors). The mean is still m.
    sc = scenario(
        horizon={"days": 30},
        tiers={"a": {"monthly_volume": 1000 * DAYS_PER_MONTH / 30, "dispersion": 0.05},
               "b": {"monthly_volume": 0}},
    )
    counts = np.array([len(a) for a in draws(sc, 400, seed=3)])
    var = counts.var(ddof=1)
    assert 0.7 * 51_000 < var < 1.3 * 51_000, var
    assert abs(counts.mean() - 1000) < 4 * math.sqrt(51_000 / 400)


def test_volume_zero_tier_has_no_leads() -> None:
    sc = scenario(tiers={"b": {"monthly_volume": 0}})
    arr = generate_arrivals(sc, np.random.default_rng(0))
    assert len(arr) > 0 and not np.any(arr.tier == 1)


def test_other_tiers_keep_their_leads_when_one_tier_changes() -> None:
    # Each tier draws from its own spawned child: tier a's leads do not move when b grows.
    a1 = generate_arrivals(scenario(), np.random.default_rng(9))
    a2 = generate_arrivals(scenario(tiers={"b": {"monthly_volume": 500}}), np.random.default_rng(9))
    assert np.array_equal(a1.created[a1.tier == 0], a2.created[a2.tier == 0])


# -- trace replay --------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "leads.csv"
    path.write_text(text, encoding="utf-8")
    return path


STOCKHOLM = {"start": "2026-03-30", "days": 2, "timezone": "Europe/Stockholm"}


def stockholm() -> Scenario:
    # 2026-03-30 00:00 Europe/Stockholm is 2026-03-29T22:00Z (CEST, +02:00 after 29 March).
    return scenario(horizon=STOCKHOLM)


def test_trace_reads_naive_and_aware_timestamps(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "created_at,tier,extra\n"
        "2026-03-30T09:30:00,b,x\n"  # naive = local: 570 minutes
        "2026-03-30T08:00:00Z,a,y\n"  # 08:00Z = 10:00 local: 600
        "2026-03-30 08:15+02:00,a,z\n"  # 495
        "2026-03-31T00:00:00,a,w\n",  # 1440
    )
    arr = load_trace(stockholm(), path)
    assert arr.created.tolist() == [495.0, 570.0, 600.0, 1440.0]
    assert arr.tier.tolist() == [0, 1, 0, 0]


def test_trace_uses_the_scenario_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "when,kind\n2026-03-30T01:00:00,a\n")
    sc = scenario(
        horizon=STOCKHOLM,
        trace={"path": str(path), "created_column": "when", "tier_column": "kind"},
    )
    assert load_trace(sc).created.tolist() == [60.0]


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        ("yesterday,a", "created_at", "'yesterday'"),
        ("2026-04-05T10:00:00,a", "created_at", "outside the horizon"),
        ("2026-03-29T23:59:00,a", "created_at", "outside the horizon"),
        ("2026-03-30T10:00:00,vip", "tier", "'vip'"),
    ],
)
def test_bad_trace_row_names_file_row_column_and_value(
    tmp_path: Path, row: str, column: str, fragment: str
) -> None:
    path = write(tmp_path, f"created_at,tier\n2026-03-30T09:00:00,a\n{row}\n")
    with pytest.raises(InputError) as info:
        load_trace(stockholm(), path)
    text = str(info.value)
    assert str(path) in text and "row 3" in text and repr(column) in text and fragment in text


def test_missing_trace_column_is_an_input_error(tmp_path: Path) -> None:
    path = write(tmp_path, "created,tier\n2026-03-30T09:00:00,a\n")
    with pytest.raises(InputError, match="created_at"):
        load_trace(stockholm(), path)


def test_missing_trace_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        load_trace(stockholm(), tmp_path / "nope.csv")


def test_trace_that_is_not_utf8_is_an_input_error(tmp_path: Path) -> None:
    # Latin-1 bytes gave exit 1 (UnicodeDecodeError) in run, check and track.
    path = tmp_path / "latin1.csv"
    path.write_bytes("created_at,tier\n2026-03-30T09:00:00,h\xe4\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"latin1.csv: is not UTF-8 text \(byte 37: invalid continuation"):
        load_trace(stockholm(), path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("created_at,tier\n", "leads.csv: has no rows, only the header; expected one row per lead"),
        ("", "leads.csv: is empty; expected a header (created_at, tier)"),
        ("\n\n", "leads.csv: is empty; expected a header (created_at, tier)"),
    ],
    ids=["header-only", "empty", "blank-lines"],
)
def test_a_trace_without_leads_is_an_input_error(
    tmp_path: Path, text: str, expected: str
) -> None:
    # A header-only trace simulated an empty month: quotas 0 % met, every sales term "met".
    with pytest.raises(InputError, match=re.escape(expected)):
        load_trace(stockholm(), write(tmp_path, text))
