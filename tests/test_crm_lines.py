"""CRM import, line by line: every physical line of a damaged export accounted for."""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

import pytest
from cli_helpers import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slasim.crm.io._lines import CHUNK_ROWS, MAX_CONTINUATION_LINES, SPACES, delimiter_name
from slasim.crm.io.imported import CrmImport
from slasim.crm.io.importer import read_crm
from slasim.errors import InputError

STOCKHOLM = "Europe/Stockholm"
HEADER = "lead_id,created_at,tier,owner,first_attempt_at,attempts,deal_value"


def _row(i: int) -> str:
    day, hour = 1 + i % 28, 8 + i % 9
    return (f"L{i:03d},2026-04-{day:02d} {hour:02d}:00,{('hot', 'warm', 'cold')[i % 3]},"
            f"seller-{i % 4},2026-04-{day:02d} {hour:02d}:{10 + i % 40:02d},{1 + i % 3},"
            f"{1000 + 10 * i}")


def _export(rows: int = 36) -> list[str]:
    return [HEADER] + [_row(i) for i in range(1, rows + 1)]


def _write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    return path


def _physical_lines(data: bytes) -> int:
    """Lines as universal newlines count them: \\n, \\r\\n or a lone \\r ends one."""
    text = data.decode("utf-8", "surrogateescape")
    ends = len(re.findall(r"\r\n|\r|\n", text))
    return ends + (1 if text and not text.endswith(("\n", "\r")) else 0)


def _accounted(crm: CrmImport, path: Path) -> None:
    s = crm.summary
    assert s.file_lines == _physical_lines(path.read_bytes())
    assert s.file_lines == (s.header_lines + s.rows_used + s.rows_rejected + s.blank_rows
                            + s.continuation_lines)
    assert s.rows_read == s.rows_used + s.rows_rejected == len(crm.leads) + crm.rejected[
        "row"].nunique()


def test_one_stray_quote_costs_one_row(tmp_path: Path) -> None:
    lines = _export()
    lines[7] = lines[7].replace("seller-", '"seller-')  # row 8: a quote that never closes
    path = _write(tmp_path / "quote.csv", "\n".join(lines) + "\n")
    crm = read_crm(path, timezone=STOCKHOLM)
    s = crm.summary
    assert (s.rows_read, s.rows_used, s.rows_rejected) == (36, 35, 1)
    bad = crm.rejected.iloc[0]
    assert (bad["row"], bad["reason"]) == (8, "unclosed quote")
    assert "line 8" in bad["message"] and bad["value"].startswith("L007,")
    assert 9 in set(crm.leads["row"]) and 37 in set(crm.leads["row"])
    _accounted(crm, path)


def test_quoted_value_may_span_lines_within_the_bound(tmp_path: Path) -> None:
    lines = _export(5)
    note = "\n".join(f"paragraph {k}" for k in range(MAX_CONTINUATION_LINES))
    lines[2] = lines[2].replace("seller-2", f'"seller-2\n{note}"')  # 10 more lines
    path = _write(tmp_path / "note.csv", "\r\n".join(lines) + "\r\n")
    crm = read_crm(path, timezone=STOCKHOLM)
    s = crm.summary
    assert (s.rows_used, s.rows_rejected, s.continuation_lines) == (5, 0, 10)
    # Spreadsheet rows: the row spanning 11 lines is row 3, the next one row 4.
    assert list(crm.leads["row"]) == [2, 3, 4, 5, 6]
    assert crm.leads.loc[1, "owner"].endswith("paragraph 9")
    _accounted(crm, path)
    # One more line: the quote is unclosed, the row rejected at its first line, and each
    # further line read as a row of its own.
    lines[2] = lines[2].replace("paragraph 9", "paragraph 9\nparagraph 10")
    path = _write(tmp_path / "long_note.csv", "\n".join(lines) + "\n")
    crm = read_crm(path, timezone=STOCKHOLM)
    assert crm.rejected.iloc[0]["reason"] == "unclosed quote"
    assert crm.rejected.iloc[0]["row"] == 3
    assert crm.summary.continuation_lines == 0 and crm.summary.rows_used == 4
    _accounted(crm, path)


