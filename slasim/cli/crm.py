"""CLI subcommands for CRM exports: ``slasim crm-check``, ``slasim calibrate``, ``slasim track``.

``register(sub)`` adds them to the ``slasim`` parser; each sets ``func(args) -> int``. User
mistakes raise :class:`~slasim.errors.InputError` (the CLI prints ``file: field: message`` and
exits 2); rows that cannot be used are reported, not fatal, unless ``--strict``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from slasim.cli.args import (
    Progress,
    add_executor_args,
    add_simulation_args,
    check_workload,
    executor_workers,
    iso_datetime,
    open_executor,
    rep_count,
    seed,
    write_json,
)
from slasim.errors import InputError
from slasim.outputs import atomic_write_text, check_outputs, write_csv

if TYPE_CHECKING:
    import pandas as pd

    from slasim.crm.calibrate.queuefit import QueueCalibrator
    from slasim.crm.io.imported import CrmImport, ImportSummary
    from slasim.scenario.schema import Scenario

__all__ = ["register"]

EXIT_OK = 0
#: Rejected rows printed before "... and N more".
DEFAULT_LISTED = 20
_DELIMITERS = {",": ",", ";": ";", "tab": "\t", "\\t": "\t", "\t": "\t", "|": "|"}


def _add_import_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("export", help="CRM export, a CSV file with one row per lead")
    p.add_argument("--base", metavar="SCENARIO.toml",
                   help="base scenario: its tiers are the allowed tiers, its time zone the default")
    p.add_argument("--map", dest="mapping", action="append", default=[],
                   metavar="CANONICAL=COLUMN[,...]",
                   help="map the export's columns, e.g. --map 'created_at=CreatedDate,tier=Lead "
                        "Source' (repeatable)")
    p.add_argument("--source-tier", dest="source_tiers", action="append", default=[],
                   metavar="TIER=SOURCE[,...]",
                   help="tier of leads from these sources when a row has no tier, e.g. "
                        "--source-tier warm=paid_search,organic ('(empty)' = blank source)")
    p.add_argument("--timezone", help="IANA zone of naive timestamps (default: the base "
                                      "scenario's, else UTC)")
    p.add_argument("--date-format", help="strptime format of non-ISO timestamps, e.g. "
                                         "'%%d/%%m/%%Y %%H:%%M'")
    p.add_argument("--encoding", default="utf-8", help="file encoding (default utf-8)")
    p.add_argument("--delimiter", choices=sorted(_DELIMITERS),
                   help="field delimiter (default: detected)")
    p.add_argument("--strict", action="store_true",
                   help="fail (exit 2) if any row is rejected, listing the rows")
    p.add_argument("--rejected", metavar="PATH", help="write every rejected row to a CSV file")
    p.add_argument("--max-listed", type=_non_negative_int, default=DEFAULT_LISTED, metavar="N",
                   help=f"rejected rows listed on screen (default {DEFAULT_LISTED})")
    p.add_argument("--set", dest="overrides", action="append", default=[],
                   metavar="KEY.PATH=VALUE",
                   help="override a value of the --base scenario (track: of the --agreement), "
                        "e.g. --set horizon.timezone=Europe/Oslo (repeatable)")


def _non_negative_int(text: str) -> int:
    """argparse type of ``--max-listed``: an integer >= 0 (0 lists no row)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r}; expected an integer >= 0") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"got {value}; expected an integer >= 0")
    return value


