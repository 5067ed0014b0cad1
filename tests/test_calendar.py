"""Tests for slasim.model.calendar: business hours, holidays, DST and wall <-> business minutes."""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slasim.model.calendar import (
    WEEKDAYS,
    BusinessCalendar,
    parse_hhmm,
    parse_weekday,
)
from slasim.model.holidays import _swedish_de_facto as swedish_de_facto
from slasim.model.holidays import public_holidays

DAY = 1440.0
STHLM = "Europe/Stockholm"
MON_FRI_8_17 = {d: [(480, 1020)] for d in range(5)}
# 2026-03-02 is a Monday; no DST change until 2026-03-29.
PLAIN_MONDAY = date(2026, 3, 2)


def plain(days: int = 14, holidays: tuple[date, ...] = ()) -> BusinessCalendar:
    return BusinessCalendar(PLAIN_MONDAY, days, STHLM, MON_FRI_8_17, holidays)


# ---------------------------------------------------------------------------------- parsing
@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("00:00", 0),
        ("08:30", 510),
        ("8:30", 510),
        ("17:05", 1025),
        ("23:59", 1439),
        ("24:00", 1440),
    ],
)
def test_parse_hhmm_valid(text: str, minutes: int) -> None:
    # Opening hours and shifts are written as HH:MM in scenarios; 24:00 closes at midnight.
    assert parse_hhmm(text) == minutes


@pytest.mark.parametrize("text", ["25:00", "24:01", "12:60", "8.30", "", "0830", "-1:00", "٠٨:٣٠"])
def test_parse_hhmm_invalid_names_value(text: str) -> None:
    # A user typo must come back with the bad value and the expected format.
    with pytest.raises(ValueError, match="expected HH:MM") as err:
        parse_hhmm(text)
    assert repr(text) in str(err.value)


def test_parse_weekday() -> None:
    # Scenario files name weekdays; both short and long forms map to Python's 0=Mon numbering.
    assert [parse_weekday(w) for w in WEEKDAYS] == list(range(7))
    assert parse_weekday("Sunday") == 6
    with pytest.raises(ValueError, match="'fri day'"):
        parse_weekday("fri day")


# --------------------------------------------------------------------------------- holidays
SE_2026_PUBLIC = [
    date(2026, 1, 1),  # New Year's Day
    date(2026, 1, 6),  # Epiphany
    date(2026, 4, 3),  # Good Friday
    date(2026, 4, 5),  # Easter Sunday
    date(2026, 4, 6),  # Easter Monday
    date(2026, 5, 1),  # May Day
    date(2026, 5, 14),  # Ascension Day
    date(2026, 5, 24),  # Whit Sunday
    date(2026, 6, 6),  # National Day
    date(2026, 6, 20),  # Midsummer Day
    date(2026, 10, 31),  # All Saints' Day
    date(2026, 12, 25),  # Christmas Day
    date(2026, 12, 26),  # Boxing Day
]
SE_2026_DE_FACTO = [date(2026, 6, 19), date(2026, 12, 24), date(2026, 12, 31)]


def test_swedish_holidays_2026() -> None:
    # Official list, and the three eves that the Annual Leave Act treats as Sundays; ordinary
    # Sundays (which the package can count as holidays) must not appear.
    got = public_holidays("SE", date(2026, 1, 1), 365)
    assert got == sorted(SE_2026_PUBLIC + SE_2026_DE_FACTO)
    assert public_holidays("se", date(2026, 1, 1), 365, include_de_facto=False) == SE_2026_PUBLIC
    assert date(2026, 1, 4) not in got  # an ordinary Sunday


def test_public_holidays_window_crosses_year() -> None:
    # A horizon over New Year needs both years' holidays, and only those inside the window.
    got = public_holidays("SE", date(2026, 12, 20), 18)  # up to and including 2027-01-06
    assert got == [
        date(2026, 12, 24),
        date(2026, 12, 25),
        date(2026, 12, 26),
        date(2026, 12, 31),
        date(2027, 1, 1),
        date(2027, 1, 6),
    ]
    assert date(2027, 1, 6) not in public_holidays("SE", date(2026, 12, 20), 17)