def test_a_closing_quote_rows_later_does_not_join_rows(tmp_path: Path) -> None:
    lines = _export(8)
    lines[2] = lines[2].replace("seller-2", '"seller-2')  # stray quote in row 3
    lines[5] = lines[5].replace("seller-1", '"Smith, Ann"')  # a real quoted value in row 6
    path = _write(tmp_path / "two.csv", "\n".join(lines) + "\n")
    crm = read_crm(path, timezone=STOCKHOLM)
    assert list(crm.rejected["row"]) == [3]
    assert crm.leads.set_index("row").loc[6, "owner"] == "Smith, Ann"
    _accounted(crm, path)


@pytest.mark.parametrize("quoted", [False, True])
def test_overlong_cell_is_a_rejected_row(tmp_path: Path, quoted: bool) -> None:
    lines = _export(4)
    big = "x" * (csv.field_size_limit() + 1)
    lines[2] = lines[2].replace("seller-2", f'"{big}"' if quoted else big)
    path = _write(tmp_path / "big.csv", "\n".join(lines) + "\n")
    crm = read_crm(path, timezone=STOCKHOLM)
    bad = crm.rejected.iloc[0]
    assert (bad["row"], bad["reason"]) == (3, "value too long")
    assert "131,072" in bad["message"] and len(bad["value"]) < 100
    assert crm.summary.rows_used == 3
    _accounted(crm, path)


def test_nul_and_line_end_mixes(tmp_path: Path) -> None:
    lines = _export(6)
    lines[3] = lines[3].replace("seller-3", "sel\x00ler")
    text = lines[0] + "\r\n" + lines[1] + "\n" + lines[2] + "\r" + "\r\n".join(lines[3:])
    path = _write(tmp_path / "mix.csv", text + "\n\n" + lines[1][:9])  # blank, truncated row
    crm = read_crm(path, timezone=STOCKHOLM)
    got = {(int(r.row), r.column, r.reason) for r in crm.rejected.itertuples()}
    # Lines: header, L001, L002 (ends in a lone \r), L003 with a NUL, L004..L006, a blank
    # line, and a last line cut short without a line end.
    assert got == {(4, "owner", "encoding error"), (9, "", "wrong number of fields")}
    nul = crm.rejected.iloc[0]
    assert nul["value"] == "sel\\x00ler" and "--encoding utf-16" in nul["message"]
    assert crm.summary.blank_rows == 1 and crm.summary.rows_used == 5
    _accounted(crm, path)


def test_blank_lines_before_the_header(tmp_path: Path) -> None:
    path = _write(tmp_path / "lead.csv", "\n \n" + "\n".join(_export(2)))
    crm = read_crm(path, timezone=STOCKHOLM)
    assert list(crm.leads["row"]) == [4, 5] and crm.summary.blank_rows == 2
    _accounted(crm, path)


def test_unclosed_quote_in_the_header(tmp_path: Path) -> None:
    path = _write(tmp_path / "head.csv", '"lead_id,created_at,tier\nL1,2026-04-01,hot\n')
    with pytest.raises(InputError, match="header: a quote opened in"):
        read_crm(path, timezone=STOCKHOLM)


def test_spaces_are_every_whitespace_character() -> None:
    assert set(SPACES) == {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}