def _roster_interval(text: str) -> int:
    """argparse type of ``--roster-interval``: whole minutes dividing a day."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r}; expected whole minutes, e.g. 15") from None
    if value <= 0 or 1440 % value:
        raise argparse.ArgumentTypeError(
            f"got {value}; expected minutes that divide a day (1440), e.g. 15 or 30")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``crm-check``, ``calibrate`` and ``track`` to the ``slasim`` subcommands."""
    p = sub.add_parser(
        "crm-check", help="read a CRM export and report every row that cannot be used"
    )
    _add_import_args(p)
    p.set_defaults(func=cmd_crm_check)

    p = sub.add_parser(
        "calibrate",
        help="estimate volumes, arrival profile, conversion, decay curves and more from a CRM "
             "export; write them as a scenario overlay",
    )
    _add_import_args(p)
    p.add_argument("--out", metavar="CALIBRATED.toml",
                   help="write the overlay (extends the --base scenario) to this file")
    p.add_argument("--as-of",
                   help="export time for censoring, ISO-8601, at or after every time in the "
                        "export (default: its latest timestamp)")
    p.add_argument("--seed", type=seed, default=0, help="seed of bootstrap and simulation")
    p.add_argument("--sim-reps", type=rep_count, default=20,
                   help="simulated periods when base_qualify is anchored (default 20)")
    p.add_argument("--hours", action="store_true", help="also list the hour-of-day profile")
    p.add_argument("--format", dest="export_format", choices=("auto", "crm", "calls"),
                   default="auto",
                   help="crm: one row per lead; calls: a call-level or attempt-level "
                        "contact-centre export (created, answered, ended, abandoned, ...); "
                        "auto (default): calls when the header has created and abandoned")
    p.add_argument("--json", metavar="PATH",
                   help="calls: write every estimate, interval and goodness-of-fit statement "
                        "as JSON ('-' for stdout); a CRM export's fit is in the --out overlay")
    p.add_argument("--roster-interval", type=_roster_interval, default=15, metavar="MIN",
                   help="calls: grid of the roster estimated from agent ids, minutes dividing "
                        "1440 (default 15)")
    p.add_argument("--roster-gap", type=_non_negative_int, default=60, metavar="MIN",
                   help="calls: longest pause between an agent's calls inside one shift "
                        "(default 60)")
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser(
        "track",
        help="actual vs target per month, tier and seller from a CRM export, with the "
             "simulated p10-p90 band of each measure",
    )
    _add_import_args(p)
    p.add_argument("--agreement", required=True, metavar="SCENARIO.toml",
                   help="the agreed scenario: its SLA terms are the targets, its model the "
                        "bands (also the default --base)")
    p.add_argument("--lang", choices=("en", "sv"), default="en",
                   help="language of the HTML dashboard (default en); the CSV tables are neutral")
    p.add_argument("--period", metavar="YYYY-MM", help="track one month (default: every month)")
    p.add_argument("--out", metavar="DIR",
                   help="write track.html, by_tier.csv, by_seller.csv, seller_bands.csv and "
                        "summary.csv here")
    p.add_argument("--as-of",
                   help="export time, ISO-8601 (default: the latest timestamp in the export); "
                        "a month ending later is partial")
    p.add_argument("--json", metavar="PATH",
                   help="write the periods, verdicts and every table (tiers, terms, sellers, "
                        "seller bands) as JSON ('-' for stdout)")
    add_simulation_args(p, 100, "simulated months per tracked month")
    add_executor_args(p)
    p.set_defaults(func=cmd_track)


def _import(
    args: argparse.Namespace,
    out: TextIO,
    base: Scenario | None = None,
    purpose: str | None = None,
    *,
    outputs: Mapping[str, str | None] | None = None,
    folders: Mapping[str, tuple[str | None, Iterable[str]]] | None = None,
    inputs: Iterable[str | Path] = (),
) -> tuple[Scenario | None, CrmImport]:
    """Load the base scenario (if any), check the outputs, read the export; print the report.

    Parameters
    ----------
    args
        The parsed options of :func:`_add_import_args`.
    out
        Where the report goes.
    base
        The base scenario when the command loaded it already (``track``'s agreement);
        otherwise ``--base`` is loaded here with ``--set`` applied.
    purpose
        ``"calibrate"`` / ``"track"``: an export without usable rows is then an input
        error; ``None`` (``crm-check``) only reports it.
    outputs, folders, inputs
        The command's output files and folders besides ``--rejected``, and its inputs besides
        the export and the base scenario's files: :func:`slasim.outputs.check_outputs` refuses
        a bad output before the export is read.
    """
    from slasim.crm.io.importer import read_crm
    from slasim.crm.io.schema import parse_mapping, parse_source_tiers
    from slasim.scenario.load import input_files, load_scenario

    if base is None and args.base:
        base = load_scenario(args.base, args.overrides)
    elif base is None and args.overrides:
        raise InputError.single(
            "<cli>", "--set", f"got {args.overrides[0]!r} but no --base; expected --set only "
            "with a --base scenario to apply it to",
        )
    check_outputs(
        {"--rejected": args.rejected, **(outputs or {})},
        [args.export, *(input_files(base) if base else ()), *inputs],
        folders=folders,
    )
    # "" is a bad --timezone (read_crm says so), not "no --timezone".
    timezone = args.timezone if args.timezone is not None else (
        base.horizon.timezone if base else "UTC"
    )
    crm = read_crm(
        args.export,
        parse_mapping(args.mapping),
        timezone,
        list(base.tiers) if base else None,
        source_tiers=parse_source_tiers(args.source_tiers),
        strict=args.strict,
        date_format=args.date_format,
        encoding=args.encoding,
        delimiter=_DELIMITERS[args.delimiter] if args.delimiter else None,
    )
    _report(crm.summary, crm.rejected, args, out, purpose, has_base=base is not None)
    return base, crm