def test_swedish_de_facto_fallback_matches_package() -> None:
    # The hand-written fallback (for package versions without the category) must agree with
    # the package's de-facto list, e.g. Midsummer Eve is the Friday in 19-25 June.
    for year in range(2000, 2041):
        days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
        with_de_facto = set(public_holidays("SE", date(year, 1, 1), days))
        without = set(public_holidays("SE", date(year, 1, 1), days, include_de_facto=False))
        assert with_de_facto - without == set(swedish_de_facto(year)), year
    assert swedish_de_facto(2025)[0] == date(2025, 6, 20)
    assert swedish_de_facto(2027)[0] == date(2027, 6, 25)


def test_unknown_country_names_it() -> None:
    # A typo in the scenario's country must say which value was wrong.
    with pytest.raises(ValueError, match="'XX'"):
        public_holidays("XX", date(2026, 1, 1), 31)


# ------------------------------------------------------------------------- business minutes
def test_plain_week_has_45_business_hours() -> None:
    # Mon-Fri 08-17 is 9 h x 5 days; the weekend is closed.
    cal = plain(days=7)
    assert cal.horizon_minutes == 7 * DAY
    assert cal.business_minutes_total == 45 * 60
    assert cal.open_intervals.shape == (5, 2)
    np.testing.assert_array_equal(cal.open_intervals[0], [480.0, 1020.0])
    np.testing.assert_array_equal(cal.open_intervals[4], [4 * DAY + 480, 4 * DAY + 1020])


def test_holiday_removes_its_day() -> None:
    # A holiday on Wednesday closes that whole day and nothing else; holidays outside the
    # horizon are ignored.
    wed = PLAIN_MONDAY + timedelta(days=2)
    cal = plain(days=7, holidays=(wed, date(2030, 1, 1)))
    assert cal.business_minutes_total == 36 * 60
    assert cal.holidays == frozenset({wed})
    assert not cal.is_open(2 * DAY + 600)
    assert cal.next_open(2 * DAY + 600) == 3 * DAY + 480


def test_exact_values_at_edges() -> None:
    # Intervals are [open, close): open at 08:00 sharp, closed at 17:00 sharp.
    cal = plain()
    assert cal.is_open(480.0) and not cal.is_open(479.999) and not cal.is_open(1020.0)
    assert cal.business_minutes(480.0) == 0.0
    assert cal.business_minutes(510.0) == 30.0
    assert cal.business_minutes(1020.0) == 540.0
    assert cal.business_minutes(DAY) == 540.0
    assert cal.business_minutes(-10.0) == 0.0
    assert cal.business_minutes(1e9) == cal.business_minutes_total
    assert cal.next_open(-5.0) == 480.0
    assert cal.next_open(500.0) == 500.0
    assert cal.next_open(1020.0) == DAY + 480
    assert cal.add_business(480.0, 540.0) == 1020.0  # reaching the target at closing time
    assert cal.add_business(480.0, 541.0) == DAY + 481
    assert cal.add_business(300.0, 10.0) == 490.0  # before opening: wait, then work


def test_across_weekend() -> None:
    # A lead arriving Friday 16:00 with a 2-business-hour target is due Monday 09:00.
    cal = plain()
    fri_16, mon_9 = 4 * DAY + 960, 7 * DAY + 540
    assert cal.add_business(fri_16, 120.0) == mon_9
    assert cal.business_between(fri_16, mon_9) == 120.0
    sat_noon = 5 * DAY + 720
    assert cal.next_open(sat_noon) == 7 * DAY + 480
    assert cal.add_business(sat_noon, 0.0) == sat_noon
    assert cal.add_business(sat_noon, 1.0) == 7 * DAY + 481
    assert cal.business_minutes(sat_noon) == 5 * 540