def test_cli_prints_the_line_accounting(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    lines = _export()
    lines[7] = lines[7].replace("seller-", '"seller-')
    path = _write(tmp_path / "quote.csv", "\n".join(lines) + "\n\n")
    code, out, _ = run_cli(["crm-check", str(path), "--timezone", STOCKHOLM], capsys)
    assert code == 0
    assert "36 rows read, 35 used, 1 rejected (1 blank rows skipped)" in out
    assert "lines in file: 38 = 1 header + 35 used + 1 rejected + 1 blank" in out
    assert "row 8: unclosed quote: got 'L007," in out


# -- random damage ---------------------------------------------------------------------------

_CLEAN = _export(30)
_damage = st.one_of(
    st.tuples(st.just("quote"), st.integers(0, 200)),
    st.tuples(st.just("nul"), st.integers(0, 200)),
    st.tuples(st.just("overlong"), st.integers(0, 200)),
    st.tuples(st.just("formula"), st.sampled_from(['=HYPERLINK("http://x","y")', "=1+2",
                                                   "+cmd|' /C calc'!A0", "@SUM(A1)"])),
    st.tuples(st.just("crlf"), st.sampled_from(["\r\n", "\r", "\n", "\r\r\n"])),
    st.tuples(st.just("truncate"), st.integers(1, 60)),
    st.tuples(st.just("blank"), st.sampled_from(["", " ", ",,,,,,", "\t"])),
)


def _damaged(line: str, kind: str, arg: object) -> str:
    at = int(arg) % (len(line) + 1) if isinstance(arg, int) else 0
    if kind == "quote":
        return line[:at] + '"' + line[at:]
    if kind == "nul":
        return line[:at] + "\x00" + line[at:]
    if kind == "overlong":
        return line[:at] + "y" * (csv.field_size_limit() + 5) + line[at:]
    if kind == "formula":
        fields = line.split(",")
        text = str(arg)
        fields[3 % len(fields)] = '"' + text.replace('"', '""') + '"' if '"' in text else text
        return ",".join(fields)
    if kind == "truncate":
        return line[: max(1, len(line) - int(str(arg)))]
    return line


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(1, len(_CLEAN) - 1), _damage), max_size=6),
       st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_every_physical_line_accounted_for(
    tmp_path_factory: pytest.TempPathFactory, damage: list[tuple[int, tuple[str, object]]],
    newline: str, final_newline: bool,
) -> None:
    lines = list(_CLEAN)
    ends = [newline] * len(lines)
    for index, (kind, arg) in damage:
        if kind == "crlf":
            ends[index] = str(arg)
        elif kind == "blank":
            lines.insert(index, str(arg))
            ends.insert(index, newline)
        elif kind == "truncate":
            lines[-1] = _damaged(lines[-1], kind, arg)
        else:
            lines[index] = _damaged(lines[index], kind, arg)
    text = "".join(line + end for line, end in zip(lines, ends, strict=True))
    if not final_newline:
        text = text.rstrip("\r\n")
    path = _write(tmp_path_factory.mktemp("damaged") / "export.csv", text)
    crm = read_crm(path, timezone=STOCKHOLM)
    _accounted(crm, path)
    # Without quotes no row can span lines: every line but the header is a row (or blank),
    # and every row number is its line number.
    if '"' not in text and "\r" not in text.replace("\r\n", ""):
        assert crm.summary.continuation_lines == 0
        rows = set(crm.leads["row"]) | set(crm.rejected["row"])
        assert rows <= set(range(2, crm.summary.file_lines + 1))
    # Only stray quotes were added, and none opened a value that a later line closed: every
    # lead of an undamaged line is read as it would be without them.
    kinds = {kind for _, (kind, _) in damage}
    if kinds <= {"quote", "crlf"} and crm.summary.continuation_lines == 0:
        clean = read_crm(_write(path.with_name("clean.csv"), text.replace('"', "")),
                         timezone=STOCKHOLM)
        hit = {_CLEAN[index].split(",")[0] for index, (kind, _) in damage if kind == "quote"}
        assert set(clean.leads["lead_id"]) - hit <= set(crm.leads["lead_id"])


