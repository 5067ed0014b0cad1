"""Output files: never over an input, checked before any work, written atomically, CSV cells
that a spreadsheet would run neutralised, and names escaped in report.md.

The command cases run through the real entry point (:func:`cli_helpers.run_cli`).
"""

from __future__ import annotations

import csv
import os
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest
from cli_helpers import run_cli

from slasim import outputs
from slasim.cli.optimize import OUTPUT_FILES
from slasim.crm.io.export import export_leads
from slasim.errors import InputError
from slasim.measure.experiment import simulate
from slasim.outputs import (
    atomic_open,
    atomic_write_bytes,
    atomic_write_text,
    check_outputs,
    neutralise_cell,
    neutralise_frame,
    write_csv,
)
from slasim.render.doc import (
    Bullets,
    Callout,
    Figure,
    Heading,
    Paragraph,
    Table,
    to_html,
    to_markdown,
)
from slasim.scenario.load import input_files, load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
TEXTBOOK = ROOT / "scenarios" / "textbook-mmn.toml"
FORMULA = '=HYPERLINK("http://evil.example","x")'
SHORT = ["--set", "horizon.days=1"]


def leftovers(folder: Path) -> list[str]:
    """Temporary files of atomic writes still in ``folder``."""
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def assert_refused(code: int, err: str, *pieces: str) -> None:
    assert code == 2, err
    for piece in pieces:
        assert piece in err, f"{piece!r} not in {err!r}"
    assert "Traceback" not in err and "internal error" not in err


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    """A copy of the baseline (a test that failed to refuse must not damage the repository)."""
    path = tmp_path / "b.toml"
    shutil.copyfile(BASELINE, path)
    return path


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A simulated April of the baseline as a CRM export; one owner's name is a formula."""
    scenario = load_scenario(BASELINE)
    rep = simulate(scenario, 1, seed=3, keep_records=True).records[0]  # type: ignore[index]
    path = tmp_path_factory.mktemp("outputs") / "leads.csv"
    frame = export_leads(scenario, rep, path)
    frame.loc[frame.index[:50], "owner"] = FORMULA
    frame.to_csv(path, index=False)  # the hostile input, written raw
    return path


def formula_scenario(folder: Path, *, tier: str = "only", shift: str = "always") -> Path:
    """The M/M/n textbook case with a formula as its name (and optionally tier/shift name)."""
    text = TEXTBOOK.read_text(encoding="utf-8")
    text = text.replace('name = "textbook-mmn"', 'name = "=1+2"')
    text = text.replace("tiers.only", f'tiers."{tier}"')
    text = text.replace('name = "always"', f'name = "{shift}"')
    path = folder / f"formula-{tier}-{shift}.toml".replace("=", "eq").replace("@", "at")
    path.write_text(text, encoding="utf-8")
    return path


def csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


# -- atomic writes ---------------------------------------------------------------------------


def test_atomic_write_replaces_the_file_and_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    atomic_write_text(target, "new é\n")
    assert target.read_text(encoding="utf-8") == "new é\n"
    assert target.stat().st_mode & 0o777 == 0o640
    atomic_write_bytes(tmp_path / "new.bin", b"\x00\x01")
    assert (tmp_path / "new.bin").read_bytes() == b"\x00\x01"
    # A new file gets what open() would give (umask), not the temporary file's 0600.
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "new.bin").stat().st_mode & 0o777 == 0o666 & ~umask
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_interrupted_write_keeps_the_old_file_and_no_temporary(
    tmp_path: Path, error: BaseException
) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old contents\n", encoding="utf-8")
    with pytest.raises(type(error)), atomic_open(target) as fh:
        fh.write("half a tab")
        fh.flush()
        raise error
    assert target.read_text(encoding="utf-8") == "old contents\n"
    assert leftovers(tmp_path) == []


def test_interrupted_json_write_through_the_cli(
    scenario: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = tmp_path / "check.json"
    target.write_text('{"old": true}\n', encoding="utf-8")

    def fail(fd: int) -> None:  # the data is in the temporary file; the sync fails
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outputs.os, "fsync", fail)
    code, _, err = run_cli(["check", str(scenario), "--json", str(target)], capsys)
    assert_refused(code, err, f"error: {target}: --json: cannot write the file", "No space left")
    assert target.read_text(encoding="utf-8") == '{"old": true}\n'
    assert leftovers(tmp_path) == []