def test_beyond_horizon_is_inf() -> None:
    # Past the last closing there is no next opening and no deadline inside the horizon.
    cal = plain(days=7)
    last_close = 4 * DAY + 1020
    assert cal.next_open(last_close) == np.inf
    assert cal.add_business(last_close - 10, 10.0) == last_close
    assert cal.add_business(last_close - 10, 11.0) == np.inf
    with pytest.raises(ValueError, match=r"minutes\(=-1\.0\)"):
        cal.add_business(100.0, -1.0)


def test_array_path_matches_scalar_path() -> None:
    # The engine uses scalars, analysis uses arrays: both must give the same numbers.
    cal = plain(holidays=(PLAIN_MONDAY + timedelta(days=9),))
    rng = np.random.default_rng(1)
    t = np.concatenate(
        [rng.uniform(-100, cal.horizon_minutes + 100, 500), cal.open_intervals.ravel()]
    )
    m = rng.choice([0.0, 0.5, 30.0, 540.0, 3000.0], size=t.size)
    scalar = {
        "is_open": [cal.is_open(float(x)) for x in t],
        "business_minutes": [cal.business_minutes(float(x)) for x in t],
        "next_open": [cal.next_open(float(x)) for x in t],
    }
    for name, expected in scalar.items():
        np.testing.assert_array_equal(getattr(cal, name)(t), expected, err_msg=name)
    expected_add = [cal.add_business(float(x), float(y)) for x, y in zip(t, m, strict=True)]
    np.testing.assert_array_equal(cal.add_business(t, m), expected_add)
    np.testing.assert_array_equal(
        cal.business_between(t[:-1], t[1:]), np.diff(cal.business_minutes(t))
    )
    assert cal.business_minutes(t.reshape(-1, 2)).shape == (t.size // 2, 2)


def test_business_adder_is_the_scalar_path() -> None:
    # The engine's fast adder must give the scalar add_business bit for bit (records are
    # compared exactly); edges are the risky part: interval ends, and targets that land exactly
    # on a cumulative interval end (the _TOL slack decides the interval).
    for cal in (plain(holidays=(PLAIN_MONDAY + timedelta(days=9),)), PROP_CAL,
                BusinessCalendar(PLAIN_MONDAY, 7, STHLM, {})):
        add = cal.business_adder()
        rng = np.random.default_rng(7)
        edges = cal.open_intervals.ravel()
        t = np.concatenate([
            rng.uniform(-100, cal.horizon_minutes + 100, 3000), edges, edges - 1e-9,
            np.nextafter(edges, np.inf), [0.0, cal.horizon_minutes],
        ])
        lengths = np.diff(cal.open_intervals, axis=1).ravel().tolist()
        menu = [0.5, 30.0, 120.0, 540.0, 1080.0, 3000.0, 1e-8, *lengths]
        for x in t.tolist():
            for m in menu:
                assert add(x, m) == cal.add_business(x, m), (x, m)
        # Exactly to the end of the interval holding t, and to the next ones.
        for a, b in cal.open_intervals.tolist():
            for x in (a, (a + b) / 2, b - 1.0):
                for m in (b - x, b - x + 1e-12, b - x - 1e-12):
                    assert add(x, m) == cal.add_business(x, m), (x, m)


def test_always_closed_calendar() -> None:
    # No opening hours at all is legal (e.g. a tier handled only by automation).
    cal = BusinessCalendar(PLAIN_MONDAY, 7, STHLM, {})
    assert cal.business_minutes_total == 0.0
    assert not cal.is_open(100.0)
    assert cal.next_open(100.0) == np.inf
    np.testing.assert_array_equal(cal.next_open([1.0, 2.0]), [np.inf, np.inf])
    np.testing.assert_array_equal(cal.add_business([1.0, 2.0], [0.0, 1.0]), [1.0, np.inf])


def test_overlapping_hours_merge() -> None:
    # Overlapping or touching opening intervals count once; 24/7 becomes one interval.
    cal = BusinessCalendar(PLAIN_MONDAY, 3, STHLM, {0: [(480, 720), (600, 1020), (1020, 1080)]})
    np.testing.assert_array_equal(cal.open_intervals, [[480.0, 1080.0]])
    always = BusinessCalendar(PLAIN_MONDAY, 3, STHLM, {d: [(0, 1440)] for d in range(7)})
    np.testing.assert_array_equal(always.open_intervals, [[0.0, 3 * DAY]])


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"timezone": "Mars/Olympus"}, "'Mars/Olympus'"),
        ({"timezone": "Europe"}, "'Europe'"),
        ({"days": 0}, "days(=0)"),
        ({"open_hours": {0: [(1020, 480)]}}, "(1020, 480)"),
        ({"open_hours": {7: [(480, 1020)]}}, "weekday(=7)"),
        ({"start": datetime(2026, 3, 2, 8)}, "2026, 3, 2, 8"),
    ],
)
def test_invalid_construction_names_value(kwargs: dict[str, object], needle: str) -> None:
    # Bad scenario values must come back with the value itself in the message.
    args: dict[str, object] = {
        "start": PLAIN_MONDAY,
        "days": 7,
        "timezone": STHLM,
        "open_hours": MON_FRI_8_17,
    }
    args.update(kwargs)
    with pytest.raises(ValueError) as err:
        BusinessCalendar(**args)  # type: ignore[arg-type]
    assert needle in str(err.value)