@pytest.mark.parametrize(("edit", "fields"), [(",extra", 8), (",a,b", 9)])
def test_wrong_field_count_says_how_many(tmp_path: Path, edit: str, fields: int) -> None:
    lines = _export(4)
    lines[2] += edit
    lines[3] = lines[3].rsplit(",", 1)[0]  # one field short
    path = _write(tmp_path / "count.csv", "\n".join(lines) + "\n")
    crm = read_crm(path, timezone=STOCKHOLM)
    rows = crm.rejected.set_index("row")
    assert list(rows.index) == [3, 4]
    assert set(rows["reason"]) == {"wrong number of fields"}
    assert rows.loc[3, "value"] == str(fields) and rows.loc[4, "value"] == "6"
    assert rows.loc[3, "message"].startswith("expected 7 fields like the header (a ")
    assert "comma inside an unquoted value?" in rows.loc[4, "message"]
    assert crm.summary.rows_used == 2
    _accounted(crm, path)


def test_a_value_exactly_at_the_field_size_limit_is_kept(tmp_path: Path) -> None:
    lines = _export(3)
    lines[2] = lines[2].replace("seller-2", "x" * (csv.field_size_limit() - len(lines[2]) + 8))
    assert len(lines[2]) == csv.field_size_limit()
    path = _write(tmp_path / "limit.csv", "\n".join(lines) + "\n")
    crm = read_crm(path, timezone=STOCKHOLM)
    assert crm.rejected.empty and crm.summary.rows_used == 3
    _accounted(crm, path)


def test_quoted_rows_are_accounted_like_unquoted_ones(tmp_path: Path) -> None:
    # Quoted lines take the careful (csv) path: blank rows, rows spanning lines, rows with the
    # wrong number of fields and their values must come out as on the plain path.
    lines = _export(6)
    empty = ",".join(['""'] * 7)
    lines[1] = lines[1].replace("seller-1", '"sel\nler"')  # row 2 spans 2 lines
    lines[3] = lines[3].replace("seller-3", '"Ann\nB. Smith"')  # row 4 spans 2 lines
    lines[5] = lines[5].replace("seller-1", '"seller-1",extra')  # row 6: 8 fields
    lines[6:6] = [empty, empty]  # two blank rows, quoted
    path = _write(tmp_path / "quoted.csv", "\n".join(lines) + "\n")
    crm = read_crm(path, timezone=STOCKHOLM)
    s = crm.summary
    assert (s.blank_rows, s.continuation_lines, s.rows_used) == (2, 2, 5)
    owners = crm.leads.set_index("row")["owner"]
    assert owners.loc[2] == "sel\nler" and owners.loc[4] == "Ann\nB. Smith"
    bad = crm.rejected.set_index("row")
    assert (bad.loc[6, "reason"], bad.loc[6, "value"]) == ("wrong number of fields", "8")
    _accounted(crm, path)


@pytest.mark.parametrize(
    ("owner", "used"), [("sel\x00ler", False), ("sel\udce9ler", False), ("Åsa Öberg", True)],
    ids=["nul", "undecodable", "non-ascii"],
)
def test_quoted_values_are_checked_for_encoding(tmp_path: Path, owner: str, used: bool) -> None:
    # A NUL or a byte that is not UTF-8 inside a quoted value is an encoding error, as on the
    # plain path; a quoted name with letters beyond ASCII is just a name. One case per file:
    # the check runs per chunk, so another bad row must not do the flagging.
    lines = _export(3)
    lines[2] = lines[2].replace("seller-2", f'"{owner}"')
    path = _write(tmp_path / "enc.csv", "\n".join(lines) + "\n")
    crm = read_crm(path, timezone=STOCKHOLM)
    if used:
        assert crm.rejected.empty
        assert crm.leads.set_index("row").loc[3, "owner"] == owner
    else:
        assert [(r.row, r.column, r.reason) for r in crm.rejected.itertuples()] == [
            (3, "owner", "encoding error")]
    _accounted(crm, path)


