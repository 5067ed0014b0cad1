"""CRM import: every row used or reported, whole-file errors, mapping, time zones, CLI reports."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from cli_helpers import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slasim.crm.io.importer import read_crm
from slasim.crm.io.schema import parse_mapping, parse_source_tiers
from slasim.errors import InputError

DATA = Path(__file__).resolve().parent / "data" / "crm"
TIERS = ["hot", "warm", "cold"]
STOCKHOLM = "Europe/Stockholm"




# -- the malformed file: one expected report per problem -----------------------------------

MALFORMED_EXPECTED = {
    # (spreadsheet row, column, reason); the header is row 1, row 12 is blank (skipped).
    (4, "created_at", "unparseable date"),  # 2026-04-31 does not exist
    (5, "first_attempt_at", "first attempt before creation"),
    (6, "lead_id", "duplicate id"),  # L2 again; row 3 is kept
    (7, "attempts", "negative attempts"),
    (8, "contacted_at", "contacted before first attempt"),
    (9, "tier", "unknown tier"),  # platinum
    (10, "qualified", "not a boolean"),  # maybe
    (11, "deal_value", "negative value"),
    (11, "lost_at", "won and lost"),
    (14, "", "wrong number of fields"),  # one trailing comma too many
    (15, "lead_id", "missing value"),
    (16, "created_at", "missing value"),
    (17, "attempts", "not a number"),  # "three" (its tier "Hot" is accepted case-insensitively)
}


def test_malformed_rows_are_each_reported() -> None:
    crm = read_crm(DATA / "malformed.csv", timezone=STOCKHOLM, tiers=TIERS)
    got = {(int(r.row), str(r.column), str(r.reason)) for r in crm.rejected.itertuples()}
    assert got == MALFORMED_EXPECTED
    s = crm.summary
    assert (s.rows_read, s.rows_used, s.rows_rejected, s.blank_rows) == (15, 3, 12, 1)
    assert s.rows_read == s.rows_used + s.rows_rejected
    assert list(crm.leads["lead_id"]) == ["L1", "L2", "L10"]
    assert list(crm.leads["row"]) == [2, 3, 13]
    assert s.rejected_by_reason["missing value"] == 2
    # The rejected value is shown as in the file.
    bad_date = crm.rejected[crm.rejected["reason"] == "unparseable date"].iloc[0]
    assert bad_date["value"] == "2026-04-31 10:00"
    assert "ISO-8601" in bad_date["message"]


def test_types_and_time_zones() -> None:
    crm = read_crm(DATA / "malformed.csv", timezone=STOCKHOLM, tiers=TIERS)
    leads = crm.leads.set_index("lead_id")
    tz = ZoneInfo(STOCKHOLM)
    # Naive stamps are local; "+00:00" is converted (09:30 UTC = 11:30 CEST).
    assert leads.loc["L1", "created_at"] == datetime(2026, 4, 1, 9, 0, tzinfo=tz)
    assert leads.loc["L2", "created_at"] == datetime(2026, 4, 1, 11, 30, tzinfo=tz)
    assert str(leads["created_at"].dtype) == "datetime64[ns, Europe/Stockholm]"
    assert str(leads["attempts"].dtype) == "Int64"
    assert str(leads["qualified"].dtype) == "boolean"
    assert leads.loc["L1", "deal_value"] == 120000.0
    # A date without time is flagged and reported.
    flags = crm.date_only.set_index(crm.leads["lead_id"])
    assert bool(flags.loc["L10", "created_at"]) and not bool(flags.loc["L1", "created_at"])
    assert "created_at: 1 of its 12 non-blank values are dates without time; response times cannot be " \
        "measured from them" in crm.summary.lines()
    # Row 11 has two problems: the per-reason counts (13) exceed the rows rejected (12), and
    # the summary says why, so that nobody looks for a lost row.
    assert "  (13 reasons for 12 rows: a row can have several)" in crm.summary.lines()
    messages = dict(zip(crm.rejected["value"], crm.rejected["message"], strict=False))
    assert messages["three"] == "expected a whole number of attempts, e.g. 3"  # not 1250.50


def test_date_only_summary_line() -> None:
    frame = pd.DataFrame({
        "lead_id": ["a", "b", "c"],
        "created_at": ["2026-04-01", "2026-04-02", "2026-04-03"],
        "tier": ["hot", "hot", "cold"],
    })
    crm = read_crm(frame, timezone=STOCKHOLM)
    assert "created_at: 3 of its 3 non-blank values are dates without time; response times cannot be " \
        "measured from them" in crm.summary.lines()


def test_strict_lists_the_rows() -> None:
    with pytest.raises(InputError) as info:
        read_crm(DATA / "malformed.csv", timezone=STOCKHOLM, tiers=TIERS, strict=True)
    text = str(info.value)
    assert "malformed.csv: row 4, column 'created_at': unparseable date: got '2026-04-31 10:00'" \
        in text
    assert "malformed.csv: row 6, column 'lead_id': duplicate id: got 'L2'; the same id as row 3" \
        in text
    assert "12 rows rejected" in text


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.csv", r"empty\.csv: the file is empty; expected a header row"),
        ("header_only.csv", r"header_only\.csv: the file has a header \(lead_id, created_at, "
                            r"tier\) but no data rows"),
        ("missing_column.csv", r"missing_column\.csv: column 'created_at': is missing \(required\)"
                               r"; the columns found are \['lead_id', 'CreatedDate', 'tier'\]"),
        ("nowhere.csv", r"nowhere\.csv: file not found"),
    ],
)
def test_whole_file_errors(name: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_crm(DATA / name, timezone=STOCKHOLM)


def test_wrong_delimiter_is_detected_and_said() -> None:
    crm = read_crm(DATA / "semicolon.csv", timezone=STOCKHOLM)
    assert crm.summary.delimiter == ";"
    assert any("semicolon-separated, not comma-separated" in n for n in crm.summary.notes)
    # ';' files usually write decimal commas.
    assert crm.leads["deal_value"].iloc[0] == pytest.approx(1250.5)
    tab = read_crm(DATA / "tab.csv", timezone=STOCKHOLM)
    assert tab.summary.delimiter == "\t" and tab.summary.rows_used == 1
    # Asking for commas explicitly gets a clear whole-file error instead.
    with pytest.raises(InputError, match="looks semicolon-separated; expected comma-separated"):
        read_crm(DATA / "semicolon.csv", timezone=STOCKHOLM, delimiter=",")


def test_bom_and_encodings() -> None:
    bom = read_crm(DATA / "bom.csv", timezone=STOCKHOLM)
    assert list(bom.leads["owner"]) == ["Åsa", "Örjan"]  # the BOM is not part of "lead_id"
    assert any("BOM" in n for n in bom.summary.notes)
    latin = read_crm(DATA / "cp1252.csv", timezone=STOCKHOLM)
    assert latin.summary.rows_rejected == 1
    row = latin.rejected.iloc[0]
    assert (row["row"], row["column"], row["reason"]) == (2, "owner", "encoding error")
    assert row["value"] == "\\xc5sa" and "--encoding cp1252" in row["message"]
    fixed = read_crm(DATA / "cp1252.csv", timezone=STOCKHOLM, encoding="cp1252")
    assert list(fixed.leads["owner"]) == ["Åsa", "Bo"]


def test_mapping_and_sources() -> None:
    mapping = parse_mapping([
        "lead_id=Lead ID,created_at=Created Date,owner=Lead Owner", "source=Lead Source",
        "first_attempt_at=First Call",
    ])
    sources = parse_source_tiers(["hot=Demo Request", "warm=Webinar,(empty)"])
    crm = read_crm(
        DATA / "salesforce.csv", mapping, STOCKHOLM, TIERS, source_tiers=sources, strict=True
    )
    leads = crm.leads
    assert list(leads["tier"]) == ["hot", "warm", "warm"]  # the blank source maps to warm
    # "Z" is UTC: 07:00Z = 09:00 in Stockholm (CEST).
    assert leads["created_at"].iloc[0].isoformat() == "2026-04-01T09:00:00+02:00"
    assert list(leads["owner"]) == ["Anna", "Bo", "Anna"]
    # Unmapped columns are found ignoring case and punctuation: "ATTEMPTS" is attempts.
    assert list(leads["attempts"]) == [1, 0, 0]
    assert crm.has("source") and crm.has("first_attempt_at") and not crm.has("contacted_at")
    # Without a source -> tier mapping, sources are the tiers (and said so).
    plain = read_crm(DATA / "salesforce.csv", mapping, STOCKHOLM)
    assert any("used as the tier" in n for n in plain.summary.notes)
    # An unmapped source is an unknown tier.
    partial = read_crm(DATA / "salesforce.csv", mapping, STOCKHOLM, TIERS,
                       source_tiers=parse_source_tiers(["hot=Demo Request"]))
    assert set(partial.rejected["reason"]) == {"unknown tier"}


def test_mapping_mistakes() -> None:
    with pytest.raises(InputError, match=r"--map: creatd_at: is not a column of the CRM format; "
                                         r"did you mean 'created_at'\?"):
        parse_mapping(["creatd_at=Created"])
    with pytest.raises(InputError, match=r"--map created_at=Created: column 'Created' is not in "
                                         r"the file; did you mean 'Created Date'\?"):
        read_crm(DATA / "salesforce.csv", {"created_at": "Created"}, STOCKHOLM)
    with pytest.raises(InputError, match=r"--timezone: got 'Mars/Olympus'"):
        read_crm(DATA / "bom.csv", timezone="Mars/Olympus")


def test_date_format_option() -> None:
    frame = pd.DataFrame({"lead_id": ["a", "b"], "created_at": ["01/04/2026 09:15", "31/04/2026"],
                          "tier": ["hot", "hot"]})
    crm = read_crm(frame, timezone=STOCKHOLM, date_format="%d/%m/%Y %H:%M")
    assert crm.leads["created_at"].iloc[0].isoformat() == "2026-04-01T09:15:00+02:00"
    assert crm.rejected.iloc[0]["message"] == "expected the format '%d/%m/%Y %H:%M'"


def test_dataframe_with_native_values() -> None:
    tz = ZoneInfo("UTC")
    frame = pd.DataFrame({
        "lead_id": [1, 2],
        "created_at": [pd.Timestamp("2026-04-01 08:00", tz=tz), pd.NaT],
        "tier": ["hot", "cold"],
        "attempts": [2.0, float("nan")],
        "qualified": [True, False],
    })
    crm = read_crm(frame, timezone=STOCKHOLM)
    assert crm.leads["created_at"].iloc[0].isoformat() == "2026-04-01T10:00:00+02:00"
    assert crm.leads["lead_id"].iloc[0] == "1" and crm.leads["attempts"].iloc[0] == 2
    assert list(crm.rejected["row"]) == [3] and crm.rejected["reason"].iloc[0] == "missing value"


# Random rows, valid or not: the importer never loses a row and never crashes.
_cell = st.one_of(
    st.sampled_from(["", " ", "x", "-1", "3", "2026-04-01", "2026-04-01 10:00", "true",
                     "2026-04-01T12:00:00+02:00", "1e9", "nan", "hot", "warm", "None"]),
    st.text(max_size=6),
)
_rows = st.lists(st.tuples(*[_cell] * 8), min_size=1, max_size=25)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_rows)
def test_every_row_used_or_rejected(rows: list[tuple[str, ...]]) -> None:
    columns = ["lead_id", "created_at", "tier", "first_attempt_at", "attempts", "contacted_at",
               "deal_value", "won_at"]
    frame = pd.DataFrame(rows, columns=columns)
    crm = read_crm(frame, timezone=STOCKHOLM, tiers=TIERS)
    s = crm.summary
    assert s.rows_read == len(rows) == s.rows_used + s.rows_rejected
    assert set(crm.leads["row"]).isdisjoint(set(crm.rejected["row"]))
    assert set(crm.leads["row"]) | set(crm.rejected["row"]) == set(range(2, len(rows) + 2))
    assert crm.leads["lead_id"].is_unique


# -- through the registered commands (exit codes and report text, no traceback) ------------


def test_cli_crm_check_reports_rows(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        ["crm-check", str(DATA / "malformed.csv"), "--timezone", STOCKHOLM, "--max-listed", "3"],
        capsys,
    )
    assert code == 0
    # Without --base any tier is allowed: "platinum" (row 9) is used.
    assert "malformed.csv: 15 rows read, 4 used, 11 rejected (1 blank rows skipped)" in out
    assert "malformed.csv: row 4, column 'created_at': unparseable date: got '2026-04-31 10:00'" \
        in out
    assert "... and 9 more problems (write them all with --rejected PATH)" in out


def test_cli_strict_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    base = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"
    code, _, err = run_cli(
        ["crm-check", str(DATA / "malformed.csv"), "--base", str(base), "--strict"], capsys
    )
    assert code == 2
    assert "error: " + str(DATA / "malformed.csv") + ": row 9, column 'tier': unknown tier: " \
        "got 'platinum'; expected one of the tiers ['hot', 'warm', 'cold']" in err
    assert "Traceback" not in err
    rejected = tmp_path / "rejected.csv"
    code, out, _ = run_cli(
        ["crm-check", str(DATA / "malformed.csv"), "--rejected", str(rejected)], capsys
    )
    assert f"wrote 12 rejected-row problems to {rejected}" in out
    # Without --base any tier is allowed, so "platinum" is no longer a problem.
    assert code == 0 and len(pd.read_csv(rejected)) == len(MALFORMED_EXPECTED) - 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["empty.csv"], "empty.csv: the file is empty"),
        (["missing_column.csv"], "column 'created_at': is missing (required); the columns found "
                                 "are ['lead_id', 'CreatedDate', 'tier']"),
        (["semicolon.csv", "--delimiter", ","], "looks semicolon-separated"),
        (["bom.csv", "--map", "created_at=Created"], "column 'Created' is not in the file"),
        (["bom.csv", "--encoding", "klingon"], "--encoding: got 'klingon'"),
    ],
)
def test_cli_whole_file_errors(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["crm-check", str(DATA / args[0]), *args[1:]], capsys)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_two_tiers_in_one_source_tier_option_are_refused() -> None:
    # "hot=a,warm=b" read warm=b as a source of hot: 6,414 of Olist's 8,000 rows were then
    # rejected, exit 0.
    with pytest.raises(InputError, match=r"source 'warm=b' holds '='; expected one "
                                         r"--source-tier per tier, e.g. --source-tier hot=a "
                                         r"--source-tier warm=b"):
        parse_source_tiers(["hot=a,warm=b"])


def test_a_source_mapped_to_no_tier_of_the_scenario_is_refused_at_once() -> None:
    # --source-tier vip=social with no tier 'vip': every mapped row was rejected one by one
    # ("unknown tier"), 8,000 rows and exit 0.
    frame = pd.DataFrame({"lead_id": ["a", "b"], "created_at": ["2026-04-01T10:00"] * 2,
                          "source": ["social", "paid"]})
    with pytest.raises(InputError, match="--source-tier: got tier 'vip', which the scenario "
                                         "does not have; expected one of \\['hot', 'warm'\\]"):
        read_crm(frame, timezone=STOCKHOLM, tiers=["hot", "warm"],
                 source_tiers={"social": "vip", "paid": "hot"})
    ok = read_crm(frame, timezone=STOCKHOLM, tiers=["hot", "warm"],
                  source_tiers={"social": "HOT", "paid": "warm"})  # tiers match any case
    assert ok.summary.rows_used == 2