# ---------------------------------------------------------------------------------------- DST
def test_spring_forward_stockholm() -> None:
    # 2026-03-29 (a Sunday) has 23 local hours: 02:00 jumps to 03:00. Opening at 08:00 local
    # that day is 7 real hours after midnight, and every later local time is shifted by 60 min.
    cal = BusinessCalendar(date(2026, 3, 23), 14, STHLM, {d: [(480, 1020)] for d in range(7)})
    sunday = 6 * DAY
    assert cal.open_intervals[6, 0] == sunday + 420
    assert cal.open_intervals[6, 1] == sunday + 960
    assert cal.open_intervals[7, 0] == 7 * DAY - 60 + 480  # Monday 08:00 CEST
    assert cal.horizon_minutes == 14 * DAY - 60
    assert cal.business_minutes_total == 14 * 540  # opening hours are local: still 9 h a day
    assert cal.to_local(sunday + 420) == datetime(2026, 3, 29, 8, tzinfo=ZoneInfo(STHLM))

    grid = cal.hour_grid()
    sunday_rows = grid.local_date == np.datetime64("2026-03-29")
    assert sunday_rows.sum() == 23
    assert len(grid) == 14 * 24 - 1
    np.testing.assert_array_equal(grid.length, 60.0)
    assert 6 * 24 + 2 not in grid.hour_of_week[sunday_rows]  # 02:00 never happens
    np.testing.assert_array_equal(grid.hour_of_week[sunday_rows], [144, 145, *range(147, 168)])
    # the slot of 08:00 local starts exactly where the shop opens
    assert grid.start[sunday_rows][grid.hour_of_week[sunday_rows] == 152][0] == sunday + 420


def test_fall_back_stockholm() -> None:
    # 2026-10-25 has 25 local hours: 02:00-03:00 happens twice, so the hour grid has two rows
    # with hour-of-week Sunday 02.
    cal = BusinessCalendar(date(2026, 10, 19), 7, STHLM, MON_FRI_8_17)
    assert cal.horizon_minutes == 7 * DAY + 60
    grid = cal.hour_grid()
    sunday_rows = grid.local_date == np.datetime64("2026-10-25")
    assert sunday_rows.sum() == 25
    assert (grid.hour_of_week == 6 * 24 + 2).sum() == 2
    np.testing.assert_array_equal(np.diff(grid.hour_of_week), np.r_[[1] * 146, 0, [1] * 21])