def _report(
    summary: ImportSummary, rejected: pd.DataFrame, args: argparse.Namespace, out: TextIO,
    purpose: str | None, *, has_base: bool,
) -> None:
    """Print the import summary and the rejected rows; write ``--rejected``; refuse an export
    without usable rows when there is a ``purpose``."""
    print("\n".join(summary.lines()), file=out)
    if args.timezone is None and not has_base:
        print("note: no --timezone and no --base: naive timestamps read as UTC", file=out)
    limit = args.max_listed
    for r in rejected.head(limit).itertuples():
        where = f"row {r.row}, column {r.column!r}" if r.column else f"row {r.row}"
        print(f"{summary.source}: {where}: {r.reason}: got {r.value!r}; {r.message}",
              file=out)
    if len(rejected) > limit:
        hint = "" if args.rejected else " (write them all with --rejected PATH)"
        print(f"... and {len(rejected) - limit} more problems{hint}", file=out)
    if args.rejected:
        try:
            write_csv(rejected, args.rejected)
        except OSError as exc:
            raise InputError.single(args.rejected, "--rejected",
                                    f"cannot write the file ({exc.strerror or exc})") from None
        print(f"wrote {len(rejected)} rejected-row problems to {args.rejected}", file=out)
    if summary.rows_used == 0:
        if purpose is not None:
            raise InputError.single(
                summary.source, "", f"nothing to {purpose}: all {summary.rows_read} rows "
                "rejected; see the list above",
            )
        print(f"no usable rows: all {summary.rows_read} rows rejected", file=out)


def cmd_crm_check(args: argparse.Namespace) -> int:
    """``slasim crm-check``: the import report; exit 0 unless ``--strict`` finds problems."""
    _import(args, sys.stdout)
    return EXIT_OK


def _is_call_export(args: argparse.Namespace) -> bool:
    """Whether ``calibrate`` reads a call-level export (``--format``, else the header)."""
    from slasim.crm.io._reader import open_table
    from slasim.crm.io.calls_format import CALL_COLUMNS, is_call_header
    from slasim.crm.io.schema import COLUMNS

    if args.export_format != "auto":
        return bool(args.export_format == "calls")
    crm_names = {c.name for c in COLUMNS}
    keys = {part.partition("=")[0].strip() for item in args.mapping for part in item.split(",")}
    if keys & (set(CALL_COLUMNS) - crm_names):
        return True
    table = open_table(args.export, args.encoding,
                       _DELIMITERS[args.delimiter] if args.delimiter else None)
    table.close()
    return is_call_header(table.header)


