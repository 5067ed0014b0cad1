"""`slasim run --export-calls`: one simulated period as a call-level CSV (one row per lead)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from slasim.cli.main import main
from slasim.crm.io.calls_export import CALL_COLUMNS, calls_frame
from slasim.crm.io.export import local_stamps
from slasim.engine.replication import Replication
from slasim.measure.experiment import simulate
from slasim.scenario.load import load_scenario
from slasim.scenario.schema import Scenario

# Patience (abandoned calls), wrap-up after both outcomes, a week in Stockholm time.
OVERRIDES = [
    "horizon.days=7",
    "routing.patience_minutes=120",
    'team.wrapup_conversation={dist="lognormal", mean_minutes=2, cv=0.8}',
    'team.wrapup_unanswered={dist="fixed", mean_minutes=0.5}',
]
BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"
STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d"


@pytest.fixture(scope="module")
def week() -> tuple[Scenario, Replication]:
    scenario = load_scenario(BASELINE, OVERRIDES)
    result = simulate(scenario, reps=1, seed=0, keep_records=True)
    assert result.records is not None
    return scenario, result.records[0]


def _minutes(column: pd.Series, t0: pd.Timestamp) -> np.ndarray:
    """Minutes since ``t0`` of ISO stamps with offsets; NaN for empty cells."""
    stamps = pd.to_datetime(column, utc=True, format="ISO8601")
    return ((stamps - t0).dt.total_seconds() / 60).to_numpy(dtype=float)


def test_cli_writes_one_row_per_lead_that_round_trips(
    baseline_path: Path, tmp_path: Path, week: tuple[Scenario, Replication]
) -> None:
    scenario, rep = week
    target = tmp_path / "calls.csv"
    sets = [arg for o in OVERRIDES for arg in ("--set", o)]
    code = main(["run", str(baseline_path), *sets, "--reps", "1", "--quiet",
                 "--export-calls", str(target)])
    assert code == 0
    frame = pd.read_csv(target, dtype=str, keep_default_na=False)
    rec = rep.leads
    # The header and every lead, in creation order.
    assert tuple(frame.columns) == CALL_COLUMNS
    assert len(frame) == len(rec) > 300
    assert (frame["call_id"].astype(int) == np.arange(len(rec))).all()
    assert list(frame["tier"]) == [rep.tier_names[t] for t in rec["tier"]]
    # Every time is local with its offset, to the second; empty where the record is NaN.
    for name in ("created", "answered", "ended", "wrapup_ended"):
        filled = frame[name] != ""
        assert frame[name][filled].str.fullmatch(STAMP).all(), name
    # Stockholm in that week: +01:00 or +02:00 only (whatever the DST date).
    assert set(frame["created"].str[-6:]) <= {"+01:00", "+02:00"}
    t0 = pd.Timestamp(scenario.business_calendar().to_local(0.0))
    served = ~np.isnan(rec["first_attempt"])
    abandoned = ~np.isnan(rec["abandoned"])
    # The case has all three kinds of rows: answered, abandoned, still waiting at the end.
    assert served.sum() > 100 and abandoned.sum() > 10
    assert (~served & ~abandoned).sum() > 0
    assert not (served & abandoned).any()
    # Round trip: every time comes back within the 1-second rounding (0.5 s plus float noise).
    tol = 0.51 / 60
    got = {name: _minutes(frame[name].replace("", None), t0)
           for name in ("created", "answered", "ended", "wrapup_ended")}
    np.testing.assert_allclose(got["created"], rec["created"], atol=tol)
    np.testing.assert_allclose(got["answered"], rec["first_attempt"], atol=tol)
    ended = np.where(abandoned, rec["abandoned"], rec["first_end"])
    np.testing.assert_allclose(got["ended"], ended, atol=tol)
    np.testing.assert_allclose(got["wrapup_ended"], rec["first_wrapup_end"], atol=tol)
    # assert_allclose passes NaN against NaN: the empty cells are exactly the NaN records.
    assert (np.isnan(got["answered"]) == ~served).all()
    assert (np.isnan(got["ended"]) == (~served & ~abandoned)).all()
    # Wrap-up follows the talk: 0.5 min after an unanswered first attempt, a lognormal one
    # (always > 0) after a conversation; times rounded to the second, hence the tolerance.
    wrap = got["wrapup_ended"] - got["ended"]
    reached = served & (rec["contacted"] == rec["first_attempt"])
    np.testing.assert_allclose(wrap[served & ~reached], 0.5, atol=2 * tol)
    assert wrap[reached].min() > -2 * tol and wrap[reached].mean() > 1
    # abandoned / agent agree with the records.
    assert ((frame["abandoned"] == "yes") == abandoned).all()
    assert set(frame["abandoned"]) == {"yes", "no"}
    agent = np.array([f"seller-{s + 1}" if s >= 0 else "" for s in rec["seller"]])
    assert (frame["agent"].to_numpy() == agent).all()
    assert ((frame["agent"] != "") == served).all()


def test_frame_refuses_a_replication_of_another_scenario(
    baseline_path: Path, week: tuple[Scenario, Replication]
) -> None:
    _, rep = week
    other = load_scenario(baseline_path.parent / "textbook-mmn.toml")
    with pytest.raises(ValueError, match="differ from the scenario"):
        calls_frame(other, rep)


@pytest.mark.parametrize(
    ("scenarios", "extra", "needle"),
    [
        (2, [], "needs a single scenario"),  # a comparison has no one period to export
        (1, ["--export-leads", "{out}"], "--export-leads writes too"),  # one file, two options
    ],
)
def test_export_calls_bad_combinations_exit_2(
    baseline_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    scenarios: int, extra: list[str], needle: str,
) -> None:
    out = tmp_path / "calls.csv"
    args = [a.format(out=out) for a in extra]
    code = main(["run", *[str(baseline_path)] * scenarios, "--reps", "1", "--quiet",
                 "--export-calls", str(out), *args])
    assert code == 2
    err = capsys.readouterr().err
    assert "--export-calls" in err and needle in err and "Traceback" not in err
    assert not out.exists()


def test_export_calls_never_overwrites_an_input(
    baseline_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text(baseline_path.read_text(encoding="utf-8"), encoding="utf-8")
    before = scenario.read_bytes()
    code = main(["run", str(scenario), "--reps", "1", "--quiet", "--export-calls", str(scenario)])
    assert code == 2
    err = capsys.readouterr().err
    assert "--export-calls" in err and "never overwrites its inputs" in err
    assert scenario.read_bytes() == before


def test_export_calls_into_a_missing_folder_exits_2(
    baseline_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "nope" / "calls.csv"
    code = main(["run", str(baseline_path), "--reps", "1", "--quiet",
                 "--export-calls", str(target)])
    assert code == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize(
    "tz", ["Europe/Stockholm", "UTC", "America/St_Johns", "Australia/Lord_Howe", "Asia/Kolkata"]
)
def test_local_stamps_equal_isoformat_across_dst(tz: str) -> None:
    # The vectorised stamps against pandas' own isoformat, value by value, over a year and a
    # bit (both DST changes; half-hour zones and a 30-minute DST shift), with NaN and values
    # on the half second (rounded like np.round: to even).
    start = pd.Timestamp("2026-03-01", tz=tz).to_pydatetime()
    rng = np.random.default_rng(14)
    minutes = rng.uniform(-100, 1440 * 400, 5000)
    minutes[::10] = np.nan
    minutes[1:5] = [0.0, 0.5 / 60, 1.5 / 60, 59.99999]
    got = local_stamps(minutes, start, tz)
    seconds = np.round(start.timestamp() + minutes * 60.0)
    ref = pd.to_datetime(pd.Series(seconds), unit="s", utc=True).dt.tz_convert(tz)
    want = ["" if pd.isna(s) else s.isoformat() for s in ref]
    assert got == want
    assert all(type(s) is str for s in got)