def test_hour_of_week_and_holiday_flags() -> None:
    # Monday 00:00 local is hour 0, and slots inherit the holiday flag of their local date;
    # a horizon starting on a Wednesday starts at hour 48.
    good_friday = date(2026, 4, 3)
    cal = BusinessCalendar(date(2026, 4, 1), 7, STHLM, MON_FRI_8_17, [good_friday])
    grid = cal.hour_grid()
    assert grid.hour_of_week[0] == 48
    assert grid.hour_of_week[-1] == 47  # Tuesday 23:00
    assert grid.start[0] == 0.0
    np.testing.assert_array_equal(grid.is_holiday, grid.local_date == np.datetime64(good_friday))
    assert grid.is_holiday.sum() == 24


@pytest.mark.parametrize(
    ("tz", "start"),
    [
        ("Australia/Lord_Howe", date(2026, 4, 1)),  # 30-minute DST shift
        ("America/New_York", date(2026, 11, 1)),
        ("Asia/Kolkata", date(2026, 3, 1)),  # +05:30, no DST
        ("UTC", date(2026, 3, 1)),
    ],
)
def test_hour_grid_tiles_horizon(tz: str, start: date) -> None:
    # Slots must cover the horizon without gaps or overlaps, whatever the zone does.
    cal = BusinessCalendar(start, 10, tz, MON_FRI_8_17)
    grid = cal.hour_grid()
    np.testing.assert_array_equal(grid.start[1:], (grid.start + grid.length)[:-1])
    assert grid.start[-1] + grid.length[-1] == cal.horizon_minutes
    assert set(np.unique(grid.length)) <= {30.0, 60.0, 90.0}


def test_to_local_to_sim_roundtrip_across_dst() -> None:
    # Wall <-> simulation conversion is exact across a DST change and for any input zone.
    cal = BusinessCalendar(date(2026, 3, 23), 14, STHLM, MON_FRI_8_17)
    for t in [0.0, 6 * DAY + 119, 6 * DAY + 120, 10 * DAY + 333.5]:
        assert cal.to_sim(cal.to_local(t)) == pytest.approx(t, abs=1e-6)
    utc_noon = datetime(2026, 3, 30, 12, tzinfo=ZoneInfo("UTC"))  # 14:00 CEST Monday
    assert cal.to_sim(utc_noon) == 7 * DAY - 60 + 840
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.to_sim(datetime(2026, 3, 30, 12))


def test_intervals_for_shifts_dst_correct() -> None:
    # Seller shifts follow local time; a night shift over the spring-forward night is 7 h long.
    cal = BusinessCalendar(date(2026, 3, 23), 14, STHLM, MON_FRI_8_17, [date(2026, 4, 3)])
    day = cal.intervals_for(range(5), 540, 1020)
    assert day.shape == (9, 2)  # 10 weekdays minus Good Friday
    np.testing.assert_array_equal(day[5], [7 * DAY - 60 + 540, 7 * DAY - 60 + 1020])
    night = cal.intervals_for([5], 22 * 60, 30 * 60)  # Saturday 22:00 -> Sunday 06:00
    np.testing.assert_array_equal(night[0], [5 * DAY + 1320, 6 * DAY + 300])
    assert night[0, 1] - night[0, 0] == 7 * 60
    kept = cal.intervals_for([4], 540, 1020, skip_holidays=False)
    assert kept.shape == (2, 2)
    with pytest.raises(ValueError, match=r"\(1020, 540\)"):
        cal.intervals_for([0], 1020, 540)


