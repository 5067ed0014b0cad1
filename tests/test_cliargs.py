"""The shared CLI pieces of :mod:`slasim.cli.args`, alone and as every subcommand uses them."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import ClassVar

import pytest

import slasim.cli.args
import slasim.cli.crm
from slasim.cli.args import (
    Progress,
    add_scenario_args,
    add_simulation_args,
    amount,
    iso_datetime,
    positive_int,
    seed,
    share,
    write_json,
)
from slasim.cli.main import main
from slasim.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"

# Argument errors stop argparse before any file is read, so these paths need not exist.
_COMMANDS: dict[str, list[str]] = {
    "run": ["run", str(BASELINE)],
    "compare": ["compare", str(BASELINE), str(BASELINE)],
    "report": ["report", str(BASELINE)],
    "optimize": ["optimize", str(BASELINE)],
    "track": ["track", "leads.csv", "--agreement", str(BASELINE)],
}


def _fails(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run the CLI, require exit 2 without a traceback; return stderr."""
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("command", sorted(_COMMANDS))
@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--seed", "-1", "argument --seed: got -1; expected an integer >= 0"),
        ("--seed", "1.5", "argument --seed: got '1.5'; expected an integer >= 0"),
        ("--workers", "0", "argument --workers: got 0; expected a positive integer"),
        ("--workers", "two", "argument --workers: got 'two'; expected a positive integer"),
    ],
)
def test_every_simulating_command_checks_seed_and_workers(
    command: str, option: str, value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _fails([*_COMMANDS[command], option, value], capsys)
    assert f"error: <cli>: {message}" in err


@pytest.mark.parametrize("command", ["run", "compare", "report", "track"])
def test_reps_must_be_positive(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    err = _fails([*_COMMANDS[command], "--reps", "0"], capsys)
    assert "argument --reps: got 0; expected a positive integer" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        # --as-of is read by the command (before any file): no "argument" prefix.
        (["track", "leads.csv", "--agreement", str(BASELINE), "--as-of", "May 1st"],
         "error: <cli>: --as-of: got 'May 1st'; expected ISO-8601, e.g. 2026-05-01"),
        (["calibrate", "leads.csv", "--as-of", "2026-13-01"],
         "error: <cli>: --as-of: got '2026-13-01'; expected ISO-8601, e.g. 2026-05-01"),
        (["calibrate", "leads.csv", "--sim-reps", "0"],
         "argument --sim-reps: got 0; expected a positive integer"),
        (["calibrate", "leads.csv", "--seed", "-3"],
         "argument --seed: got -3; expected an integer >= 0"),
        (["optimize", str(BASELINE), "--confidence", "nan"],
         "argument --confidence: got nan; expected a share in (0, 1), e.g. 0.8"),
        (["optimize", str(BASELINE), "--budget", "0"],
         "argument --budget: got 0.0; expected a finite amount > 0"),
    ],
)
def test_other_typed_options(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert message in _fails(argv, capsys)


def test_types_return_parsed_values() -> None:
    assert positive_int("7") == 7 and seed("0") == 0
    assert share("0.8") == pytest.approx(0.8) and amount("1e6") == pytest.approx(1e6)
    assert iso_datetime("2026-05-01T08:00:00+02:00") == datetime(
        2026, 5, 1, 8, 0, tzinfo=timezone(timedelta(hours=2))
    )
    naive = iso_datetime("2026-05-01")
    assert naive is not None and naive.tzinfo is None  # naive: the scenario's zone applies
    assert iso_datetime(None) is None  # option not given
    for parse, bad in ((share, "1"), (share, "0"), (amount, "-1"), (positive_int, "1.0")):
        with pytest.raises(argparse.ArgumentTypeError, match="got"):
            parse(bad)


def test_scenario_and_simulation_args_defaults() -> None:
    p = argparse.ArgumentParser()
    add_scenario_args(p, several=True)
    add_simulation_args(p, 30, "simulated months")
    args = p.parse_args(["a.toml", "b.toml", "--set", "x=1", "--set", "y=2"])
    assert args.scenario == ["a.toml", "b.toml"] and args.overrides == ["x=1", "y=2"]
    assert (args.reps, args.seed, args.workers, args.quiet) == (30, 0, 1, False)
    assert "simulated months (default 30)" in p.format_help()

    single = argparse.ArgumentParser()
    add_scenario_args(single)
    add_simulation_args(single, None)  # a command without --reps
    args = single.parse_args(["a.toml", "--seed", "5", "--quiet"])
    assert args.scenario == "a.toml" and args.seed == 5 and args.quiet
    assert not hasattr(args, "reps")


def test_write_json_file_stdout_and_bad_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    payload = {"reps": 3, "when": datetime(2026, 5, 1)}
    target = tmp_path / "out.json"
    write_json(payload, str(target))
    assert json.loads(target.read_text(encoding="utf-8")) == {
        "reps": 3, "when": "2026-05-01 00:00:00"
    }
    write_json(payload, "-")
    assert json.loads(capsys.readouterr().out)["reps"] == 3
    bad = tmp_path / "missing-folder" / "out.json"
    with pytest.raises(InputError) as info:
        write_json(payload, str(bad))
    problem = info.value.problems[0]
    assert problem.source == str(bad) and problem.field == "--json"
    assert "cannot write the file" in problem.message


@pytest.mark.parametrize("reps", [1, 3])
def test_progress_adds_up_runs(reps: int) -> None:
    # Three runs (options or months) of `reps` each, reported as simulate() does: 1..reps.
    bar = Progress(3 * reps, quiet=True)
    with bar as tick:
        for _ in range(3):
            for done in range(1, reps + 1):
                tick(done, reps)
    assert bar.done == 3 * reps


def test_progress_follows_a_changing_plan() -> None:
    bar = Progress(None, quiet=True, desc="optimizing")
    with bar as tick:
        tick(5, 100)
        tick(40, 60)  # the plan shrank: the bar shows the latest count
    assert bar.done == 40


class _Recording(Progress):
    """A quiet Progress that remembers its total and final count."""

    seen: ClassVar[list[tuple[int | None, int]]] = []

    def __init__(self, total: int | None, quiet: bool, desc: str = "simulating") -> None:
        super().__init__(total, True, desc)
        self._total = total

    def __exit__(self, *exc: object) -> None:
        _Recording.seen.append((self._total, self.done))
        super().__exit__(*exc)


def test_track_bar_counts_every_month(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Two calendar months of leads: track simulates --reps months for each of them.
    export = tmp_path / "leads.csv"
    export.write_text(
        "lead_id,created_at,tier\n"
        "a,2026-04-14 09:30,hot\n"
        "b,2026-04-20 10:00,warm\n"
        "c,2026-05-05 11:15,cold\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(slasim.cli.crm, "Progress", _Recording)
    _Recording.seen = []
    argv = ["track", str(export), "--agreement", str(BASELINE), "--reps", "2",
            "--as-of", "2026-05-10"]
    assert main(argv) == 0, capsys.readouterr().err
    assert main([*argv, "--period", "2026-04"]) == 0, capsys.readouterr().err
    assert _Recording.seen == [(4, 4), (2, 2)]


# -- --workers beyond the machine's CPUs --------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "workers", "notice"),
    [
        (["--workers", "9"], 2, "--workers 9 is more than the 2 CPUs"),
        (["--workers", "9", "--executor", "dask"], 2, "--workers 9 is more than the 2 CPUs"),
        (["--workers", "2"], 2, None),
        (["--workers", "1"], 1, None),
        # A remote cluster's workers are its own: nothing starts here, nothing is capped.
        (["--workers", "9", "--scheduler", "tcp://h:8786"], 9, None),
    ],
)
def test_workers_are_capped_at_the_cpus(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    argv: list[str], workers: int, notice: str | None,
) -> None:
    monkeypatch.setattr(slasim.cli.args, "usable_cpus", lambda: 2)
    parser = argparse.ArgumentParser()
    add_simulation_args(parser, default_reps=10, reps_help="months")
    slasim.cli.args.add_executor_args(parser)
    args = parser.parse_args(argv)
    slasim.cli.args.cap_workers(args)
    assert args.workers == workers
    err = capsys.readouterr().err
    if notice is None:
        assert err == ""
    else:
        assert notice in err and "running 2 (the results are the same)" in err


def test_workers_beyond_the_cpus_give_the_same_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Through main: --workers 64 on a "1-CPU machine" runs 2 processes (not 64; never fewer
    # than 2, so --workers 2 means the same everywhere) and gives the JSON of --workers 1.
    monkeypatch.setattr(slasim.cli.args, "usable_cpus", lambda: 1)
    mmn = str(ROOT / "scenarios" / "textbook-mmn.toml")
    for workers, out in (("64", "a.json"), ("1", "b.json")):
        assert main(["run", mmn, "--reps", "3", "--quiet", "--workers", workers,
                     "--json", str(tmp_path / out)]) == 0
    err = capsys.readouterr().err
    assert err.count("--workers 64 is more than the 1 CPU this") == 1
    assert "running 2 (the results are the same)" in err
    assert main(["run", mmn, "--reps", "3", "--quiet", "--workers", "2",
                 "--json", str(tmp_path / "c.json")]) == 0
    assert "more than" not in capsys.readouterr().err  # 2 is never lowered
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
