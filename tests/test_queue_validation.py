"""Calibrating a queue recovers it: the validation of issue 14 on a month with known truth.

``scenarios/contact-centre.toml`` is the truth: a dated roster with sick days and a part-timer,
lognormal talk and wrap-up, and lognormal patience (mean 5 min, cv 1.5: median 2.77 min).
One simulated month is exported call-level (``slasim run --export-calls``), and
``scenarios/contact-centre-base.toml`` (guesses: flat day, exponential 4-minute calls, no
wrap-up, forty agents all day, patient callers) is calibrated from it (``slasim calibrate``):
arrivals, talk, wrap-up, patience and the roster from the agent ids. The calibrated scenario,
simulated, must then reproduce the truth's queue: P(wait > 0), the mean and p90 wait of served
callers and the abandonment rate within 10 % relative, and the patience median must lie in the
calibration's 95 % interval.

Why 10 % is a fair bar, and one the test can miss: the calibrated queue differs from the truth
by (a) simulation noise, small here because both sides are simulated over ``REPS`` months with
the same seed (common random numbers; 8-month means alone vary by 1-3 %), and (b) what one
month of data says: its arrivals, talk times and hang-ups are a sample, and a centre run near
its capacity turns a 1 % error in load into several percent of wait. Measured over eight export
months (seeds 1, 11, ..., 71; 24 months simulated per side), the relative errors have mean
-1.0 % to +0.3 % (no bias: the slow test below checks it) and standard deviations 2.9 % (P(wait
> 0)), 3.4 % (mean wait), 4.7 % (p90 wait) and 5.0 % (abandonment): 10 % is 2-3.5 standard
deviations. One of the eight months (seed 11, a quiet peak) lands at -10.4 % on the p90 wait:
a month is a month. This test uses the first of them, seed 1, as it comes. A calibration that
kept any of the base's guesses is far off (the base alone has P(wait > 0) ten times smaller):
the control test checks that, so the 10 % band tells a calibrated queue from an uncalibrated
one.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from slasim.cli.main import main
from slasim.measure.experiment import simulate
from slasim.scenario.load import load_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
TRUTH = SCENARIOS / "contact-centre.toml"
BASE = SCENARIOS / "contact-centre-base.toml"
REPS = 24
EXPORT_SEED = 1
#: Export months of the slow no-bias test (the eight months of the measurement above).
MONTHS = (1, 11, 21, 31, 41, 51, 61, 71)
#: The truth's patience median: lognormal with mean 5 and cv 1.5 has median 5 / sqrt(1 + cv^2).
TRUE_PATIENCE_MEDIAN = 5.0 / math.sqrt(1.0 + 1.5**2)
QUEUE = (
    "wait_positive_share",
    "wait_served_minutes_mean",
    "wait_served_minutes_p90",
    "abandonment_rate",
)


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    """Export one month of the truth, calibrate the base from it: (overlay, estimates JSON)."""
    work = tmp_path_factory.mktemp("queue-validation")
    estimates = work / "est.json"
    _calibrate(work, EXPORT_SEED, estimates)
    return work / "calibrated.toml", json.loads(estimates.read_text(encoding="utf-8"))


def _calibrate(work: Path, month: int, estimates: Path | None = None) -> Path:
    """Simulate month ``month`` of the truth, export it call-level, calibrate the base."""
    calls, overlay = work / "calls.csv", work / "calibrated.toml"
    assert _cli(["run", str(TRUTH), "--reps", "1", "--seed", str(month), "--quiet",
                 "--export-calls", str(calls)]) == 0
    json_args = ["--json", str(estimates)] if estimates else []
    assert _cli(["calibrate", str(calls), "--base", str(BASE), "--out", str(overlay),
                 *json_args]) == 0
    return overlay


def _cli(argv: list[str]) -> int:
    return main(argv)


def _queue(path: Path, seed: int = 1) -> dict[str, float]:
    result = simulate(load_scenario(path), reps=REPS, seed=seed)
    return {m: float(result.metric(m).mean()) for m in QUEUE}


@pytest.fixture(scope="module")
def truth() -> dict[str, float]:
    return _queue(TRUTH)


def test_the_calibrated_queue_reproduces_the_truth(
    calibrated: tuple[Path, dict[str, object]], truth: dict[str, float],
) -> None:
    overlay, _ = calibrated
    again = _queue(overlay)
    for m in QUEUE:
        assert again[m] == pytest.approx(truth[m], rel=0.10), (m, again[m], truth[m])


def test_the_base_alone_does_not(truth: dict[str, float]) -> None:
    # The control: without calibration the queue is far off, so the 10 % band above can fail.
    base = _queue(BASE)
    assert base["wait_positive_share"] < 0.5 * truth["wait_positive_share"], (base, truth)
    assert base["abandonment_rate"] < 0.5 * truth["abandonment_rate"], (base, truth)


@pytest.mark.slow
def test_calibrating_from_one_month_has_no_bias(
    tmp_path: Path, truth: dict[str, float],
) -> None:
    # Over the eight export months the mean relative error of each metric must be within 4 %:
    # with standard deviations of 3-5 % per month (measured, see the module docstring) the
    # mean of eight has a standard error of 1-1.8 %, so 4 % is over 2 standard errors from 0,
    # while a biased calibration (e.g. ignoring censored waits, which halves the patience, or
    # a roster that drops idle hours) is off by 10 % or more on every month.
    errors: dict[str, list[float]] = {m: [] for m in QUEUE}
    for month in MONTHS:
        work = tmp_path / f"month-{month}"
        work.mkdir()
        again = _queue(_calibrate(work, month))
        for m in QUEUE:
            errors[m].append(again[m] / truth[m] - 1.0)
    for m in QUEUE:
        assert abs(sum(errors[m]) / len(MONTHS)) < 0.04, (m, errors[m])


def test_the_patience_median_is_recovered_within_its_interval(
    calibrated: tuple[Path, dict[str, object]],
) -> None:
    _, est = calibrated
    rows = {(r["parameter"], r["tier"]): r for r in est["summary"]}  # type: ignore[index, union-attr]
    median = rows[("patience.median", "all")]
    assert est["patience"]["family"] == "lognormal"  # type: ignore[index]
    assert median["ci_low"] <= TRUE_PATIENCE_MEDIAN <= median["ci_high"], median
    # Talk and wrap-up means: the truth (5 and 1 minutes) inside the 95 % intervals too.
    for name, true_mean in (("handling_conversation.mean", 5.0), ("wrapup_conversation.mean", 1.0)):
        row = rows[(name, "all")]
        assert row["ci_low"] <= true_mean <= row["ci_high"], row


def test_the_roster_comes_from_the_agent_ids(calibrated: tuple[Path, dict[str, object]]) -> None:
    overlay, _ = calibrated
    scenario = load_scenario(overlay)
    assert scenario.team.roster is not None
    roster = overlay.parent / scenario.team.roster
    lines = roster.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "seller,date,start,end"
    # As many agents and shifts as the true roster: each agent works one stretch a day.
    true_rows = (SCENARIOS / "contact-centre-roster.csv").read_text(encoding="utf-8").split()
    true_agents = {row.split(",")[0] for row in true_rows[1:]}
    assert len({line.split(",")[0] for line in lines[1:]}) == len(true_agents)
    assert len(lines) - 1 == len(true_rows) - 1
