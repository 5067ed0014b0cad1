"""CRM values: the column-wise parsers agree with the per-value ones; hostile values are rows
rejected (or placeholders read as blank), never a crash; bad --encoding / --timezone exit 2."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from cli_helpers import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slasim.crm.io._parse import NAT, parse_bools, parse_numbers, parse_stamps
from slasim.crm.io._values import BadValue, parse_bool, parse_number, parse_timestamp
from slasim.crm.io.importer import read_crm

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
MALFORMED = ROOT / "tests" / "data" / "crm" / "malformed.csv"
STOCKHOLM = "Europe/Stockholm"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# -- the fast paths read every value like the per-value functions --------------------------

_digits = st.text("0123456789", min_size=1, max_size=4)
_iso_like = st.builds(
    lambda y, mo, d, sep, h, mi, s, frac, zone: f"{y}-{mo}-{d}{sep}{h}:{mi}{s}{frac}{zone}",
    st.sampled_from(["2026", "1677", "1678", "2261", "2262", "9999", "0001", "20x6"]),
    st.sampled_from(["01", "02", "03", "10", "12", "13", "00", "4"]),
    st.sampled_from(["01", "28", "29", "30", "31", "32", "00", "1"]),
    st.sampled_from(["T", " ", "t", "_"]),
    st.sampled_from(["00", "01", "02", "03", "09", "23", "24", "9"]),
    st.sampled_from(["00", "30", "59", "60"]),
    st.sampled_from(["", ":00", ":59", ":60", ":5"]),
    st.sampled_from(["", ".1", ".123", ".123456", ".1234567", "."]),
    st.sampled_from(["", "Z", "z", "+02:00", "-05:30", "+23:59", "+24:00", "+0200", "+02"]),
)
_stamp_cell = st.one_of(
    _iso_like,
    _iso_like.map(lambda s: s[:10]),  # dates only
    _iso_like.map(lambda s: s[:16]),
    st.sampled_from(["", " ", " 2026-04-01 ", "2026-03-29 02:30", "2026-10-25 02:30",
                     "2026-10-25T02:30:00+01:00", "2026-10-25T02:30:00+02:00", "20260401",
                     "2026-W14-3", "1e9", "9999-12-31", "0001-01-01T00:00"]),
    st.text(max_size=12),
)


def _per_value(value: str, tz: ZoneInfo) -> tuple[int, bool] | str | None:
    if not value.strip():
        return None
    try:
        stamp, dated = parse_timestamp(value, tz)
    except BadValue as exc:
        return exc.reason + exc.message
    return (stamp - _EPOCH) // pd.Timedelta(microseconds=1).to_pytimedelta() * 1000, dated


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_stamp_cell, min_size=1, max_size=30),
       st.sampled_from([STOCKHOLM, "UTC", "America/Sao_Paulo", "Australia/Lord_Howe"]))
def test_timestamp_columns_read_like_single_values(values: list[str], zone: str) -> None:
    tz = ZoneInfo(zone)
    parsed = parse_stamps(values, tz, text_only=True)
    bad = {i: reason + message for i, reason, message in parsed.bad}
    for i, value in enumerate(values):
        expected = _per_value(value, tz)
        if expected is None:
            assert parsed.ns[i] == NAT and i not in bad
        elif isinstance(expected, str):
            assert bad.get(i) == expected, value
        else:
            assert (int(parsed.ns[i]), bool(parsed.dated[i])) == expected, value


_number_cell = st.one_of(
    st.sampled_from(["", " ", "1", "-1", "1.5", "1,5", "1 000", "1_000", "nan", "inf", "-inf",
                     "1e400", "99999999999999999999999", "9007199254740992", "9007199254740993",
                     "2.5", "3.0", "x", "0x10", "١٢", "1.234", "-12.345.678", "1.234,5"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**20), 10**20).map(str),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_number_cell, min_size=1, max_size=20), st.booleans(), st.booleans())
def test_number_columns_read_like_single_values(
    values: list[str], decimal_comma: bool, integer: bool
) -> None:
    out, bad = parse_numbers(values, decimal_comma, integer, text_only=True)
    errors = {i: reason for i, reason, _ in bad}
    for i, value in enumerate(values):
        if not value.strip():
            assert pd.isna(out[i]) and i not in errors
            continue
        try:
            grouping = decimal_comma and not integer and any("," in v for v in values)
            expected = float(parse_number(value, decimal_comma and not integer, grouping))
            if integer and expected != int(expected):
                raise BadValue("not a number", "")
        except BadValue as exc:
            assert errors.get(i) == exc.reason, value
            continue
        assert out[i] == expected and i not in errors, value


@given(st.lists(st.one_of(st.sampled_from(["", "true", "TRUE", " yes ", "No", "0", "maybe",
                                           "x", "Qualified"]), st.text(max_size=4)),
                min_size=1, max_size=20))
def test_boolean_columns_read_like_single_values(values: list[str]) -> None:
    out, bad = parse_bools(values, text_only=True)
    errors = {i for i, _, _ in bad}
    for i, value in enumerate(values):
        if not value.strip():
            assert out[i] == -1 and i not in errors
            continue
        try:
            assert out[i] == int(parse_bool(value)) and i not in errors
        except BadValue:
            assert i in errors


# -- hostile values in an export -----------------------------------------------------------

HOSTILE = (
    "lead_id,created_at,tier,first_attempt_at,won_at,deal_value,attempts\n"
    "L1,2026-04-01 09:00,hot,2026-04-01 09:05,9999-12-31,1000,1\n"  # placeholder: not won
    "L2,9999-12-31,hot,,,,0\n"  # created out of range: rejected
    "L3,0001-01-01 00:00,warm,,,,0\n"
    "L4,2026-04-01 10:00,warm,0001-01-01,,1e400,1\n"  # placeholder; huge value
    "L5,2026-04-01 11:00,cold,,,99999999999999999999999,1\n"
    "L6,2026-04-01 12:00,cold,,,,99999999999999999999999\n"
    "L7,2026-04-01 13:00,cold,2026-04-01 13:01,,-1e400,1\n"
    "L8,2026-04-01 14:00,hot,,9999-12-31T23:59:59+14:00,2500.50,1\n"
)


def test_hostile_values_are_rejected_rows_or_placeholders(tmp_path: Path) -> None:
    path = tmp_path / "hostile.csv"
    path.write_text(HOSTILE, encoding="utf-8")
    crm = read_crm(path, timezone=STOCKHOLM)
    got = {(int(r.row), r.column, r.reason) for r in crm.rejected.itertuples()}
    assert got == {
        (3, "created_at", "date out of range"),
        (4, "created_at", "date out of range"),
        (5, "deal_value", "number out of range"),
        (6, "deal_value", "number out of range"),
        (7, "attempts", "number out of range"),
        (8, "deal_value", "number out of range"),
    }
    leads = crm.leads.set_index("lead_id")
    assert list(leads.index) == ["L1", "L8"]
    assert leads["won_at"].isna().all()  # 9999-12-31 means "no date"
    notes = "\n".join(crm.summary.notes)
    assert "won_at: 2 values outside 1678-01-01 .. 2261-12-31 (e.g. '9999-12-31'" in notes
    assert "first_attempt_at: 1 values outside" in notes
    message = crm.rejected.set_index("row").loc[3, "message"]
    assert "'9999-12-31' is out of range; expected a date from 1678-01-01 to 2261-12-31" in message
    assert "9,007,199,254,740,992" in crm.rejected.set_index("row").loc[5, "message"]


def test_python_values_out_of_range_in_a_dataframe() -> None:
    frame = pd.DataFrame({"lead_id": ["a", "b"], "tier": ["hot", "hot"],
                          "created_at": [datetime(9999, 12, 31), datetime(2026, 4, 1)],
                          "deal_value": [10**30, 5]})
    crm = read_crm(frame, timezone=STOCKHOLM)
    assert set(crm.rejected["reason"]) == {"date out of range", "number out of range"}
    assert list(crm.leads["lead_id"]) == ["b"]


def test_rows_across_the_autumn_clock_change_compare_instants(tmp_path: Path) -> None:
    # 02:36+01:00 is 38 minutes *after* 02:58+02:00 (the second 02:xx hour of the night).
    path = tmp_path / "dst.csv"
    path.write_text("lead_id,created_at,tier,first_attempt_at\n"
                    "L1,2025-10-26T02:58:35+02:00,hot,2025-10-26T02:36:40+01:00\n"
                    "L2,2025-10-26T02:36:40+01:00,hot,2025-10-26T02:58:35+02:00\n",
                    encoding="utf-8")
    crm = read_crm(path, timezone=STOCKHOLM)
    assert list(crm.leads["lead_id"]) == ["L1"]
    assert crm.rejected.iloc[0]["reason"] == "first attempt before creation"


def _command(name: str, export: Path) -> list[str]:
    if name == "calibrate":
        return ["calibrate", str(export), "--base", str(BASELINE)]
    if name == "track":
        return ["track", str(export), "--agreement", str(BASELINE), "--reps", "2"]
    return ["crm-check", str(export)]


@pytest.mark.parametrize("command", ["crm-check", "calibrate", "track"])
@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--encoding", "nope", "--encoding: got 'nope'; expected a codec"),
        ("--encoding", "utf-32", "--encoding: got 'utf-32': the file does not decode"),
        ("--encoding", "utf-16-le", "--encoding: got 'utf-16-le': the header does not read"),
        ("--encoding", "rot13", "--encoding: got 'rot13': not a text encoding"),
        ("--timezone", "Mars/Base", "--timezone: got 'Mars/Base': no such time zone"),
        ("--timezone", "../../etc/passwd", "--timezone: got '../../etc/passwd': not a time "
                                           "zone name"),
        ("--timezone", "", "--timezone: got '': an empty name"),
        ("--timezone", "Europe", "--timezone: got 'Europe': not a time zone name"),
    ],
)
def test_bad_encoding_and_timezone_exit_2(
    command: str, option: str, value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli([*_command(command, MALFORMED), option, value], capsys)
    assert code == 2, err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize("command", ["crm-check", "calibrate", "track"])
def test_hostile_export_through_every_command(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "hostile.csv"
    path.write_text(HOSTILE, encoding="utf-8")
    quiet = ["--quiet"] if command == "track" else []
    code, out, err = run_cli([*_command(command, path), *quiet], capsys)
    assert code == 0, err
    assert "rejected: 2 rows with date out of range" in out
    assert "rejected: 4 rows with number out of range" in out


def test_a_dot_grouping_thousands_in_a_file_of_decimal_commas_is_refused() -> None:
    # A ';' export wrote 132.276 (SEK 132,276): it was read as 132.276 and the month's revenue
    # came out at half the truth, while 1.234,50 in the same file was refused. Both are now.
    for text in ("132.276", "-12.345.678", "1.000"):
        with pytest.raises(BadValue, match="decimal comma"):
            parse_number(text, decimal_comma=True)
    assert parse_number("132.276") == 132.276  # a ',' file: the dot is the decimal point
    assert parse_number("1250,5", decimal_comma=True) == 1250.5
    assert parse_number("1250.5", decimal_comma=True) == 1250.5  # not grouped: unambiguous
    out, bad = parse_numbers(["132.276", "7", "1,5"], decimal_comma=True, text_only=True)
    assert [i for i, _, _ in bad] == [0] and list(out[1:]) == [7.0, 1.5]
    # A ';' file that writes decimal points (no comma in the column) keeps them, and a value
    # such as 0.500 is never a grouping.
    out, bad = parse_numbers(["0.500", "12.250", "7"], decimal_comma=True, text_only=True)
    assert not bad and list(out) == [0.5, 12.25, 7.0]
    assert parse_number("0.500", decimal_comma=True) == 0.5
