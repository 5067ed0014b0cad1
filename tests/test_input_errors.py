"""User mistakes in ``check``, ``run --export-leads``, ``crm-check``, ``calibrate`` and
``track``: each ends in exit code 2 with a message naming the option or file, the bad value and
what was expected -- never an internal error (exit 1) or a silent exit 0.

Every case runs through :func:`slasim.cli.main.main`, the real entry point, so that argparse
errors, :class:`~slasim.errors.InputError` and internal errors are told apart exactly as a
user sees them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cli_helpers import run_cli as run

from slasim.crm.io.export import export_leads
from slasim.measure.experiment import simulate
from slasim.planning.check import check_scenario
from slasim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
#: 2026-04-04 is a Saturday: with the baseline's Mon-Fri 08-17 hours, one day has no
#: business hour at all.
WEEKEND = ["--set", "horizon.days=1", "--set", "horizon.start=2026-04-04"]
NO_SUCH_FOLDER = "/nonexistent-slasim-folder"




def assert_input_error(code: int, err: str, *pieces: str) -> None:
    """Exit 2, every piece in the message, and no traceback or internal error."""
    assert code == 2, err
    for piece in pieces:
        assert piece in err, f"{piece!r} not in {err!r}"
    assert "Traceback" not in err and "internal error" not in err


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A simulated April of the baseline as a CRM export (about 1,500 leads)."""
    scenario = load_scenario(BASELINE)
    rep = simulate(scenario, 1, seed=3, keep_records=True).records[0]  # type: ignore[index]
    path = tmp_path_factory.mktemp("input-errors") / "leads.csv"
    export_leads(scenario, rep, path)
    return path


@pytest.fixture
def all_bad(tmp_path: Path) -> Path:
    """An export whose three rows are all unusable (dates that are not dates)."""
    path = tmp_path / "bad.csv"
    path.write_text(
        "lead_id,created_at,tier\nA,yesterday,hot\nB,2026-13-01 10:00,warm\nC,,cold\n",
        encoding="utf-8",
    )
    return path


# -- 1. check / run: a horizon without business hours -----------------------------------------


def test_check_warns_when_the_horizon_has_no_business_hours(
    capsys: pytest.CaptureFixture[str],
) -> None:
    scenario = load_scenario(BASELINE, WEEKEND[1::2])
    result = check_scenario(scenario)
    assert result.warnings[0] == (
        "no business hours in the horizon (1 day from 2026-04-04): no first attempt can happen"
    )
    assert result.shifts["seller_hours_available"].sum() == 0
    code, out, err = run(["check", str(BASELINE), *WEEKEND], capsys)
    assert code == 0, err
    assert "no business hours in the horizon" in out
    # JSON has no inf: utilization (0 work hours over 0 available) is written as null.
    code, out, err = run(["check", str(BASELINE), *WEEKEND, "--json", "-"], capsys)
    assert code == 0, err
    assert json.loads(out[out.index("{"):])["utilization"] is None


def test_check_warns_when_no_seller_is_on_duty() -> None:
    # Business hours exist (Mon-Fri), but the only shift works Saturdays: the same outcome,
    # told with its real cause.
    scenario = load_scenario(
        BASELINE, ['team.shifts[0].weekdays=["sat"]', "horizon.days=3"]
    )
    warnings = check_scenario(scenario).warnings
    assert warnings[0].startswith("no seller is on duty in the horizon (3 days from 2026-04-01)")


def test_run_without_business_hours_does_not_crash(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["run", str(BASELINE), *WEEKEND, "--reps", "2", "--quiet"], capsys)
    assert code == 0, err
    # Every lead of the Saturday is still waiting at the end: none is attempted.
    assert "leads_waiting" in out and "internal error" not in err


# -- 8. check: a trace that run would refuse ---------------------------------------------------


def test_check_refuses_a_missing_trace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "traced.toml"
    scenario.write_text(
        f'extends = "{BASELINE.as_posix()}"\nname = "traced"\n[trace]\npath = "gone.csv"\n',
        encoding="utf-8",
    )
    code, _, err = run(["check", str(scenario)], capsys)
    assert_input_error(code, err, str(tmp_path / "gone.csv"), "cannot read the trace file",
                       "No such file or directory")


def test_check_refuses_a_trace_row_outside_the_horizon(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "trace.csv").write_text("created_at,tier\n2025-01-01T10:00,hot\n")
    scenario = tmp_path / "traced.toml"
    scenario.write_text(
        f'extends = "{BASELINE.as_posix()}"\nname = "traced"\n[trace]\npath = "trace.csv"\n',
        encoding="utf-8",
    )
    code, _, err = run(["check", str(scenario)], capsys)
    assert_input_error(code, err, "row 2, column 'created_at'", "'2025-01-01T10:00'",
                       "outside the horizon")