def test_lines_read_ahead_by_a_failed_continuation_are_each_a_line(tmp_path: Path) -> None:
    # A stray quote in row 3 makes the reader look ahead for its closing quote; when none comes
    # within the bound, the lines it read are handled one by one like any other line: blank
    # (empty, only delimiters, only spaces), wrong number of fields (8 and 6), or a row.
    lines = _export(8)
    lines[2] = lines[2].replace("seller-2", '"seller-2')
    lines[3:3] = ["", ",,,,,,", "   "]
    lines[7] += ",extra"
    lines[8] = lines[8].rsplit(",", 1)[0]
    path = _write(tmp_path / "ahead.csv", "\n".join(lines) + "\n")
    crm = read_crm(path, timezone=STOCKHOLM)
    s = crm.summary
    assert (s.blank_rows, s.continuation_lines) == (3, 0)
    bad = crm.rejected.set_index("row")
    assert list(bad.index) == [3, 8, 9]
    assert bad.loc[3, "reason"] == "unclosed quote"
    assert (bad.loc[8, "value"], bad.loc[9, "value"]) == ("8", "6")
    assert "comma inside an unquoted value?" in bad.loc[9, "message"]
    assert s.rows_used == 5
    _accounted(crm, path)


def test_a_line_longer_than_any_row_can_be(tmp_path: Path) -> None:
    # Two million characters in one line: more than 7 fields at the field size limit can hold,
    # rejected without parsing, shown by its first 60 characters. A stray quote before it
    # does not swallow it: the continuation stops at the overlong line.
    lines = _export(4)
    lines[2] = lines[2].replace("seller-2", "y" * 2_000_000)
    lines[1] = lines[1].replace("seller-1", '"seller-1')
    path = _write(tmp_path / "huge.csv", "\n".join(lines) + "\n")
    crm = read_crm(path, timezone=STOCKHOLM)
    bad = crm.rejected.set_index("row")
    assert list(bad.index) == [2, 3]
    assert bad.loc[2, "reason"] == "unclosed quote"
    assert bad.loc[3, "reason"] == "value too long"
    assert bad.loc[3, "value"] == lines[2][:60] + "..."
    assert bad.loc[3, "message"] == (
        f"a value in the row is longer than {csv.field_size_limit():,} characters (the csv "
        "field size limit); expected a shorter value")
    assert crm.summary.rows_used == 2
    _accounted(crm, path)


def test_a_row_of_values_at_the_limit_written_as_quotes_is_not_too_long(tmp_path: Path) -> None:
    # The longest line a valid row can be: every value exactly at the field size limit and
    # made of quote characters, each written doubled inside quotes. It is read (and rejected
    # for its content), not rejected as too long.
    value = '"' + '""' * csv.field_size_limit() + '"'
    path = _write(tmp_path / "quotes.csv", HEADER + "\n" + ",".join([value] * 7) + "\n")
    crm = read_crm(path, timezone=STOCKHOLM)
    assert "value too long" not in set(crm.rejected["reason"])
    assert set(crm.rejected["row"]) == {2}
    _accounted(crm, path)


@pytest.mark.parametrize("length", [60, 61])
def test_a_rejected_line_is_shown_whole_up_to_60_characters(tmp_path: Path, length: int) -> None:
    lines = _export(2)
    stray = '"' + lines[2][1:]  # an unclosed quote at the start of the row
    stray = (stray + "z" * length)[:length]
    lines[2] = stray
    path = _write(tmp_path / "shown.csv", "\n".join(lines) + "\n")
    crm = read_crm(path, timezone=STOCKHOLM)
    bad = crm.rejected.iloc[0]
    assert bad["reason"] == "unclosed quote"
    assert bad["value"] == (stray if length == 60 else stray[:60] + "...")


def test_unclosed_quote_message_says_what_happened_and_what_was_expected(tmp_path: Path) -> None:
    lines = _export(3)
    lines[2] = lines[2].replace("seller-2", '"seller-2')
    path = _write(tmp_path / "quote.csv", "\n".join(lines) + "\n")
    bad = read_crm(path, timezone=STOCKHOLM).rejected.iloc[0]
    assert bad["message"] == (
        f"a quote opened on line 3 is not closed on that line, nor within the next "
        f"{MAX_CONTINUATION_LINES} lines with 7 fields in the row and no whole row inside it; "
        "expected a closing quote (the row is skipped, reading resumes at the next line)")


