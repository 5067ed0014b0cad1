"""Calibration from small exports: minimum samples keep the base values, weak intervals warn,
nothing overflows."""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_cli

from slasim.crm._stats import Row, fit_censored_lognormal
from slasim.crm.calibrate._guard import MIN_RATE, weak_interval
from slasim.crm.calibrate.calibrator import Calibrator
from slasim.crm.calibrate.decayfit import fit_decay
from slasim.crm.io.export import export_leads, leads_frame
from slasim.crm.io.importer import read_crm
from slasim.measure.experiment import simulate
from slasim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
_CI = re.compile(r"95 % CI (-?[0-9.e+-]+)-([0-9.e+-]+)")
_PROBABILITIES = {"base_contact", "base_qualify", "opportunity_rate", "win_rate", "floor"}


@pytest.fixture(scope="module")
def tiny_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One simulated day of the baseline (~50 leads; it used to overflow in the decay fit)."""
    scenario = load_scenario(BASELINE, ["horizon.days=1"])
    result = simulate(scenario, 1, 0, keep_records=True)
    assert result.records is not None
    path = tmp_path_factory.mktemp("tiny") / "leads.csv"
    export_leads(scenario, result.records[0], path)
    return path


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_tiny_export_keeps_base_values_and_says_so(
    tiny_export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cal.toml"
    code, stdout, err = run_cli(["calibrate", str(tiny_export), "--base", str(BASELINE),
                                 "--out", str(out), "--sim-reps", "2"], capsys)
    assert code == 0, err
    assert err == ""
    text = out.read_text(encoding="utf-8")
    assert load_scenario(out).name == "baseline-calibrated"
    values = [line for line in text.splitlines() if not line.startswith("#") and "=" in line]
    assert not any(re.search(r"\b(inf|nan)\b", line.split("#")[0]) for line in values)
    # Fields with too few rows: a comment line in their table, and a "kept:" line on screen.
    kept = [line for line in text.splitlines()
            if re.match(r"# \w+: kept from the base scenario \(", line)]
    assert kept
    assert "fewer than the 30 needed" in text
    assert stdout.count("kept: tiers.") == len(kept)
    assert "qualify decay not fitted" in stdout and "the base curve is kept" in stdout


@pytest.mark.parametrize(("days", "seed"), [(1, 0), (1, 3), (2, 3), (2, 5), (5, 0)])
def test_written_values_have_their_sample_or_a_warning(days: int, seed: int) -> None:
    scenario = load_scenario(BASELINE, [f"horizon.days={days}"])
    result = simulate(scenario, 1, seed, keep_records=True)
    assert result.records is not None
    frame = leads_frame(scenario, result.records[0])
    crm = read_crm(frame, timezone=scenario.horizon.timezone, tiers=list(scenario.tiers))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        cal = Calibrator(load_scenario(BASELINE), seed=0, sim_reps=2).fit(crm)
    rows = {(r.parameter, r.tier): r for r in cal.summary.itertuples()}
    for entry in cal.entries_:
        if not entry.active:
            assert "kept from the base scenario" in entry.comment
            continue
        if entry.table[0] == "tiers" and entry.key in ("opportunity_rate", "win_rate",
                                                       "base_contact"):
            assert rows[(entry.key, entry.table[1])].n >= MIN_RATE, entry
        match = _CI.search(entry.comment)
        if match is None or entry.key in ("hour", "weekday"):
            continue
        lo, hi = float(match.group(1)), float(match.group(2))
        weak = (hi - lo > 0.5) if entry.key in _PROBABILITIES else (lo <= 0 or hi / lo > 100)
        if weak:
            assert entry.comment.startswith("WARNING: weak estimate"), entry
            assert any(w.startswith(".".join((*entry.table, entry.key)))
                       for w in cal.warnings_)
    # Two closed deals never make a win rate of 0 or 1 in the overlay.
    for entry in cal.entries_:
        if entry.key == "win_rate" and entry.active:
            assert 0.0 < float(entry.value) < 1.0  # type: ignore[arg-type]


def test_decay_fit_needs_ten_events_each_way() -> None:
    rng = np.random.default_rng(0)
    age = rng.exponential(30.0, 200)
    assert fit_decay(age, np.arange(200) < 9, np.zeros(200, int), ["a"], "contact") is None
    assert fit_decay(age, np.arange(200) >= 9, np.zeros(200, int), ["a"], "contact") is None
    assert fit_decay(age, np.arange(200) < 10, np.zeros(200, int), ["a"], "contact") is not None


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_unidentified_curve_has_finite_clipped_intervals() -> None:
    # Every attempt at age ~0: the half-life cannot be told; its interval used to overflow.
    rng = np.random.default_rng(1)
    age = rng.uniform(0, 0.5, 60)
    fit = fit_decay(age, rng.random(60) < 0.5, np.zeros(60, int), ["a"], "contact")
    assert fit is not None
    for model in fit.fits:
        for row in (*model.params, *model.base):
            assert all(math.isfinite(v) or math.isnan(v)
                       for v in (row.estimate, row.ci_low, row.ci_high)), row
            if row.parameter in ("half_life_minutes", "scale_minutes") and row.has_ci:
                assert 0.01 - 1e-9 <= row.ci_low <= row.ci_high <= 1e6 + 1e-3


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_censored_lognormal_from_few_events_stays_finite() -> None:
    rng = np.random.default_rng(3)
    for _ in range(50):
        n = int(rng.integers(3, 12))
        times = np.exp(rng.normal(rng.uniform(-3, 8), rng.uniform(0.01, 5), n))
        fit = fit_censored_lognormal(times, rng.random(n) < 0.7)
        if fit is None:
            continue
        for est in (fit.median, fit.p90):
            assert not any(math.isinf(v) for v in (est.value, est.ci_low, est.ci_high))


@pytest.mark.parametrize(
    ("row", "scale", "weak"),
    [
        (Row("win_rate", "hot", 0.0, 0.0, 0.658, 2, ""), "probability", True),
        (Row("win_rate", "hot", 0.3, 0.2, 0.4, 80, ""), "probability", False),
        (Row("floor", "all", 3e-7, 3.4e-202, 1.0, 43, ""), "probability", True),
        (Row("half_life_minutes", "all", 12.9, 1.54, 109.0, 82, ""), "positive", False),
        (Row("half_life_minutes", "all", 12.9, 0.1, 1e4, 82, ""), "positive", True),
        (Row("monthly_volume", "hot", 0.0, 0.0, 110.0, 0, ""), "positive", True),
        (Row("deal_size.p90", "hot", 5.0, math.nan, math.nan, 3, ""), "positive", True),
    ],
)
def test_weak_interval(row: Row, scale: str, weak: bool) -> None:
    assert (weak_interval(row, scale) is not None) == weak  # type: ignore[arg-type]
