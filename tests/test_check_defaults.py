"""check names the defaults a scenario fell back on silently, and names shifts by their keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import run_cli

from slasim.planning.check import check_scenario
from slasim.scenario.load import load_scenario

MINIMAL = """name = "minimal"
[horizon]
start = 2026-04-01
days = 30
timezone = "Europe/Stockholm"
[calendar]
hours = { mon = ["08:00-17:00"], tue = ["08:00-17:00"], wed = ["08:00-17:00"], thu = ["08:00-17:00"], fri = ["08:00-17:00"] }
[tiers.hot]
monthly_volume = 600
base_contact = 0.6
base_qualify = 0.3
opportunity_rate = 0.5
win_rate = 0.3
deal_size = { median = 50000, p90 = 150000 }
sales_cycle_days = { median = 30, p90 = 60 }
[team]
handling_unanswered = { dist = "fixed", mean_minutes = 3 }
handling_conversation = { dist = "fixed", mean_minutes = 15 }
[[team.shifts]]
weekdays = ["mon", "tue", "wed", "thu", "fri"]
start = "08:00"
end = "17:00"
sellers = 4
[sla.tiers.hot]
quota = 550
response_target_minutes = 60
"""


@pytest.fixture
def minimal(tmp_path: Path) -> Path:
    path = tmp_path / "minimal.toml"
    path.write_text(MINIMAL)
    return path


def test_a_minimal_scenario_hears_about_every_silent_default(minimal: Path) -> None:
    notes = check_scenario(load_scenario(minimal)).notes
    joined = "\n".join(notes)
    assert len(notes) == 4, notes
    assert "tiers.hot.profile is not set" in joined and "arrive while nobody is on duty" in joined
    assert "team.cost_per_seller_month is 0" in joined
    assert "[decay] is not set" in joined and "'lrm2007'" in joined
    assert "no [optimize] table" in joined


def test_choosing_each_default_silences_its_note(minimal: Path) -> None:
    chosen = load_scenario(minimal, [
        "tiers.hot.profile.hour=[0,0,0,0,0,0,0,1,1,1,1,1,1,1,1,1,1,0,0,0,0,0,0,0]",
        "team.cost_per_seller_month=60000", 'decay.preset="hbr2011"',
        "optimize.sellers.shift0=[2, 6]",
    ])
    assert check_scenario(chosen).notes == []


def test_the_reference_scenario_has_no_silent_default() -> None:
    root = Path(__file__).resolve().parent.parent / "scenarios"
    assert check_scenario(load_scenario(root / "baseline.toml")).notes == []


def test_check_names_shifts_by_the_keys_users_type(
    minimal: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(["check", str(minimal), "--no-simulate"], capsys)
    assert code == 0
    assert "shift0" in out and "shift 0" not in out
    assert "Defaults you did not choose" in out
    # The same key works where users type it: the optimizer's bounds.
    assert load_scenario(minimal, ["optimize.sellers.shift0=[2, 6]"]).optimize is not None


def test_optimize_without_a_table_says_so(minimal: Path) -> None:
    from slasim.optimizer import optimize

    r = optimize(load_scenario(minimal, ["team.cost_per_seller_month=60000"]), seed=0,
                 verify_reps=30, rounds=(10,), staffing=False)
    assert "no [optimize] table" in r.message


def test_an_initialised_scenario_has_no_silent_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "team.toml"
    code, _, err = run_cli(["init", str(path), "--sellers", "4", "--leads-per-month", "600"],
                           capsys)
    assert code == 0, err
    assert check_scenario(load_scenario(path)).notes == []