def test_a_later_quote_does_not_swallow_the_whole_rows_after_an_unclosed_one(
    tmp_path: Path,
) -> None:
    # L1's quote is never closed; L5's quote closed it, and L2-L5 vanished into L1's owner
    # (2 rows read of 6, none rejected, --strict passed).
    path = tmp_path / "swallow.csv"
    path.write_text(
        'lead_id,created_at,tier,owner\nL1,2026-04-01 09:00,hot,"Anna\n'
        "L2,2026-04-01 10:00,hot,bo\nL3,2026-04-01 11:00,warm,bo\nL4,2026-04-01 12:00,cold,bo\n"
        'L5,2026-04-01 13:00,hot,"Bo"\nL6,2026-04-01 14:00,hot,bo\n',
        encoding="utf-8",
    )
    crm = read_crm(path, timezone=STOCKHOLM)
    assert crm.leads["lead_id"].tolist() == ["L2", "L3", "L4", "L5", "L6"]
    assert crm.rejected["reason"].tolist() == ["unclosed quote"]
    assert crm.summary.continuation_lines == 0
    # A note whose lines are not rows of their own still spans lines.
    path.write_text(
        'lead_id,created_at,tier,owner\nL1,2026-04-01 09:00,hot,"Anna\nsays, call later"\n'
        "L2,2026-04-01 10:00,hot,bo\n",
        encoding="utf-8",
    )
    crm = read_crm(path, timezone=STOCKHOLM)
    assert crm.leads["owner"].tolist() == ["Anna\nsays, call later", "bo"]
    assert crm.summary.continuation_lines == 1


def test_a_line_of_only_delimiters_and_spaces_is_blank(tmp_path: Path) -> None:
    lines = _export(3)
    lines[2:2] = [",,,,,,", " , ,\t,,,,", "\u00a0"]
    path = _write(tmp_path / "blank.csv", "\n".join(lines) + "\n")
    crm = read_crm(path, timezone=STOCKHOLM)
    assert crm.rejected.empty
    assert (crm.summary.blank_rows, crm.summary.rows_used) == (3, 3)
    _accounted(crm, path)


def test_more_rows_than_one_chunk(tmp_path: Path) -> None:
    # Rows are parsed in chunks of CHUNK_ROWS; a file one row longer reads the same.
    lines = _export(CHUNK_ROWS + 1)
    path = _write(tmp_path / "many.csv", "\n".join(lines) + "\n")
    crm = read_crm(path, timezone=STOCKHOLM)
    assert crm.summary.rows_used == CHUNK_ROWS + 1
    assert list(crm.leads["row"]) == list(range(2, CHUNK_ROWS + 3))


def test_delimiters_by_name() -> None:
    assert [delimiter_name(d) for d in (",", ";", "\t", "|")] == [
        "comma", "semicolon", "tab", "pipe"]
    assert delimiter_name(":") == "':'"  # one without a name: shown as itself


def test_a_row_read_ahead_may_itself_span_lines(tmp_path: Path) -> None:
    # Row 3 has a stray quote; looking for its end, the reader reads row 4, whose quoted last
    # value spans onto the next line (its quoted lead id closes row 3's quote, its last value
    # opens another), and finds a closing quote there, but not the header's 7 fields: row 3 is
    # rejected, and row 4, read again from the lines read ahead, is one row over two lines.
    lines = _export(5)
    lines[2] = lines[2].replace("seller-2", '"seller-2')
    lines[3] = '"L003"' + lines[3][4:].rsplit(",", 1)[0] + ',"1030'
    lines.insert(4, '"')
    path = _write(tmp_path / "ahead.csv", "\n".join(lines) + "\n")
    crm = read_crm(path, timezone=STOCKHOLM)
    assert crm.summary.continuation_lines == 1
    unclosed = crm.rejected[crm.rejected["reason"] == "unclosed quote"]
    assert list(unclosed["row"]) == [3]
    assert set(crm.leads["row"]) | set(crm.rejected["row"]) == {2, 3, 4, 5, 6}
    _accounted(crm, path)