def test_interrupted_csv_write_through_the_cli(
    export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = tmp_path / "rejected.csv"
    target.write_text("old,rows\n", encoding="utf-8")
    to_csv = pd.DataFrame.to_csv

    def half_then_fail(self: pd.DataFrame, path: object = None, **kwargs: object) -> None:
        to_csv(self.head(1), path, **kwargs)  # type: ignore[call-overload]
        raise KeyboardInterrupt  # Ctrl-C midway through the table

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_fail)
    code, _, err = run_cli(["crm-check", str(export), "--rejected", str(target)], capsys)
    assert code == 130, err
    assert target.read_text(encoding="utf-8") == "old,rows\n"
    assert leftovers(tmp_path) == []


# -- outputs that are inputs, checked before any work ----------------------------------------


def test_crm_check_rejected_over_its_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "x.csv"
    export.write_text("lead_id,created_at,tier\nA,yesterday,hot\n", encoding="utf-8")
    before = export.read_bytes()
    code, out, err = run_cli(["crm-check", str(export), "--rejected", str(export)], capsys)
    assert_refused(code, err, f"error: {export}: --rejected: got '{export}', which is the input",
                   "slasim never overwrites its inputs")
    assert out == ""  # refused before the import report
    assert export.read_bytes() == before


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "{s}", "--reps", "2", "--quiet", "--json", "{s}"],
        ["run", "{s}", "--reps", "2", "--quiet", "--export-leads", "{s}"],
        ["check", "{s}", "--json", "{s}"],
        ["plan", "{s}", "--json", "{s}"],
        ["compare", "{s}", str(BASELINE), "--reps", "2", "--quiet", "--csv", "{s}"],
    ],
    ids=["run-json", "run-export-leads", "check-json", "plan-json", "compare-csv"],
)
def test_output_over_the_scenario_is_refused(
    argv: list[str], scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = scenario.read_bytes()
    started = time.perf_counter()
    code, out, err = run_cli([a.replace("{s}", str(scenario)) for a in argv], capsys)
    assert_refused(code, err, f"got '{scenario}', which is the input '{scenario}'")
    assert time.perf_counter() - started < 5  # before simulating, not after
    assert scenario.read_bytes() == before
    assert "replications" not in out


def test_calibrate_out_over_its_base(
    export: Path, scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = scenario.read_bytes()
    code, out, err = run_cli(
        ["calibrate", str(export), "--base", str(scenario), "--out", str(scenario)], capsys
    )
    assert_refused(code, err, f"error: {scenario}: --out: got '{scenario}', which is the input")
    assert out == "" and scenario.read_bytes() == before


def test_output_over_an_extends_parent_or_through_a_link(
    scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sub = tmp_path / "options"
    sub.mkdir()
    child = sub / "child.toml"
    child.write_text('extends = "../b.toml"\nname = "child"\n', encoding="utf-8")
    assert input_files(load_scenario(child)) == (child, sub / "../b.toml")
    link = tmp_path / "link.json"
    link.symlink_to(scenario)
    before = scenario.read_bytes()
    for target in (scenario, link, sub / ".." / "b.toml"):
        code, _, err = run_cli(
            ["run", str(child), "--reps", "2", "--quiet", "--json", str(target)], capsys
        )
        assert_refused(code, err, "--json: got", "which is the input", "b.toml")
    assert scenario.read_bytes() == before and link.is_symlink()


def test_output_over_a_trace_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trace = tmp_path / "trace.csv"
    trace.write_text("created_at,tier\n2026-04-01T10:00,hot\n", encoding="utf-8")
    scenario = tmp_path / "traced.toml"
    scenario.write_text(f'extends = "{BASELINE.as_posix()}"\nname = "traced"\n'
                        '[trace]\npath = "trace.csv"\n', encoding="utf-8")
    code, _, err = run_cli(["check", str(scenario), "--json", str(trace)], capsys)
    assert_refused(code, err, f"which is the input '{trace}'")


def test_track_out_folder_holding_its_agreement(
    export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A CRM export that happens to be called like one of track's tables, in its --out folder.
    folder = tmp_path / "track"
    folder.mkdir()
    inside = folder / "summary.csv"
    shutil.copyfile(export, inside)
    code, out, err = run_cli(["track", str(inside), "--agreement", str(BASELINE), "--quiet",
                              "--reps", "2", "--out", str(folder)], capsys)
    assert_refused(code, err, f"error: {inside}: --out: got '{inside}', which is the input")
    assert out == ""


def test_optimize_out_is_checked_before_the_optimisation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no" / "such" / "opt"
    started = time.perf_counter()
    code, out, err = run_cli(["optimize", str(BASELINE), "--quiet", "--out", str(missing)],
                             capsys)
    assert time.perf_counter() - started < 1.0  # the optimisation itself takes ~40 s
    assert_refused(code, err, f"error: {missing}: --out: cannot create the folder (the folder "
                              f"'{missing.parent}' does not exist)")
    assert out == "" and not missing.parent.exists()
    # A proposal re-optimised into its own folder would overwrite itself.
    folder = tmp_path / "opt"
    folder.mkdir()
    proposal = folder / "proposal.toml"
    shutil.copyfile(BASELINE, proposal)
    code, _, err = run_cli(["optimize", str(proposal), "--quiet", "--out", str(folder)], capsys)
    assert_refused(code, err, f"--out: got '{proposal}', which is the input")
    # A file where the folder should be.
    code, _, err = run_cli(["optimize", str(BASELINE), "--quiet", "--out", str(proposal)],
                           capsys)
    assert_refused(code, err, f"--out: got '{proposal}', which is a file; expected a folder")


def test_folder_where_a_file_is_expected_and_one_file_twice(
    scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["check", str(scenario), "--json", str(tmp_path)], capsys)
    assert_refused(code, err, f"--json: got '{tmp_path}', which is a folder; expected a file")
    same = tmp_path / "same.out"
    code, _, err = run_cli(["compare", str(scenario), str(BASELINE), "--reps", "2", "--quiet",
                            "--csv", str(same), "--json", str(same)], capsys)
    assert_refused(code, err, f"--json: got '{same}', which --csv writes too")


def test_check_outputs_lists_every_problem(tmp_path: Path) -> None:
    source = tmp_path / "in.toml"
    source.write_text("", encoding="utf-8")
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        check_outputs(
            {"--a": source, "--b": tmp_path / "gone" / "x.csv", "--c": not_a_folder / "x",
             "--d": "-", "--e": None, "--f": tmp_path / "fine.csv"},
            [source, None],
        )
    assert [(p.field, p.source) for p in caught.value.problems] == [
        ("--a", str(source)), ("--b", str(tmp_path / "gone" / "x.csv")),
        ("--c", str(not_a_folder / "x")),
    ]
    assert "is not a folder" in caught.value.problems[2].message


# -- CSV injection ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+2", "'=1+2"), ("+1+2", "'+1+2"), ("-1+2", "'-1+2"), ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), (FORMULA, "'" + FORMULA), ("-", "'-"),
        # Plain numbers (as text too) stay numbers; other text is left alone.
        ("-3.5", "-3.5"), ("+2", "+2"), ("-1e-3", "-1e-3"), ("hot", "hot"), ("a=b", "a=b"),
        ("", ""), (-3.5, -3.5), (None, None),
    ],
)
def test_neutralise_cell(cell: object, written: object) -> None:
    assert neutralise_cell(cell) == written


def test_neutralise_frame_touches_text_only() -> None:
    frame = pd.DataFrame({
        "name": ["=cmd", "ok", None],
        "diff": [-3.5, 0.0, 2.0],
        "n": [-1, 2, 3],
        "s": pd.array(["@x", "y", "-z"], dtype="string"),
        "c": pd.Categorical(["+a", "b", "+a"]),
        "=head": [True, False, True],
    })
    out = neutralise_frame(frame)
    assert out["name"].tolist()[:2] == ["'=cmd", "ok"] and pd.isna(out["name"].iloc[2])
    assert out["s"].tolist() == ["'@x", "y", "'-z"]
    assert out["c"].tolist() == ["'+a", "b", "'+a"]
    assert out["diff"].dtype == float and out["diff"].tolist() == [-3.5, 0.0, 2.0]
    assert out["n"].tolist() == [-1, 2, 3]
    assert list(out.columns) == ["name", "diff", "n", "s", "c", "'=head"]
    assert frame["name"].tolist()[:2] == ["=cmd", "ok"]  # the input is not changed
    assert out.shape == frame.shape


def test_write_csv_to_a_stream_and_a_file(tmp_path: Path) -> None:
    import io

    frame = pd.DataFrame({"a": ["=1", "x"], "b": [-1.5, 2.0]})
    stream = io.StringIO()
    write_csv(frame, stream)
    write_csv(frame, tmp_path / "t.csv")
    assert stream.getvalue() == (tmp_path / "t.csv").read_text(encoding="utf-8")
    assert csv_rows(tmp_path / "t.csv") == [["a", "b"], ["'=1", "-1.5"], ["x", "2.0"]]


def test_crm_check_rejected_rows_are_neutralised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "x.csv"
    export.write_text(f'lead_id,created_at,tier\nA,"{FORMULA.replace(chr(34), 2 * chr(34))}",hot\n'
                      "B,-2,warm\n", encoding="utf-8")
    target = tmp_path / "rejected.csv"
    code, _, err = run_cli(["crm-check", str(export), "--rejected", str(target)], capsys)
    assert code == 0, err
    values = {row[0]: row for row in csv_rows(target)[1:]}
    header = csv_rows(target)[0]
    column = header.index("value")
    assert values["2"][column] == "'" + FORMULA
    assert values["3"][column] == "-2"  # a number stays a number
    assert not any(cell.startswith(("=", "@", "+")) for row in csv_rows(target) for cell in row)


def test_a_tier_named_like_a_formula_is_refused_before_any_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # --export-leads wrote the tier '=only' as "'=only" (neutralised), which a CRM export read
    # back no longer matched: such a name is refused by the scenario (exit 2), nothing written.
    path = formula_scenario(tmp_path, tier="=only")
    target = tmp_path / "leads.csv"
    code, _, err = run_cli(["run", str(path), "--reps", "1", "--quiet", *SHORT,
                            "--export-leads", str(target)], capsys)
    assert code == 2 and "tier name '=only' starts like a spreadsheet formula" in err, err
    assert not target.exists()


def test_compare_csv_neutralises_names_keeps_negative_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = formula_scenario(tmp_path)
    option = tmp_path / "option.toml"
    option.write_text(f'extends = "{base.name}"\nname = "-faster"\n'
                      "[[team.shifts]]\nname = \"always\"\nweekdays = [\"mon\", \"tue\", \"wed\", "
                      "\"thu\", \"fri\", \"sat\", \"sun\"]\nstart = \"00:00\"\nend = \"24:00\"\n"
                      "sellers = 11\n", encoding="utf-8")
    target = tmp_path / "compare.csv"
    code, _, err = run_cli(["compare", str(base), str(option), "--reps", "2", "--quiet", *SHORT,
                            "--csv", str(target)], capsys)
    assert code == 0, err
    rows = csv_rows(target)
    option_col = rows[0].index("option")
    assert {row[option_col] for row in rows[1:]} == {"'=1+2", "'-faster"}
    numbers = [cell for row in rows[1:] for i, cell in enumerate(row) if i != option_col]
    assert any(cell.startswith("-") and float(cell) < 0 for cell in numbers if cell[1:2].isdigit())
    assert not any(cell.startswith("'") for cell in numbers)
    # The same table on stdout is neutralised the same way.
    code, out, err = run_cli(["compare", str(base), str(option), "--reps", "2", "--quiet", *SHORT,
                              "--csv", "-"], capsys)
    assert code == 0, err
    assert out == target.read_text(encoding="utf-8")


def test_track_tables_neutralise_seller_names(
    export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "track"
    code, _, err = run_cli(["track", str(export), "--agreement", str(BASELINE), "--quiet",
                            "--reps", "2", "--out", str(folder)], capsys)
    assert code == 0, err
    rows = csv_rows(folder / "by_seller.csv")
    owner = rows[0].index("owner")
    owners = {row[owner] for row in rows[1:]}
    assert "'" + FORMULA in owners and FORMULA not in owners
    for name in ("by_tier.csv", "summary.csv", "by_seller.csv"):
        assert not any(c.startswith(("=", "@")) for row in csv_rows(folder / name) for c in row)
    assert leftovers(folder) == []


def test_optimize_tables_neutralise_shift_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = formula_scenario(tmp_path, shift="=always")
    with path.open("a", encoding="utf-8") as fh:
        fh.write('\n[optimize.sellers]\n"=always" = [5, 7]\n')
    folder = tmp_path / "opt"
    code, _, err = run_cli(["optimize", str(path), "--quiet", "--verify-reps", "30", *SHORT,
                            "--out", str(folder)], capsys)
    assert code == 0, err
    rows = csv_rows(folder / "frontier.csv")
    candidate = rows[0].index("candidate")
    assert rows[1][candidate].startswith("'=always=")
    for name in ("frontier.csv", "value_of_speed.csv"):
        assert not any(c.startswith(("=", "@", "+")) for row in csv_rows(folder / name) for c in row)
    # Money to the unit, as the terminal shows it: "%.6g" wrote 1,070,895 as 1.07089e+06.
    revenue = rows[0].index("revenue")
    digits = [len(r[revenue].replace(".", "").lstrip("0")) for r in rows[1:]]
    assert all("e" not in r[revenue] for r in rows[1:]) and max(digits) > 6, rows
    # What --out was checked for up front is what was written, and nothing else.
    assert {p.name for p in folder.iterdir()} <= set(OUTPUT_FILES)


# -- report.md -------------------------------------------------------------------------------


def test_markdown_escapes_names() -> None:
    evil = '<img src=x onerror="alert(1)"> & co'
    text = to_markdown(
        [Heading(evil), Paragraph(f"scenario {evil}"), Bullets(((evil, evil),)),
         Table(pd.DataFrame({"tier": [evil]}, index=pd.Index([evil], name="seller")), evil)],
        title=evil, subtitle=evil, figure_dir=None,
    )
    assert "<img" not in text
    assert "&lt;img src=x onerror=\"alert(1)\"> &amp; co" in text
    assert "hot > warm" in to_markdown([Paragraph("hot > warm")], title="t", subtitle=None,
                                       figure_dir=None)


def test_every_html_block_escapes_its_text() -> None:
    # The report and the tracking dashboard are both rendered by to_html: a seller or scenario
    # name carrying markup must arrive as text in every block type, captions and alt included.
    evil = '<img src=x onerror="alert(1)"> & co'
    page = to_html(
        [Heading(evil), Paragraph(evil), Paragraph(evil, note=True), Callout(evil),
         Bullets(((evil, evil), ("", evil))),
         Table(pd.DataFrame({"tier": [evil]}, index=pd.Index([evil], name="seller")), evil),
         Figure(b"\x89PNG", alt=evil, caption=evil, name="f")],
        "en",
    )
    assert "<img src=x" not in page
    # 4 single-text blocks, 3 in the bullets (lead and text, text), 3 in the table (caption,
    # index, cell), 2 in the figure (alt, caption).
    assert page.count("&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; co") == 12


def test_report_markdown_escapes_the_scenario_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "evil.toml"
    scenario.write_text(f'extends = "{BASELINE.as_posix()}"\n'
                        'name = "<script>alert(1)</script>"\n', encoding="utf-8")
    out = tmp_path / "r.html"
    code, _, err = run_cli(["report", str(scenario), "--reps", "2", "--no-staffing", "--quiet",
                            "--out", str(out)], capsys)
    assert code == 0, err
    md = out.with_suffix(".md").read_text(encoding="utf-8")
    assert "<script>" not in md and "&lt;script>alert(1)&lt;/script>" in md
    assert "<script>alert" not in out.read_text(encoding="utf-8")
    assert leftovers(tmp_path) == []


def test_an_output_through_a_link_replaces_the_file_not_the_link(tmp_path: Path) -> None:
    # --json /dev/stdout replaced the /dev/stdout link with a file (as root).
    real = tmp_path / "real.json"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    atomic_write_text(link, "new")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new"


def test_an_output_that_is_a_pipe_is_written_into_not_renamed_over(tmp_path: Path) -> None:
    # A device or FIFO was renamed over: as root `--json /dev/full` replaced /dev/full with
    # a plain file and exited 0. A FIFO stands in for a device here (no root needed).
    import stat

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # so that the writer's open returns
    try:
        atomic_write_text(fifo, "through the pipe")
        assert os.read(reader, 100) == b"through the pipe"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
