"""calibrate fits the leads' propensity spread from conversation outcomes (a call-level export
with conversation and outcome columns), and refuses columns or values it cannot read."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli

from slasim.crm.calibrate.propensityfit import fit_propensity, outcome_table
from slasim.crm.calibrate.queuefit import QueueCalibrator
from slasim.crm.io.calls import read_calls
from slasim.crm.io.calls_export import calls_frame
from slasim.engine.compile import prepare
from slasim.engine.replication import run_replication
from slasim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
TEXTBOOK = ROOT / "scenarios" / "textbook-mmn.toml"
# Flat qualify curve (preset none), 40 sellers for the follow-ups' extra load.
TRUTH = (
    "tiers.only.base_qualify=0.3", "tiers.only.disqualify_rate=0.05",
    "tiers.only.propensity_concentration=0.5", "cadence.max_conversations=6",
    "cadence.follow_up_days=0.02", "team.shifts[0].sellers=40",
)


def _export(overrides: tuple[str, ...], seed: int) -> tuple[pd.DataFrame, list[str]]:
    scenario = load_scenario(TEXTBOOK, overrides=overrides)
    rep = run_replication(prepare(scenario), np.random.SeedSequence(seed))
    return calls_frame(scenario, rep), list(scenario.tiers)


def test_the_model_recovers_its_spread_from_a_simulated_export() -> None:
    # One simulated month-equivalent (10 days, ~17,000 reached leads, ~8,000 with 2+
    # conversations), exported as `slasim run --export-calls` writes it and read back.
    # The 95 % profile-likelihood intervals must hold the true k = 0.5 and d = 0.05.
    # Repeatability: the seed is fixed, the result deterministic. Coverage: the interval's
    # coverage is 95 % asymptotically; on small data sets drawn straight from the model (1,500
    # leads each, 100 sets, seeds 1000..1039 and 5000..5059) it held k in 90 of 100 and d in
    # 40 of 40 (the sd of log k over the sets was 1.13 times the interval's implied standard
    # error: slightly narrow at that size; the how-to says so). This export has ~11x as many
    # leads, where the chi-square approximation is closer; a correct fit misses here with
    # probability ~5-10 %, which this fixed seed does not, while a wrong likelihood misses by
    # many widths (censoring ignored: the last block).
    frame, tiers = _export(TRUTH, 11)
    calls = read_calls(frame, "UTC", tiers)
    assert calls.summary.rows_used == len(frame)
    base = load_scenario(TEXTBOOK)
    cal = QueueCalibrator(base, as_of=pd.Timestamp("2026-01-16", tz="UTC")).fit(calls)
    (fit,) = cal.propensity_
    assert fit.followed > 5_000
    k, d = fit.kappa, fit.disqualify
    assert k.ci_low < 0.5 < k.ci_high and k.ci_high < 0.7, k
    assert d.ci_low < 0.05 < d.ci_high, d
    assert fit.m.ci_low < 0.3 < fit.m.ci_high, fit.m
    assert cal.max_conversations_ == 6
    # Ignoring the censoring (undecided leads dropped) biases k: the interval of that wrong
    # fit excludes the truth. This is what the censored likelihood is for.
    decided = fit.table.copy()
    decided[:, 2] = 0
    wrong = fit_propensity("only", decided)
    assert not wrong.kappa.ci_low < 0.5 < wrong.kappa.ci_high, wrong.kappa


def test_without_a_spread_the_fit_finds_none() -> None:
    frame, tiers = _export(tuple(t for t in TRUTH if "concentration" not in t), 12)
    cal = QueueCalibrator(load_scenario(TEXTBOOK),
                          as_of=pd.Timestamp("2026-01-16", tz="UTC")).fit(
        read_calls(frame, "UTC", tiers))
    (fit,) = cal.propensity_
    # "No spread" is k = inf: the interval reaches it (the data cannot exclude it) and its
    # lower end is far above the spread of the test above.
    assert math.isinf(fit.kappa.ci_high) and fit.kappa.ci_low > 5, fit.kappa


def test_calibrate_writes_the_spread_into_the_overlay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame, _ = _export(TRUTH, 11)
    export = tmp_path / "calls.csv"
    frame.to_csv(export, index=False)
    out = tmp_path / "calibrated.toml"
    code, stdout, err = run_cli(["calibrate", str(export), "--base", str(TEXTBOOK), "--out",
                                 str(out), "--as-of", "2026-01-16T00:00:00+00:00"], capsys)
    assert code == 0, err
    assert "propensity_concentration" in stdout
    scenario = load_scenario(out)
    tier = scenario.tiers["only"]
    assert tier.propensity_concentration is not None
    assert 0.35 < tier.propensity_concentration < 0.7
    assert 0.03 < tier.disqualify_rate < 0.07
    assert scenario.cadence.max_conversations == 6
    assert "propensity_concentration = " in out.read_text() and "95 % CI" in out.read_text()


def test_a_one_conversation_export_fits_no_spread() -> None:
    # Today's model: every reached lead decided at its first conversation; the export says
    # nothing about follow-ups, so nothing is fitted or written.
    frame, tiers = _export(("tiers.only.base_qualify=0.3",), 3)
    assert set(frame["conversation"]) == {"", "1"}
    cal = QueueCalibrator(load_scenario(TEXTBOOK),
                          as_of=pd.Timestamp("2026-01-16", tz="UTC")).fit(
        read_calls(frame, "UTC", tiers))
    assert cal.propensity_ == () and cal.max_conversations_ == 1
    assert any("every lead had one conversation" in n for n in cal.notes_)


def test_outcome_table_counts_leads_by_last_conversation() -> None:
    table = outcome_table([1, 1, 2, 3, 3], ["qualified", "undecided", "disqualified",
                                            "qualified", "qualified"])
    np.testing.assert_array_equal(table, [[1, 0, 1], [0, 1, 0], [2, 0, 0]])


# -- hostile input: exit 2 naming file, row, column, value and what was expected ---------------

_HEADER = "call_id,lead_id,created,answered,ended,abandoned,conversation,outcome\n"
_GOOD = [
    "1,L1,2026-01-05T09:00:00Z,2026-01-05T09:00:10Z,2026-01-05T09:03:00Z,no,1,undecided",
    "2,L1,2026-01-07T09:00:00Z,2026-01-07T09:00:10Z,2026-01-07T09:03:00Z,no,2,qualified",
    "3,L2,2026-01-05T10:00:00Z,,,yes,,",
]


@pytest.mark.parametrize(
    ("line", "column", "value", "expected"),
    [
        ("4,L3,2026-01-05T11:00:00Z,2026-01-05T11:00:05Z,2026-01-05T11:02:00Z,no,two,qualified",
         "conversation", "two", "a whole number from 1 to 1,000"),
        ("4,L3,2026-01-05T11:00:00Z,2026-01-05T11:00:05Z,2026-01-05T11:02:00Z,no,0,qualified",
         "conversation", "0", "a whole number from 1 to 1,000"),
        ("4,L3,2026-01-05T11:00:00Z,2026-01-05T11:00:05Z,2026-01-05T11:02:00Z,no,1.5,",
         "conversation", "1.5", "a whole number from 1 to 1,000"),
        ("4,L3,2026-01-05T11:00:00Z,2026-01-05T11:00:05Z,2026-01-05T11:02:00Z,no,1,maybe",
         "outcome", "maybe", "one of qualified, disqualified, undecided"),
        ("4,L3,2026-01-05T11:00:00Z,,,no,,qualified",
         "outcome", "qualified", "an empty outcome on a row without a conversation"),
        ("4,L3,2026-01-05T11:00:00Z,,,no,1,qualified",
         "conversation", "1", "a call that was not answered"),
    ],
)
def test_a_bad_conversation_cell_exits_2_naming_row_column_value_and_expected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, column: str, value: str,
    expected: str,
) -> None:
    export = tmp_path / "calls.csv"
    export.write_text(_HEADER + "\n".join([*_GOOD, line]) + "\n")
    code, _, err = run_cli(["calibrate", str(export)], capsys)
    assert code == 2
    assert str(export) in err and "row 5" in err and f"column {column!r}" in err
    assert f"got {value!r}" in err and expected in err
    assert "Traceback" not in err


def test_conversation_without_outcome_column_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "calls.csv"
    header = _HEADER.replace(",outcome", "")
    export.write_text(header + "\n".join(r.rsplit(",", 1)[0] for r in _GOOD) + "\n")
    code, _, err = run_cli(["calibrate", str(export)], capsys)
    assert code == 2
    assert str(export) in err and "column 'outcome'" in err and "is missing" in err
    assert "expected both conversation and outcome" in err


def test_a_spread_at_the_lower_edge_is_written_and_the_overlay_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The how-to's loop on the baseline: follow-up conversations on a decaying qualify curve,
    # which the flat-curve fit reads as spread. The cold tier's k came out at the search's
    # lower edge (~2e-9); rounded to four decimals it was 0.0, which no scenario accepts, and
    # calibrate exited 2 without writing the overlay.
    baseline = ROOT / "scenarios" / "baseline.toml"
    export = tmp_path / "calls.csv"
    code, _, err = run_cli(["run", str(baseline), "--set", "cadence.max_conversations=4",
                            "--reps", "1", "--export-calls", str(export)], capsys)
    assert code == 0, err
    out = tmp_path / "calibrated.toml"
    code, _, err = run_cli(["calibrate", str(export), "--base", str(baseline), "--out",
                            str(out)], capsys)
    assert code == 0, err
    tiers = load_scenario(out).tiers
    spreads = {name: tiers[name].propensity_concentration for name in ("hot", "warm", "cold")}
    assert all(k is not None and k > 0 for k in spreads.values()), spreads
    edge = [name for name, k in spreads.items() if k is not None and k < 1e-6]
    assert edge, spreads  # the case this test is for: a k that four decimals round to 0
    assert "cannot exclude all or nothing" in out.read_text()