def _calibrate_calls(args: argparse.Namespace, as_of: datetime | None) -> int:
    """``slasim calibrate`` on a call-level export (:mod:`slasim.crm.calibrate.queuefit`)."""
    from slasim.crm.calibrate.queuefit import QueueCalibrator
    from slasim.crm.io.calls import read_calls
    from slasim.crm.io.calls_format import parse_call_mapping
    from slasim.scenario.load import input_files, load_scenario

    for option, value in (("--source-tier", args.source_tiers), ("--date-format",
                                                                  args.date_format)):
        if value:
            shown = value[0] if isinstance(value, list) else value
            raise InputError.single(
                "<cli>", option, f"got {shown!r}, but the export is call-level; expected "
                f"{option} only with a CRM export (timestamps of a call-level export are "
                "ISO-8601)",
            )
    base = load_scenario(args.base, args.overrides) if args.base else None
    if base is None and args.overrides:
        raise InputError.single(
            "<cli>", "--set", f"got {args.overrides[0]!r} but no --base; expected --set only "
            "with a --base scenario to apply it to",
        )
    roster = (Path(args.out).with_name(Path(args.out).stem + "-roster.csv")
              if args.out else None)
    check_outputs(
        {"--rejected": args.rejected, "--out": args.out, "--json": args.json,
         "--out (its roster CSV)": roster},
        [args.export, *(input_files(base) if base else ())],
    )
    # With --json - stdout carries the JSON alone.
    out = sys.stderr if args.json == "-" else sys.stdout
    timezone = args.timezone if args.timezone is not None else (
        base.horizon.timezone if base else "UTC")
    calls = read_calls(
        args.export, timezone, list(base.tiers) if base else None,
        mapping=dict(parse_call_mapping(args.mapping)), strict=args.strict,
        encoding=args.encoding, delimiter=_DELIMITERS[args.delimiter] if args.delimiter else None,
    )
    _report(calls.summary, calls.rejected, args, out, "calibrate", has_base=base is not None)
    print(file=out)
    cal = QueueCalibrator(base, as_of=as_of, roster_interval_minutes=args.roster_interval,
                          roster_gap_minutes=float(args.roster_gap)).fit(calls)
    print(cal.format_summary(hours=args.hours), file=out)
    roster_name = None
    if args.out and roster is not None:
        shifts = cal.roster_frame() if cal.roster_ is not None else None
        # Nothing is written unless the overlay loads (a 425-day export replaced the old --out
        # and wrote the roster, then exit 2): checked with a scratch copy of the roster.
        _check_calls_overlay(cal, args, shifts)
        if shifts is not None:
            _write(lambda: write_csv(shifts, roster), roster, "--out")
            roster_name = roster.name
            print(f"wrote {roster} ({len(shifts)} shifts)", file=out)
        text = _noted(cal.to_overlay_toml(args.base, args.out, roster_name), args.overrides)
        if args.overrides:
            print(f"note: {_set_note(args.overrides)}", file=out)
        _write(lambda: atomic_write_text(args.out, text), args.out, "--out")
        load_scenario(args.out, args.overrides)  # the overlay must load; a failure is a bug
        print(f"wrote {args.out} (extends {args.base})", file=out)
    if args.json:
        write_json(cal.to_dict(roster), args.json)
    return EXIT_OK


def _check_calls_overlay(
    cal: QueueCalibrator, args: argparse.Namespace, shifts: pd.DataFrame | None
) -> None:
    """:func:`_check_overlay` for a call calibration, its roster in a scratch file beside
    ``--out`` (the overlay names its roster relative to itself)."""
    import os
    import tempfile

    scratch = None
    try:
        if shifts is not None:
            handle, scratch = tempfile.mkstemp(dir=Path(args.out).resolve().parent,
                                               prefix=".calibrated.", suffix="-roster.csv")
            os.close(handle)
            _write(lambda: write_csv(shifts, scratch), args.out, "--out")
        name = None if scratch is None else Path(scratch).name
        _check_overlay(_noted(cal.to_overlay_toml(args.base, args.out, name), args.overrides),
                       args.out, args.overrides)
    finally:
        if scratch is not None:
            with suppress(OSError):
                os.unlink(scratch)


def _set_note(overrides: list[str]) -> str:
    return ("calibrated with --set " + " --set ".join(overrides)
            + "; these values are not in this file: repeat them when you use it")


def _noted(text: str, overrides: list[str] | None) -> str:
    """The overlay ``text``, headed by the ``--set`` items it was calibrated with.

    The overlay extends the base *file*: the ``--set`` values are not in it. Say so in the
    file, where the next reader looks (the commands also print it).
    """
    return f"# {_set_note(overrides)}\n{text}" if overrides else text


def _write(action: Callable[[], None], path: str | Path, option: str) -> None:
    try:
        action()
    except OSError as exc:
        raise InputError.single(str(path), option,
                                f"cannot write the file ({exc.strerror or exc})") from None