# -- 3. run --export-leads into a folder that does not exist -----------------------------------


def test_export_leads_names_the_real_reason(capsys: pytest.CaptureFixture[str]) -> None:
    target = f"{NO_SUCH_FOLDER}/x.csv"
    code, _, err = run(
        ["run", str(BASELINE), "--reps", "2", "--quiet", "--export-leads", target], capsys
    )
    # Refused up front (slasim.outputs.check_outputs), before the replications run.
    assert_input_error(code, err, f"error: {target}: --export-leads: cannot write the file (",
                       f"the folder '{NO_SUCH_FOLDER}' does not exist")
    assert "(None)" not in err


# -- 4.-7. crm-check options and an export without usable rows ---------------------------------


def test_crm_check_rejected_into_a_missing_folder(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = f"{NO_SUCH_FOLDER}/r.csv"
    code, out, err = run(["crm-check", str(export), "--rejected", target], capsys)
    assert_input_error(code, err, f"error: {target}: --rejected: cannot write the file",
                       f"the folder '{NO_SUCH_FOLDER}' does not exist")
    assert "(None)" not in err
    assert out == ""  # refused before the import report, not after it


def test_crm_check_max_listed_must_not_be_negative(
    all_bad: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["crm-check", str(all_bad), "--max-listed", "-1"], capsys)
    assert_input_error(code, err, "--max-listed: got -1; expected an integer >= 0")
    code, out, err = run(["crm-check", str(all_bad), "--max-listed", "0"], capsys)
    assert code == 0, err
    # 0 is allowed: no row listed, only the count.
    assert "row 2" not in out and "... and 3 more problems" in out


def test_crm_check_refuses_an_invalid_date_format(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["crm-check", str(export), "--date-format", "%Q"], capsys)
    assert_input_error(code, err, "error: <cli>: --date-format: got '%Q'",
                       "'Q' is a bad directive", "expected e.g. '%d/%m/%Y %H:%M'")
    assert "rejected" not in out  # no row was read with it
    code, _, err = run(["crm-check", str(export), "--date-format", "dd/mm/yyyy"], capsys)
    assert_input_error(code, err, "got 'dd/mm/yyyy'", "it has no % directive")


def test_crm_check_says_no_usable_rows_and_exits_0(
    all_bad: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["crm-check", str(all_bad)], capsys)
    assert code == 0, err  # crm-check is a report: a fully rejected export is its finding
    assert out.rstrip().endswith("no usable rows: all 3 rows rejected")


@pytest.mark.parametrize(
    ("command", "extra"),
    [("calibrate", []), ("track", ["--agreement", str(BASELINE)])],
)
def test_nothing_usable_to_calibrate_or_track_is_exit_2(
    command: str, extra: list[str], all_bad: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run([command, str(all_bad), *extra, "--quiet"] if command == "track"
                         else [command, str(all_bad), *extra], capsys)
    assert_input_error(code, err, f"error: {all_bad}: nothing to {command}: all 3 rows "
                                  "rejected; see the list above")
    assert f"{all_bad}: row 2, column 'created_at'" in out  # the list the message points to


# -- 2. track / calibrate --as-of before the first lead ----------------------------------------


@pytest.mark.parametrize(
    "command",
    [["track", "--agreement", str(BASELINE), "--quiet"], ["calibrate", "--base", str(BASELINE)]],
)
def test_as_of_before_the_first_lead(
    command: list[str], export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run([command[0], str(export), *command[1:], "--as-of", "2020-01-01"], capsys)
    # Naive --as-of is local time of the scenario (Stockholm, CET in January).
    assert_input_error(code, err, "error: <cli>: --as-of: got 2020-01-01T00:00:00+01:00, "
                                  f"before the first lead of {export} was created (2026-04-01T",
                       "expected the time the export was taken, at or after its first lead")


def test_calibrate_as_of_before_the_exports_latest_time(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # calibrate --as-of mid-month counted the leads created after it as seen (track sets them
    # aside as "after the export time"): an export cannot hold times after it was taken.
    code, _, err = run(["calibrate", str(export), "--base", str(BASELINE),
                        "--as-of", "2026-04-15T00:00+02:00"], capsys)
    assert_input_error(code, err, "error: <cli>: --as-of: got 2026-04-15T00:00:00+02:00, before "
                                  f"the latest time in {export} (2026-04-",
                       "expected the time the export was taken, at or after every time in it")


# -- 9. --set on track and calibrate -----------------------------------------------------------


def _hot_response(out: str) -> str:
    """The line of the hot tier's response term in the track summary."""
    (line,) = [ln for ln in out.splitlines() if re.search(r"\bhot\s+response\s+>=", ln)]
    return line


def test_track_applies_set_to_the_agreement(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["track", str(export), "--agreement", str(BASELINE), "--reps", "2", "--quiet"]
    code, plain, err = run(argv, capsys)
    assert code == 0, err
    code, changed, err = run([*argv, "--set", "sla.tiers.hot.response_target_minutes=60"],
                             capsys)
    assert code == 0, err
    # The hot tier's response term is the agreement's 5 minutes, or the --set 60 minutes.
    assert "within 5 business min" in _hot_response(plain)
    assert "within 60 business min" in _hot_response(changed)
    code, _, err = run([*argv, "--set", "sla.tiers.hot.nope=1"], capsys)
    assert_input_error(code, err, "error: --set: sla.tiers.hot.nope: unknown key 'nope'")


def test_calibrate_applies_set_to_the_base(
    export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "calibrated.toml"
    code, out, err = run(
        ["calibrate", str(export), "--base", str(BASELINE), "--sim-reps", "2",
         "--set", "horizon.timezone=UTC", "--out", str(out_file)], capsys,
    )
    assert code == 0, err
    # The base's time zone, changed by --set, is the one the export is read in.
    assert "(UTC)" in next(ln for ln in out.splitlines() if ln.startswith("created_at from"))
    text = out_file.read_text(encoding="utf-8")
    assert text.startswith("# calibrated with --set horizon.timezone=UTC; these values are not "
                           "in this file")
    assert load_scenario(out_file).horizon.timezone == "Europe/Stockholm"
    assert load_scenario(out_file, ["horizon.timezone=UTC"]).horizon.timezone == "UTC"


def test_set_without_a_scenario_is_refused(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["crm-check", str(export), "--set", "horizon.days=3"], capsys)
    assert_input_error(code, err, "error: <cli>: --set: got 'horizon.days=3' but no --base")


def test_check_warns_when_erlang_c_already_misses_a_response_target() -> None:
    # Baseline: 6 scheduled x (1 - 0.25 shrinkage) = 4 working sellers give 81 % of hot leads a
    # first attempt within 5 minutes in the steady state; the SLA promises 90 %.
    warnings = check_scenario(load_scenario(BASELINE)).warnings
    hot = [w for w in warnings if "tier 'hot'" in w]
    assert len(hot) == 1 and "below the promised 90%" in hot[0] and "4 sellers working" in hot[0]
    # The fast-response option (8 sellers incl. a stretch shift) clears it.
    fast = load_scenario(BASELINE.parent / "option-fast-response.toml")
    assert not [w for w in check_scenario(fast).warnings if "Erlang C gives" in w]


def test_a_time_zone_folder_is_refused_not_an_internal_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 'Europe' is a folder of tzdata: ZoneInfo raised IsADirectoryError (exit 1, "a bug").
    code, _, err = run(["check", str(BASELINE), "--set", 'horizon.timezone="Europe"'], capsys)
    assert_input_error(code, err, "--set", "horizon.timezone", "'Europe'", "IANA time zone")


def test_an_integer_beyond_pythons_digit_limit_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # tomllib raises ValueError (not TOMLDecodeError) past 4,300 digits: it was exit 1.
    big = "9" * 5000
    code, _, err = run(["check", str(BASELINE), "--set", f"tiers.hot.monthly_volume={big}"],
                       capsys)
    assert_input_error(code, err, "--set", "tiers.hot.monthly_volume", "5,000 characters")
    scenario = tmp_path / "big.toml"
    scenario.write_text(f'extends = "{BASELINE.as_posix()}"\n[tiers.hot]\nmonthly_volume = {big}\n',
                        encoding="utf-8")
    code, _, err = run(["check", str(scenario)], capsys)
    assert_input_error(code, err, str(scenario), "4300 digits")
    # A grid axis says the same, without "expected a path into the scenario" (the path is one).
    code, _, err = run(["sweep", str(BASELINE), "--grid", f"team.shifts[0].sellers={big}",
                        "--reps", "2", "--out", str(tmp_path / "sweep")], capsys)
    assert_input_error(code, err, "--grid", "team.shifts[0].sellers", "5,000 characters")
    assert "path into the scenario" not in err and not (tmp_path / "sweep").exists()


def test_init_into_a_read_only_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # It was exit 1 ("a bug in slasim") from the temporary file. Root writes anywhere, so the
    # check is shown a read-only folder.
    import slasim.scenario.starters

    locked = tmp_path / "locked"
    locked.mkdir()
    real = slasim.scenario.starters.os.access
    monkeypatch.setattr(slasim.scenario.starters.os, "access",
                        lambda p, mode: False if Path(p) == locked else real(p, mode))
    code, _, err = run(["init", str(locked / "x.toml"), "--no-input"], capsys)
    assert_input_error(code, err, f"cannot write into the folder '{locked}'")
    assert list(locked.iterdir()) == []
