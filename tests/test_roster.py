"""team.roster: a roster CSV that encodes the weekly shifts reproduces them exactly; a sick day,
a worked holiday and dates outside the horizon change exactly what they should; bad files
stop with exit 2 and a message naming file, line, column and value."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_cli

from slasim.engine.compile import prepare
from slasim.engine.replication import Replication, run_replication
from slasim.engine.staff import staffing
from slasim.errors import InputError
from slasim.measure.metrics import MetricContext
from slasim.model.roster import read_roster
from slasim.optimizer.space import build_space
from slasim.planning.check import check_scenario
from slasim.planning.staffing import staffing_answers
from slasim.scenario.load import load_scenario
from slasim.scenario.schema import Scenario, Shift

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _two_shifts(shrinkage: float) -> Scenario:
    """Baseline (April 2026, Swedish holidays) with a second, later shift: 6 + 2 sellers."""
    base = load_scenario(BASELINE)
    late = Shift(name="late", weekdays=["mon", "tue", "wed", "thu"], start="12:00",
                 end="20:00", sellers=2)
    team = base.team.model_copy(
        update={"shifts": [*base.team.shifts, late], "shrinkage": shrinkage}
    )
    horizon = base.horizon.model_copy(update={"days": 14})  # includes Good Friday, Easter Monday
    return base.model_copy(update={"team": team, "horizon": horizon})


def _with_roster(scenario: Scenario, path: Path, **team: object) -> Scenario:
    return scenario.model_copy(
        update={"team": scenario.team.model_copy(update={"roster": str(path), **team})}
    )


def _per_seller_rows(scenario: Scenario) -> list[tuple[str, str, date, str, str]]:
    """(seller, shift, date, start, end) of every shift worked in the horizon, shift by shift."""
    cal = scenario.business_calendar()
    rows = []
    for shift in scenario.team.shifts:
        for k in range(shift.sellers):
            for i in range(scenario.horizon.days):
                d = scenario.horizon.start + timedelta(days=i)
                if WEEKDAYS[d.weekday()] in shift.weekdays and d not in cal.holidays:
                    rows.append((f"{shift.name}-{k}", shift.name, d, shift.start, shift.end))
    return rows


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _run(scenario: Scenario, seed: int = 11) -> Replication:
    return run_replication(prepare(scenario), np.random.SeedSequence(seed))


def _same(a: Scenario, b: Scenario) -> None:
    ra, rb = _run(a), _run(b)
    # Identical records, byte for byte: same sellers, same order, same random streams.
    assert ra.leads.tobytes() == rb.leads.tobytes()
    assert ra.sellers.tobytes() == rb.sellers.tobytes()


@pytest.mark.parametrize("shrinkage", [0.0, 0.25])
def test_weekday_counts_roster_reproduces_the_weekly_shifts(
    tmp_path: Path, shrinkage: float
) -> None:
    weekly = _two_shifts(shrinkage)
    lines = ["weekday,start,end,sellers"]
    for shift in weekly.team.shifts:
        lines += [f"{d},{shift.start},{shift.end},{shift.sellers}" for d in shift.weekdays]
    roster = _with_roster(weekly, _write(tmp_path / "r.csv", lines), shifts=[])
    _same(weekly, roster)
    assert staffing(roster).group_names == ("08:00-17:00", "12:00-20:00")


@pytest.mark.parametrize("shrinkage", [0.0, 0.25])
def test_per_seller_roster_reproduces_the_weekly_shifts(tmp_path: Path, shrinkage: float) -> None:
    weekly = _two_shifts(shrinkage)
    # Shuffled rows and a shift column: sellers keep their order of first appearance within
    # their shift, so dispatch order and shrinkage streams are those of the weekly shifts.
    rows = _per_seller_rows(weekly)
    order = np.random.default_rng(3).permutation(len(rows))
    firsts = {r[0]: r for r in rows}  # each seller's first row stays ahead of its others
    body = list(firsts.values()) + [rows[i] for i in order if rows[i] not in firsts.values()]
    lines = ["shift,seller,date,start,end"] + [f"{h},{s},{d},{a},{b}" for s, h, d, a, b in body]
    roster = _with_roster(weekly, _write(tmp_path / "p.csv", lines))
    _same(weekly, roster)
    assert MetricContext.from_scenario(roster).seller_cost == pytest.approx(
        MetricContext.from_scenario(weekly).seller_cost, rel=1e-12
    )


def test_sick_day_and_worked_holiday_change_only_that_day(tmp_path: Path) -> None:
    weekly = _two_shifts(0.0)
    rows = _per_seller_rows(weekly)
    sick = date(2026, 4, 8)
    holiday = date(2026, 4, 6)  # Easter Monday: a roster is explicit, it wins over holidays
    assert holiday in weekly.business_calendar().holidays
    kept = [r for r in rows if not (r[0] == "office-2" and r[2] == sick)]
    assert len(kept) == len(rows) - 1
    worked = [*kept, ("office-0", "office", holiday, "08:00", "17:00")]
    lines = ["seller,shift,date,start,end"] + [f"{s},{h},{d},{a},{b}" for s, h, d, a, b in worked]
    roster = _with_roster(weekly, _write(tmp_path / "sick.csv", lines))
    ra, rb = _run(weekly), _run(roster)
    delta = rb.sellers["available_minutes"] - ra.sellers["available_minutes"]
    # office-0 works 540 more minutes (the holiday), office-2 540 fewer (the sick day).
    assert delta.tolist() == [540.0, 0.0, -540.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    # Nothing differs before the holiday morning: every lead first attempted before then is
    # attempted at the same minute, and arrivals are the same.
    t0 = weekly.business_calendar().local_minute(holiday, 8 * 60)
    assert np.array_equal(ra.leads["created"], rb.leads["created"])
    before = ra.leads["first_attempt"] < t0
    assert before.sum() > 50
    assert np.array_equal(ra.leads["first_attempt"][before], rb.leads["first_attempt"][before])
    assert not np.array_equal(ra.leads["first_attempt"], rb.leads["first_attempt"])
    # check's capacity is the simulated available time.
    check = check_scenario(roster)
    assert check.shifts["seller_hours_available"].sum() * 60 == pytest.approx(
        rb.sellers["available_minutes"].sum(), rel=1e-12
    )


def test_dated_counts_and_rows_outside_the_horizon_are_reported(tmp_path: Path) -> None:
    weekly = _two_shifts(0.0)
    cal = weekly.business_calendar()
    lines = ["date,start,end,sellers"]
    for i in range(weekly.horizon.days):
        d = weekly.horizon.start + timedelta(days=i)
        if d.weekday() < 5 and d not in cal.holidays:
            lines.append(f"{d},08:00,17:00,6")
    # Before and after the horizon, and far outside anything a time zone converts.
    lines += ["2026-03-31,08:00,17:00,6", "2026-05-04,08:00,17:00,6", "0001-01-01,08:00,09:00,1"]
    only_office = weekly.model_copy(
        update={"team": weekly.team.model_copy(update={"shifts": weekly.team.shifts[:1]})}
    )
    roster = _with_roster(only_office, _write(tmp_path / "d.csv", lines), shifts=[])
    _same(only_office, roster)
    staff = staffing(roster)
    n = len(lines)
    assert staff.outside_lines == (n - 2, n - 1, n)
    said = check_scenario(roster).roster
    assert f"3 row(s) (line {n - 2}, {n - 1}, {n}) lie outside the horizon" in said


def test_head_count_is_the_peak_of_each_shift(tmp_path: Path) -> None:
    scenario = _two_shifts(0.0)
    lines = ["date,start,end,sellers", "2026-04-01,08:00,17:00,3", "2026-04-02,08:00,17:00,5",
             "2026-04-01,12:00,20:00,2"]
    roster = _with_roster(scenario, _write(tmp_path / "c.csv", lines), shifts=[])
    staff = staffing(roster)
    assert staff.group_sellers == (5, 2)
    assert staff.head_count == 7
    months = scenario.horizon.months
    assert MetricContext.from_scenario(roster).seller_cost == pytest.approx(
        7 * scenario.team.cost_per_seller_month * months
    )
    # Ranks 3 and 4 of the first shift work only 2026-04-02; ranks 0-2 both days.
    days = [len(d) for d in staff.seller_days]
    assert days == [2, 2, 2, 1, 1, 1, 1]


def test_optimize_refuses_a_roster(tmp_path: Path) -> None:
    roster = _with_roster(
        _two_shifts(0.0), _write(tmp_path / "o.csv", ["weekday,start,end,sellers",
                                                       "mon,08:00,17:00,1"])
    )
    with pytest.raises(InputError, match=r"team\.roster.*cannot vary a roster"):
        build_space(roster)


# -- hostile files through the CLI ---------------------------------------------------------


def _scenario_file(tmp_path: Path, roster_text: str | bytes) -> Path:
    roster = tmp_path / "roster.csv"
    if isinstance(roster_text, bytes):
        roster.write_bytes(roster_text)
    else:
        roster.write_text(roster_text, encoding="utf-8")
    path = tmp_path / "scenario.toml"
    # The roster is named relative to this file, wherever the command runs from.
    path.write_text(
        f'extends = "{BASELINE.as_posix()}"\nname = "roster"\n[horizon]\ndays = 7\n'
        '[team]\nroster = "roster.csv"\n',
        encoding="utf-8",
    )
    return path


BAD = [
    ("bad-date", "seller,date,start,end\nann,2026-02-30,08:00,17:00\n",
     ["line 2, column 'date'", "'2026-02-30'", "YYYY-MM-DD"]),
    ("end-before-start", "seller,date,start,end\nann,2026-04-01,17:00,08:00\n",
     ["line 2, column 'end'", "'08:00'", "after start(='17:00')", "split an overnight"]),
    ("negative-sellers", "date,start,end,sellers\n2026-04-01,08:00,17:00,3\n"
     "2026-04-02,08:00,17:00,-1\n", ["line 3, column 'sellers'", "'-1'", "whole number"]),
    ("unknown-weekday", "weekday,start,end,sellers\nmon,08:00,17:00,2\nfunday,08:00,17:00,2\n",
     ["line 3, column 'weekday'", "'funday'", "mon, tue, wed"]),
    ("bad-time", "weekday,start,end,sellers\nmon,8am,17:00,2\n",
     ["line 2, column 'start'", "'8am'", "HH:MM"]),
    ("missing-column", "seller,date,start\nann,2026-04-01,08:00\n",
     ["line 1, column 'end'", "is missing", "seller, date, start, end"]),
    ("unknown-column", "seller,date,start,end,room\nann,2026-04-01,08:00,17:00,3\n",
     ["line 1, column 'room'", "not a roster column"]),
    ("no-layout", "who,when\nann,2026-04-01\n", ["line 1", "seller,date,start,end"]),
    ("both-date-and-weekday", "date,weekday,start,end,sellers\n2026-04-01,wed,08:00,17:00,1\n",
     ["line 1", "both 'date' and 'weekday'"]),
    ("short-row", "seller,date,start,end\nann,2026-04-01,08:00\n",
     ["line 2", "has 3 fields", "expected 4"]),
    ("overlap", "seller,date,start,end\nann,2026-04-01,08:00,17:00\nbo,2026-04-01,08:00,17:00\n"
     "ann,2026-04-01,16:00,20:00\n",
     ["line 4", "seller 'ann' is on duty twice on 2026-04-01", "overlaps 08:00-17:00 on line 2"]),
    ("duplicate-count", "date,start,end,sellers\n2026-04-01,08:00,17:00,3\n"
     "2026-04-01,08:00,17:00,2\n", ["line 3", "shift '08:00-17:00' is on duty twice"]),
    ("empty-seller", "seller,date,start,end\n ,2026-04-01,08:00,17:00\n",
     ["line 2, column 'seller'", "seller id"]),
    ("header-only", "seller,date,start,end\n", ["has a header but no rows"]),
    ("not-utf8", b"seller,date,start,end\n\xe5sa,2026-04-01,08:00,17:00\n", ["not UTF-8"]),
    # 5,000 digits: int() refused them (Python's 4,300-digit limit), an internal error (exit 1);
    # the value is shown shortened, the message stays one readable line
    ("huge-sellers", f"weekday,start,end,sellers\nmon,08:00,17:00,{'9' * 5000}\n",
     ["line 2, column 'sellers'", "'99999999999999999999'...'99999999999999999999' (5,000 "
      "characters)", "whole number of sellers from 0 to 10,000"]),
    ("huge-sellers-leading-zeros", f"weekday,start,end,sellers\nmon,08:00,17:00,{'0' * 5000}1"
     f"{'0' * 5}\n", ["line 2, column 'sellers'", "(5,006 characters)", "whole number"]),
    ("huge-date", f"seller,date,start,end\nann,{'2' * 5000},08:00,17:00\n",
     ["line 2, column 'date'", "(5,000 characters)", "YYYY-MM-DD"]),
    ("huge-extra-field", f"seller,date,start,end\nann,2026-04-01,08:00,17:00,{'9' * 5000}\n",
     ["line 2", "has 5 fields", "(5,000 characters)]", "expected 4"]),
    # the header printed whole in these messages (a header of megabytes, one line of it)
    ("huge-header-missing", f"seller,date,start,{'x' * 5000}\nann,2026-04-01,08:00,17:00\n",
     ["line 1", "(5,000 characters)"]),
    ("huge-header-no-layout", f"{'y' * 5000},start,end\nmon,08:00,17:00\n",
     ["line 1", "(5,000 characters)"]),
    ("many-columns-missing", "seller,date,start," + ",".join(f"c{i}" for i in range(3000))
     + "\n", ["line 1", "(3,003 in all)"]),
]


@pytest.mark.parametrize(("case", "text", "fragments"), BAD, ids=[c[0] for c in BAD])
@pytest.mark.parametrize("command", ["check", "run"])
def test_bad_roster_exits_2_naming_file_line_column_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, case: str,
    text: str | bytes, fragments: list[str],
) -> None:
    path = _scenario_file(tmp_path, text)
    argv = [command, str(path)] + (["--reps", "1", "--quiet"] if command == "run" else [])
    code, _, err = run_cli(argv, capsys)
    assert code == 2, err
    assert "Traceback" not in err
    assert str(tmp_path / "roster.csv") in err
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not in:\n{err}"
    assert len(err.strip().splitlines()) == 1 and len(err) < 500, err


def test_bom_crlf_and_blank_lines_are_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "\ufeffSeller , Date,Start,End\r\n\r\nann,2026-04-01,08:00,17:00\r\n,,,\r\n" \
           "bo,2026-04-01,09:00,24:00\r\n\r\n"
    path = _scenario_file(tmp_path, text)
    code, _, err = run_cli(["check", str(path)], capsys)
    assert code == 0, err
    staff = staffing(load_scenario(path))
    assert [len(d) for d in staff.seller_days] == [1, 1]
    assert float(staff.seller_days[1][0, 1] - staff.seller_days[1][0, 0]) == 15 * 60


def test_plan_skips_the_fewest_sellers_search_for_a_roster(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _scenario_file(tmp_path, "weekday,start,end,sellers\nmon,08:00,17:00,2\n"
                                    "tue,08:00,17:00,3\n")
    assert staffing_answers(load_scenario(path)) == []
    code, out, err = run_cli(["plan", str(path), "--reps", "2", "--quiet"], capsys)
    assert code == 0, err
    assert "Staffed from a roster (team.roster): the fewest-sellers search" in out
    assert "Fewest sellers" not in out
    code, out, err = run_cli(["check", str(path), "--no-simulate"], capsys)
    assert code == 0, err
    assert f"roster {tmp_path / 'roster.csv'}: 3 sellers in 1 shift(s) (08:00-17:00)" in out


def test_weekly_roster_with_warm_up_reproduces_the_weekly_shifts(tmp_path: Path) -> None:
    weekly = _two_shifts(0.25)
    weekly = weekly.model_copy(
        update={"horizon": weekly.horizon.model_copy(update={"warmup_days": 3})}
    )
    lines = ["weekday,start,end,sellers"]
    for shift in weekly.team.shifts:
        lines += [f"{d},{shift.start},{shift.end},{shift.sellers}" for d in shift.weekdays]
    _same(weekly, _with_roster(weekly, _write(tmp_path / "w.csv", lines), shifts=[]))
    # A dated row in the warm-up days is worked then (not outside); one before them is outside.
    dated = _with_roster(weekly, _write(tmp_path / "dw.csv", [
        "date,start,end,sellers", "2026-03-29,08:00,17:00,1", "2026-03-27,08:00,17:00,1",
        "2026-04-01,08:00,17:00,2"]), shifts=[])
    assert staffing(dated, warmup=True).outside_lines == (3,)
    assert "1 row(s) (line 3) lie outside the warm-up and horizon (2026-03-29 + 17 days)" in (
        check_scenario(dated).roster
    )
    available = _run(dated).sellers["available_minutes"]
    assert available.tolist() == [405.0, 405.0]  # 540 horizon minutes less 25 % shrinkage


@pytest.mark.parametrize("command", ["check", "run"])
def test_roster_without_a_row_in_the_horizon_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    # A roster of another year: check crashed (exit 1), run simulated a month with no seller.
    rows = (ROOT / "scenarios" / "roster-april.csv").read_text(encoding="utf-8")
    path = _write(tmp_path / "r2025.csv", rows.replace("2026-", "2025-").splitlines())
    extra = ["--reps", "2", "--quiet"] if command == "run" else []
    code, _, err = run_cli([command, str(BASELINE), "--set", f"team.roster={path}", *extra],
                           capsys)
    assert code == 2, err
    assert (f"{path}: has no working time inside the simulated run (2026-04-01 to 2026-04-30); "
            "its rows run from 2025-04-01 to 2025-") in err


def test_a_count_with_thousands_of_leading_zeros_is_still_the_count(tmp_path: Path) -> None:
    # int() counts leading zeros towards Python's 4,300-digit limit (an internal error).
    path = tmp_path / "zeros.csv"
    path.write_text(f"weekday,start,end,sellers\nmon,08:00,17:00,{'0' * 5000}7\n",
                    encoding="utf-8")
    assert [row.sellers for row in read_roster(path).rows] == [7]