def cmd_calibrate(args: argparse.Namespace) -> int:
    """``slasim calibrate``: estimates with 95 % intervals; ``--out`` writes the overlay."""
    from slasim.crm.calibrate.calibrator import Calibrator

    if args.out and not args.base:
        raise InputError.single(
            "<cli>", "--out", "needs --base: the overlay extends a base scenario"
        )
    as_of = iso_datetime(args.as_of)  # before any file: a typo must not wait for a long read
    if _is_call_export(args):
        return _calibrate_calls(args, as_of)
    if args.json:
        raise InputError.single(
            "<cli>", "--json", f"got {args.json!r}; expected --json only with a call-level "
            "export (CRM calibration prints its summary and writes --out)",
        )
    base, crm = _import(args, sys.stdout, purpose="calibrate", outputs={"--out": args.out})
    print()
    calibrator = Calibrator(base, seed=args.seed, as_of=as_of, sim_reps=args.sim_reps).fit(crm)
    print(calibrator.format_summary(hours=args.hours))
    if args.out:
        text = _noted(calibrator.to_overlay_toml(args.base, args.out), args.overrides)
        if args.overrides:
            print(f"note: {_set_note(args.overrides)}")
        _check_overlay(text, args.out, args.overrides)
        _write(lambda: atomic_write_text(args.out, text), args.out, "--out")
        print(f"wrote {args.out} (extends {args.base})")
    return EXIT_OK


def _check_overlay(text: str, out: str, overrides: list[str] | None) -> None:
    """Load the overlay ``text`` from a scratch file beside ``out`` before ``out`` is written.

    An export whose values make no scenario (a placeholder 1900-01-01 row gave a dispersion of
    1,482) was written over the old ``--out`` and then refused (exit 2): the old file is kept.
    """
    import os
    import tempfile

    from slasim.scenario.load import load_scenario

    folder = Path(out).resolve().parent
    handle, scratch = tempfile.mkstemp(dir=folder, prefix=".calibrated.", suffix=".toml")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        try:
            load_scenario(scratch, overrides or ())
        except InputError as exc:
            found = "; ".join(str(p).replace(scratch, "the overlay") for p in exc.problems)
            raise InputError.single(
                out, "--out", f"not written: the calibrated overlay is not a valid scenario "
                f"({found}); expected values a scenario accepts: look for placeholder dates "
                "or values in the export (slasim crm-check lists every row)",
            ) from None
    finally:
        with suppress(OSError):
            os.unlink(scratch)


def _months_in_export(crm: CrmImport, agreement: Scenario) -> int:
    """Calendar months with leads, in the agreement's time zone (as :func:`track` cuts them)."""
    if len(crm.leads) == 0:
        return 0  # track() refuses an export without leads; nothing is simulated
    local = crm.leads["created_at"].dt.tz_convert(agreement.horizon.timezone)
    return int(local.dt.strftime("%Y-%m").nunique())


def cmd_track(args: argparse.Namespace) -> int:
    """``slasim track``: actual vs target and simulated bands; ``--out`` writes the files."""
    from slasim.crm.track.periods import row_accounting
    from slasim.crm.track.tracker import track
    from slasim.render.dashboard import OUTPUT_FILES, format_track, write_outputs
    from slasim.scenario.load import input_files, load_scenario

    as_of = iso_datetime(args.as_of)
    agreement = load_scenario(args.agreement, args.overrides)
    # Without --base the agreement (with its --set values) gives the tiers and time zone that
    # read the export; a separate --base is read as given.
    base = agreement if args.base is None else load_scenario(args.base)
    # With --json - stdout carries the JSON alone.
    out = sys.stderr if args.json == "-" else sys.stdout
    _, crm = _import(args, out, base, purpose="track", outputs={"--json": args.json},
                     folders={"--out": (args.out, OUTPUT_FILES)}, inputs=input_files(agreement))
    print(file=out)
    # track() simulates --reps months for every tracked month: the bar counts them all.
    months = 1 if args.period else _months_in_export(crm, agreement)
    if months:  # refuse a job too big before it starts (each month simulates --reps months)
        check_workload([agreement], args.reps * months, workers=args.workers)
    with open_executor(args) as executor, Progress(args.reps * months, args.quiet) as tick:
        result = track(crm, agreement, period=args.period, reps=args.reps, seed=args.seed,
                       workers=executor_workers(executor, args.workers), as_of=as_of,
                       progress=tick, executor=executor)
    print(format_track(result), file=out)
    print(row_accounting(crm, result.periods, result.as_of, args.period), file=out)
    payload = result.to_dict() if args.json else None  # built before any file is replaced
    if args.out:
        for path in write_outputs(result, args.out, lang=args.lang):
            print(f"wrote {path}", file=out)
    if payload is not None:
        write_json(payload, args.json)
    return EXIT_OK