# --------------------------------------------------------------------------------- properties
PROP_CAL = BusinessCalendar(
    date(2026, 3, 23),
    21,
    STHLM,
    {0: [(480, 720), (780, 1020)], 1: [(480, 1020)], 2: [(0, 1440)], 4: [(1320, 1800)]},
    [date(2026, 4, 3), date(2026, 4, 6)],
)
times = st.floats(-100.0, PROP_CAL.horizon_minutes + 100.0, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(times, times)
def test_add_business_between_lands_at_or_before(t: float, u: float) -> None:
    # Adding the business minutes between t and u to t never overshoots u (it may land earlier,
    # at the last closing before u), and it reaches the same business position.
    t, u = min(t, u), max(t, u)
    s = PROP_CAL.add_business(t, PROP_CAL.business_between(t, u))
    assert t <= s <= u + 1e-6
    assert PROP_CAL.business_minutes(s) == pytest.approx(PROP_CAL.business_minutes(u), abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(st.lists(times, min_size=2, max_size=50))
def test_business_minutes_non_decreasing(ts: list[float]) -> None:
    # Cumulative open time never runs backwards and grows at most as fast as the wall clock.
    x = np.sort(np.array(ts))
    b = PROP_CAL.business_minutes(x)
    assert np.all(np.diff(b) >= 0)
    assert np.all(np.diff(b) <= np.diff(x) + 1e-9)


@settings(max_examples=200, deadline=None)
@given(times, st.floats(0.0, 5000.0, allow_nan=False))
def test_add_business_inverts_business_between(t: float, m: float) -> None:
    # add_business is the inverse of business_between wherever the deadline is in the horizon.
    s = PROP_CAL.add_business(t, m)
    if np.isfinite(s):
        assert s >= t
        assert PROP_CAL.business_between(t, s) == pytest.approx(m, abs=1e-6)
        # ...and it is the earliest such time: a moment earlier the target was not yet reached.
        assert m == 0 or s - 1e-3 < t or PROP_CAL.business_between(t, s - 1e-3) < m
    else:
        assert PROP_CAL.business_between(t, PROP_CAL.horizon_minutes) < m


def test_equal_calendars_share_one_hour_grid() -> None:
    # The optimizer prepares a scenario per candidate: equal calendars reuse one (read-only)
    # hour grid; another horizon or other holidays get their own, equal to a fresh build.
    hours = {wd: [(480, 1020)] for wd in range(5)}
    a = BusinessCalendar(date(2026, 3, 2), 31, "Europe/Stockholm", hours)
    b = BusinessCalendar(date(2026, 3, 2), 31, "Europe/Stockholm", hours)
    c = BusinessCalendar(date(2026, 3, 2), 31, "Europe/Stockholm", hours, [date(2026, 3, 5)])
    assert a.hour_grid() is b.hour_grid()
    assert c.hour_grid() is not a.hour_grid()
    fresh = c._build_hour_grid()
    for got, want in zip(vars(c.hour_grid()).values(), vars(fresh).values(), strict=True):
        np.testing.assert_array_equal(got, want)
    assert not a.hour_grid().start.flags.writeable


def test_hour_grid_cache_ignores_open_hours_and_is_thread_safe() -> None:
    # The grid reads the horizon, time zone and holidays, never the open hours: calendars that
    # differ only in open hours share it. Threads building calendars side by side (a library
    # user preparing scenarios in a thread pool) get correct grids and no error, and the
    # cache stays within its size. (Without the cache's lock this failed 4 runs in 5.)
    import threading

    from slasim.model import calendar as cal_module

    office = {wd: [(480, 1020)] for wd in range(5)}
    always = {wd: [(0, 1440)] for wd in range(7)}
    a = BusinessCalendar(date(2026, 5, 4), 10, "Europe/Stockholm", office)
    b = BusinessCalendar(date(2026, 5, 4), 10, "Europe/Stockholm", always)
    assert a.hour_grid() is b.hour_grid()

    errors: list[BaseException] = []
    grids: dict[int, np.ndarray] = {}

    def build(i: int) -> None:
        try:
            for k in range(60):
                c = BusinessCalendar(date(2026, 1, 1) + timedelta(days=(i * 60 + k) % 40), 1,
                                     "Europe/Stockholm", office)
                grids[i * 60 + k] = c.hour_grid().start
        except BaseException as exc:  # any failure in a thread is the finding
            errors.append(exc)

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=build, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert errors == []
    assert len(cal_module._GRIDS) <= cal_module._GRID_CACHE_SIZE
    assert all(len(g) == 24 for g in grids.values()) and len(grids) == 480
