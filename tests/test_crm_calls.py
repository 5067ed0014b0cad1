"""Reading a call-level export: every row accounted for, hostile values rejected with reasons,
whole-file mistakes as exit 2 with file, field, value and what was expected."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from cli_helpers import run_cli

from slasim.crm.io.calls import read_calls
from slasim.crm.io.calls_format import CALL_REASONS, is_call_header

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
HEADER = "call_id,lead_id,tier,created,answered,ended,wrapup_ended,abandoned,agent"
GOOD = [
    "c1,l1,hot,2026-03-02T09:00:00+01:00,2026-03-02T09:01:00+01:00,2026-03-02T09:05:00+01:00,"
    "2026-03-02T09:06:00+01:00,no,anna",
    "c2,l2,warm,2026-03-02T09:02:00+01:00,,2026-03-02T09:02:40+01:00,,yes,",
    "c3,l3,warm,2026-03-02T09:03:00+01:00,,,,no,",  # still waiting at the export: censored
    # a second attempt of lead l1 (attempt-level export)
    "c4,l1,hot,2026-03-02T09:00:00+01:00,2026-03-02T11:00:00+01:00,2026-03-02T11:04:00+01:00,"
    ",no,bo",
]
#: (line, reason, column) of each hostile row.
HOSTILE = [
    ("h1,,warm,9999-12-31T00:00:00+01:00,,2026-03-02T10:00:00+01:00,,yes,",
     CALL_REASONS.DATE_OUT_OF_RANGE, "created"),
    ("h2,,warm,2026-03-02T10:00:00+01:00,2026-03-02T09:59:00+01:00,2026-03-02T10:05:00+01:00,"
     ",no,a1", CALL_REASONS.ANSWERED_BEFORE_CREATED, "answered"),
    ("h3,,warm,2026-03-02T10:00:00+01:00,2026-03-02T10:01:00+01:00,2026-03-02T10:00:30+01:00,"
     ",no,a1", CALL_REASONS.ENDED_BEFORE_ANSWERED, "ended"),
    ("h4,,warm,2026-03-02T10:00:00+01:00,2026-03-02T10:01:00+01:00,2026-03-02T10:05:00+01:00,"
     ",no,=1+1", CALL_REASONS.FORMULA, "agent"),
    ('h5,,warm,"2026-03-02T10:00:00+01:00,2026-03-02T10:01:00+01:00,,,no,a1',
     CALL_REASONS.UNCLOSED_QUOTE, ""),
    ("h6,,tepid,2026-03-02T10:00:00+01:00,,2026-03-02T10:03:00+01:00,,yes,",
     CALL_REASONS.UNKNOWN_TIER, "tier"),
    ("h7,,warm,2026-03-02,,2026-03-02T10:03:00+01:00,,yes,",
     CALL_REASONS.DATE_WITHOUT_TIME, "created"),
    ("h8,,warm,2026-03-02T10:00:00+01:00,,,,maybe,", CALL_REASONS.NOT_A_BOOLEAN, "abandoned"),
    ("c1,,warm,2026-03-02T10:00:00+01:00,,,,no,", CALL_REASONS.DUPLICATE_ID, "call_id"),
    ("h9,,warm,2026-03-02T10:00:00+01:00,2026-03-02T10:01:00+01:00,2026-03-02T10:05:00+01:00,"
     ",yes,a1", CALL_REASONS.ANSWERED_AND_ABANDONED, "abandoned"),
    ("h10,,warm,2026-03-02T10:00:00+01:00,2026-03-02T10:01:00+01:00,2026-03-02T10:05:00+01:00,"
     "2026-03-02T10:04:00+01:00,no,a1", CALL_REASONS.WRAPUP_BEFORE_END, "wrapup_ended"),
    ("h11,,warm,2026-03-02T10:00:00+01:00,,,,,", CALL_REASONS.MISSING_VALUE, "abandoned"),
    ("h12,,warm,2026-03-02T10:00:00+01:00,,2026-03-02T09:58:00+01:00,,yes,",
     CALL_REASONS.ENDED_BEFORE_CREATED, "ended"),
    ("h13,,warm,2026-03-02T10:00,,,,no,,extra", CALL_REASONS.WRONG_FIELD_COUNT, ""),
]


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "calls.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_good_rows_kept_and_first_attempts_marked(tmp_path: Path) -> None:
    calls = read_calls(_write(tmp_path, GOOD), "Europe/Stockholm", ["hot", "warm", "cold"])
    c = calls.calls
    assert calls.summary.rows_used == 4 and calls.summary.rows_rejected == 0
    assert c["first"].tolist() == [True, True, True, False]
    assert c["abandoned"].tolist() == [False, True, False, False]
    assert c["created"].iloc[0] == pd.Timestamp("2026-03-02 09:00", tz="Europe/Stockholm")
    assert calls.resolution_seconds == 1.0
    assert any("attempt-level export" in n for n in calls.summary.notes)


def test_every_hostile_row_rejected_with_its_reason_and_every_line_accounted(
    tmp_path: Path,
) -> None:
    lines = GOOD + [line for line, _, _ in HOSTILE] + ["", ",,,,,,,,"]
    calls = read_calls(_write(tmp_path, lines), "Europe/Stockholm", ["hot", "warm", "cold"])
    s = calls.summary
    assert s.rows_used == len(GOOD)
    assert s.rows_rejected == len(HOSTILE)
    assert s.rows_read == s.rows_used + s.rows_rejected
    assert s.file_lines == 1 + len(lines)
    assert s.file_lines == s.header_lines + s.rows_read + s.blank_rows + s.continuation_lines
    rejected = calls.rejected
    for k, (_, reason, column) in enumerate(HOSTILE):
        row = len(GOOD) + 2 + k  # spreadsheet row: the header is row 1
        mine = rejected[rejected["row"] == row]
        assert (reason, column) in set(zip(mine["reason"], mine["column"], strict=True)), (
            row, mine)
    formula = rejected[rejected["reason"] == CALL_REASONS.FORMULA].iloc[0]
    assert formula["value"] == "=1+1" and "formula" in formula["message"]


def test_placeholder_in_an_optional_time_reads_as_blank(tmp_path: Path) -> None:
    line = "p1,,warm,2026-03-02T10:00:00+01:00,9999-12-31T00:00:00+01:00,,,no,"
    calls = read_calls(_write(tmp_path, [line]), "Europe/Stockholm", ["hot", "warm"])
    assert calls.summary.rows_used == 1
    assert pd.isna(calls.calls["answered"].iloc[0])
    assert any("answered: 1 values outside" in n for n in calls.summary.notes)


def test_header_detection() -> None:
    assert is_call_header(HEADER.split(","))
    assert is_call_header(["Created", "Abandoned", "Agent"])
    assert not is_call_header(["lead_id", "created_at", "tier", "abandoned"])


def test_cli_reports_rejected_rows_and_still_calibrates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, GOOD + [line for line, _, _ in HOSTILE])
    code, out, err = run_cli(["calibrate", str(path), "--base", str(BASELINE)], capsys)
    assert code == 0, err
    assert f"{len(GOOD) + len(HOSTILE)} rows read, {len(GOOD)} used, {len(HOSTILE)} rejected" in out
    assert (f"{path}: row 9, column 'agent': spreadsheet formula: got '=1+1'; expected plain "
            "text") in out
    assert "Traceback" not in out + err


@pytest.mark.parametrize(
    ("lines", "extra", "expected"),
    [
        ([*GOOD, HOSTILE[1][0]], ["--strict"],
         "row 6, column 'answered': answered before created: got '2026-03-02T09:59:00+01:00'; "
         "expected a time at or after created"),
        (GOOD, ["--as-of", "2026-03-02T09:02:30+01:00"],
         "<cli>: --as-of: got 2026-03-02T09:02:30+01:00, before the export's last call arrived "
         "(2026-03-02T09:03:00+01:00)"),
        (GOOD, ["--source-tier", "hot=web"], "<cli>: --source-tier: got 'hot=web', but the "
         "export is call-level"),
        (GOOD, ["--map", "arrival=created"], "--map: arrival: is not a column of the call-level "
         "format"),
        (GOOD, ["--roster-interval", "7"], "expected minutes that divide a day (1440)"),
        (GOOD, ["--json", "out.json", "--format", "crm"],
         "<cli>: --json: got 'out.json'; expected --json only with a call-level export"),
        (GOOD, ["--format", "crm"], "column 'created_at': is missing (required)"),
    ],
)
def test_cli_input_errors_exit_2_with_the_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lines: list[str], extra: list[str],
    expected: str,
) -> None:
    path = _write(tmp_path, lines)
    try:
        code, out, err = run_cli(["calibrate", str(path), "--base", str(BASELINE), *extra],
                                 capsys)
    except SystemExit as exc:  # argparse errors exit 2 through the parser
        code = int(exc.code or 0)
        out, err = capsys.readouterr()
    assert code == 2
    assert expected in err, err
    assert "Traceback" not in out + err


def test_cli_missing_required_column_and_several_tiers_without_a_tier_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "calls.csv"
    path.write_text("created,answered,abandoned\n2026-03-02T09:00:00+01:00,,yes\n")
    code, _, err = run_cli(["calibrate", str(path), "--base", str(BASELINE)], capsys)
    assert code == 2
    assert (f"{path}: column 'tier': is missing and the base scenario has 3 tiers "
            "['hot', 'warm', 'cold']") in err
    path.write_text("created,answered,abandoned_flag,tier\n2026-03-02T09:00:00+01:00,,yes,hot\n")
    code, _, err = run_cli(["calibrate", str(path), "--base", str(BASELINE), "--format",
                            "calls"], capsys)
    assert code == 2
    assert f"{path}: column 'abandoned': is missing (required in a call-level export)" in err


def test_an_overlay_that_would_not_load_leaves_the_old_out_and_writes_no_roster(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 425 days between the first and last call (a stray old row): the dated roster makes the
    # horizon 425 days, beyond 400. The roster was written and the old --out replaced, then
    # exit 2; now nothing is written.
    path = tmp_path / "span.csv"
    path.write_text(
        "call_id,tier,created,answered,ended,wrapup_ended,abandoned,agent\n"
        "z1,hot,2025-01-02T09:00:00+01:00,2025-01-02T09:00:00+01:00,"
        "2025-01-02T09:05:00+01:00,,no,a1\n"
        "z2,hot,2026-03-02T09:00:00+01:00,2026-03-02T09:00:00+01:00,"
        "2026-03-02T09:05:00+01:00,,no,a1\n"
        "z3,warm,2026-03-02T10:00:00+01:00,,2026-03-02T10:01:00+01:00,,yes,\n",
        encoding="utf-8",
    )
    out = tmp_path / "span.toml"
    out.write_text("PREVIOUS\n", encoding="utf-8")
    code, _, err = run_cli(["calibrate", str(path), "--base", str(BASELINE), "--out", str(out)],
                           capsys)
    assert code == 2 and "--out: not written" in err and "horizon.days: got 425" in err, err
    assert out.read_text(encoding="utf-8") == "PREVIOUS\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["span.csv", "span.toml"]
