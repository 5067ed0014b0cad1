"""Values beyond the model's range, nonsense accepted as numbers, runaway workloads: exit 2.

Three classes of input that used to end in an internal error (exit 1), in ``inf`` / ``null``
results, or silently in a misread value:

1. dates pandas cannot hold, amounts, volumes and durations that overflow, scenarios nested
   or chained too deep, tiers that cannot be simulated;
2. booleans and quoted strings read as numbers, ``--set`` paths with an empty part, ``--set
   extends``;
3. replication counts without an upper bound, and workloads too big to wait for.

Every case runs through the real entry point (or the loader) and must exit 2 with a message
naming the field and the bad value, without a traceback. A meta-test walks the schema so that
a new number field without a strict type and an upper bound fails the suite.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import pytest
from cli_helpers import run_cli as run
from pydantic import BaseModel

from slasim.errors import InputError
from slasim.limits import MAX_EXTENDS_DEPTH, MAX_NESTING
from slasim.scenario.load import load_scenario
from slasim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parent.parent
BASE = str(ROOT / "scenarios" / "baseline.toml")
FAST = str(ROOT / "scenarios" / "option-fast-response.toml")
#: A complete tier, to add one under a bad name.
TIER = (
    "{monthly_volume=10, base_contact=0.5, base_qualify=0.5, opportunity_rate=0.5, win_rate=0.5, "
    "deal_size={median=1, p90=2}, sales_cycle_days={median=1, p90=2}}"
)
NO_LEADS = [f"tiers.{t}.monthly_volume=0" for t in ("hot", "warm", "cold")]


def assert_input_error(code: int, err: str, *pieces: str) -> None:
    """Exit 2, every piece in the message, and no traceback or internal error."""
    assert code == 2, err
    for piece in pieces:
        assert piece in err, f"{piece!r} not in {err!r}"
    assert "Traceback" not in err and "internal error" not in err


def _set(*overrides: str) -> list[str]:
    return [arg for item in overrides for arg in ("--set", item)]


# -- 1. values that overflow the model ---------------------------------------------------------

OVERFLOW: list[tuple[list[str], list[str]]] = [
    # dates outside pandas' range (1677-2262), wherever a date is read
    (["horizon.start=9999-12-31"], ["horizon.start", "got 9999-12-31", "1900-01-01 to 2199-12-31"]),
    (["horizon.start=0001-01-01"], ["horizon.start", "got 0001-01-01", "1900-01-01 to 2199-12-31"]),
    (["horizon.start=2200-01-01"], ["horizon.start", "got 2200-01-01"]),
    (["calendar.holidays=[2026-04-10, 9999-12-31]"], ["calendar.holidays[1]", "got 9999-12-31"]),
    (["calendar.holidays=[0001-01-01]"], ["calendar.holidays[0]", "got 0001-01-01"]),
    # volumes, durations and money beyond any plan
    (["tiers.hot.monthly_volume=1e9"], ["tiers.hot.monthly_volume", "got 1000000000.0", "at most 10,000,000 leads per month"]),
    (["team.handling_conversation.mean_minutes=1e308"], ["team.handling_conversation.mean_minutes", "1e+308", "at most 525,600 minutes (one year)"]),
    (["team.cost_per_seller_month=1e308"], ["team.cost_per_seller_month", "1e+308", "at most 1,000,000,000,000"]),
    (["costs.cost_per_lead.hot=1e308"], ["costs.cost_per_lead.hot", "1e+308", "must stay finite"]),
    (["tiers.hot.deal_size={median=1, p90=1e12}"], ["tiers.hot.deal_size", "lognormal mean", "at most 1,000,000,000,000"]),
    (["tiers.hot.sales_cycle_days={median=1e300, p90=1e308}"], ["tiers.hot.sales_cycle_days.median", "at most 3,650 days"]),
    (["tiers.hot.sales_cycle_days={median=0.0001, p90=3000}"], ["tiers.hot.sales_cycle_days", "30,000,000 times median", "at most 100,000 times"]),
    (["tiers.hot.profile.hour=[1e308, 1]"], ["tiers.hot.profile.hour[0]", "1e+308", "only their ratios matter"]),
    (["tiers.hot.dispersion=1e300"], ["tiers.hot.dispersion", "1e+300", "at most 100"]),
    (["cadence.window_days=1e300"], ["cadence.window_days", "at most 365 days"]),
    (["sla.tiers.hot.quota=100000000000000000"], ["sla.tiers.hot.quota", "100000000000000000"]),
    (["optimize.tiers.hot.volume=[0, 1e308]"], ["optimize.tiers.hot.volume[1]", "1e+308"]),
    # tier names that cannot be told apart or from the totals
    ([f'tiers.""={TIER}'], ["tiers", "tier name ''", "empty"]),
    ([f'tiers." hot"={TIER}'], ["tiers", "tier name ' hot'", "spaces around it"]),
    ([f"tiers.all={TIER}"], ["tiers", "'all' is reserved for the totals"]),
    # a name a spreadsheet would compute: --export-leads writes it as '=1+2, which no longer
    # matches the tier when the export is read back (a plain number such as -1 is fine)
    ([f'tiers."=1+2"={TIER}'], ["tiers", "tier name '=1+2'", "spreadsheet formula"]),
    ([f'tiers."@hot"={TIER}'], ["tiers", "tier name '@hot'", "letter or digit"]),
    # nested thousands deep (RecursionError before)
    (["description=" + "[" * 5000 + "]" * 5000], ["description", f"nested more than {MAX_NESTING} levels"]),
    (["description=" + "[" * 40 + "]" * 40], ["description[0][0]", f"nested more than {MAX_NESTING} levels"]),
    (["tiers.hot.profile={weekday=" + "{a=" * 600 + "1" + "}" * 600 + "}"], ["tiers.hot.profile", "nested more than"]),
    ([".".join(["a"] * 3000) + "=1"], ["a.a.a", "nested more than"]),
]


@pytest.mark.parametrize(
    ("overrides", "pieces"), OVERFLOW, ids=[c[0][0][:40] for c in OVERFLOW]
)
def test_values_beyond_the_model_exit_2(
    overrides: list[str], pieces: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["check", BASE, *_set(*overrides)], capsys)
    assert_input_error(code, err, "error: --set: ", *pieces)


@pytest.mark.parametrize("command", ["check", "plan"])
@pytest.mark.parametrize(
    ("overrides", "where"),
    [
        # volume x handling minutes beyond any team: the staffing search stopped with exit 1
        (["tiers.hot.monthly_volume=1e7", "team.handling_conversation.mean_minutes=500000"],
         "shift 'office' gets"),
        ([*(f"tiers.{t}.monthly_volume=1e7" for t in ("hot", "warm", "cold")),
          "tiers.hot.profile.hour=[" + "0, " * 23 + "1]",
          "team.handling_conversation.mean_minutes=60"],
         "the busiest hour of the week"),
    ],
)
def test_a_workload_no_team_can_carry_exits_2(
    command: str, overrides: list[str], where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run([command, BASE, *_set(*overrides)], capsys)
    assert_input_error(code, err, "--set: tiers.*.monthly_volume:", where,
                       "erlangs of work", "lower the volumes")


@pytest.mark.parametrize(
    "command", [["check"], ["plan"], ["run", "--reps", "1", "--quiet"]]
)
def test_no_leads_in_any_tier_exits_2(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # check and plan divided by the volume (exit 1); run simulated an empty month (exit 0).
    code, _, err = run([command[0], BASE, *command[1:], *_set(*NO_LEADS)], capsys)
    assert_input_error(code, err, "error: --set: tiers.*.monthly_volume: every "
                                  "tier has no leads (hot.monthly_volume(=0), warm.",
                       "expected monthly_volume > 0 in at least one tier")


def test_a_trace_replays_arrivals_without_volumes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "trace.csv").write_text("created_at,tier\n2026-04-01T10:00,hot\n")
    path = _write(tmp_path / "traced.toml", f"extends = {BASE!r}\nname = 'traced'\n"
                                            "[trace]\npath = 'trace.csv'\n")
    code, _, err = run(["run", path, "--reps", "1", "--quiet", *_set(*NO_LEADS)], capsys)
    assert code == 0, err


def _write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_files_nested_too_deep_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    arrays = _write(tmp_path / "arrays.toml", "description = " + "[" * 600 + "]" * 600 + "\n")
    tables = _write(tmp_path / "tables.toml", "[" + ".".join(["a"] * 3000) + "]\nb = 1\n")
    for path in (arrays, tables):
        code, _, err = run(["check", path], capsys)
        assert_input_error(code, err, f"error: {path}: ", f"nested more than {MAX_NESTING}")


def test_an_extends_chain_hundreds_deep_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for i in range(300):
        parent = f"chain{i + 1}.toml" if i < 299 else BASE
        _write(tmp_path / f"chain{i}.toml", f"extends = {parent!r}\nname = 'c{i}'\n")
    code, _, err = run(["check", str(tmp_path / "chain0.toml")], capsys)
    assert_input_error(code, err, f"chain0.toml: extends: the chain of extends is longer than "
                                  f"{MAX_EXTENDS_DEPTH} files")
    # A chain of sane length still loads.
    assert load_scenario(tmp_path / f"chain{300 - 20}.toml").name == "c280"


def test_an_empty_tier_name_in_a_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "empty.toml", f"extends = {BASE!r}\n[tiers.\"\"]\nmonthly_volume = 3\n")
    code, _, err = run(["check", path], capsys)
    assert_input_error(code, err, f"error: {path}: tiers: tier name '' is empty")
    assert "is required but missing" not in err  # the name is the mistake, not its fields


def test_a_quoted_tier_name_can_be_set(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["check", BASE, *_set(f'tiers."paid search"={TIER}')], capsys)
    assert code == 0, err
    assert "paid search" in out


# -- 2. nonsense accepted silently -------------------------------------------------------------

NONSENSE: list[tuple[list[str], list[str]]] = [
    (["team.shifts[0].sellers=true"], ["team.shifts[0].sellers", "got True", "true and false are not numbers"]),
    (["tiers.hot.monthly_volume=true"], ["tiers.hot.monthly_volume", "got True", "valid number"]),
    (["horizon.days=false"], ["horizon.days", "got False"]),
    (["cadence.spacing_minutes=[30, true]"], ["cadence.spacing_minutes[1]", "got True"]),
    (["tiers.hot.monthly_volume='150'"], ["tiers.hot.monthly_volume", "got '150'", "without quotes"]),
    (["team.shifts[0].sellers=5.5"], ["team.shifts[0].sellers", "got 5.5", "valid integer"]),
    (["team..shrinkage=0.3"], ["team..shrinkage", "part 2 of 'team..shrinkage' is empty"]),
    ([".team.shrinkage=0.3"], ["part 1 of '.team.shrinkage' is empty"]),
    (["team.shrinkage.=0.3"], ["part 3 of 'team.shrinkage.' is empty"]),
    (["team.shif ts[0].sellers=1"], ["part 'shif ts[0]'", "is not a key"]),
    (["extends='other.toml'"], ["extends", "--set cannot change extends"]),
]


@pytest.mark.parametrize(
    ("overrides", "pieces"), NONSENSE, ids=[c[0][0] for c in NONSENSE]
)
def test_nonsense_is_refused(
    overrides: list[str], pieces: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["check", BASE, *_set(*overrides)], capsys)
    assert_input_error(code, err, "error: --set: ", *pieces)


def test_a_float_field_still_takes_an_integer() -> None:
    scenario = load_scenario(BASE, ["tiers.hot.monthly_volume=200", "team.shrinkage=0"])
    assert scenario.tiers["hot"].monthly_volume == 200.0
    assert isinstance(scenario.tiers["hot"].monthly_volume, float)


# -- 3. replications and workloads -------------------------------------------------------------

REPS: list[tuple[list[str], list[str]]] = [
    (["run", "--quiet", BASE, "--reps", "1000000000"], ["argument --reps: got 1000000000", "up to 100,000"]),
    (["compare", "--quiet", BASE, FAST, "--reps", "100001"], ["argument --reps: got 100001"]),
    (["report", "--quiet", BASE, "--reps", "200000"], ["argument --reps: got 200000"]),
    (["track", "--quiet", "leads.csv", "--agreement", BASE, "--reps", "1000000"], ["argument --reps: got 1000000"]),
    (["optimize", "--quiet", BASE, "--verify-reps", "5"], ["argument --verify-reps: got 5", "from 30 to 100,000"]),
    (["optimize", "--quiet", BASE, "--verify-reps", "1000000"], ["argument --verify-reps: got 1000000"]),
    (["optimize", "--quiet", BASE, "--budget", "1e300"], ["argument --budget: got 1e+300", "<= 1e12"]),
    (["plan", BASE, "--revenue-goal", "1e300"], ["--revenue-goal: got 1e+300", "<= 1e12"]),
    # within the cap, but estimated too long: refused up front with the estimate
    (["run", "--quiet", BASE, "--reps", "100000"], ["--reps: got 100,000: about 147,", "simulated leads", "h with 1 worker(s)", "expected at most 100,000,000"]),
    (["compare", "--quiet", BASE, FAST, "--reps", "50000"], ["--reps: got 50,000: about", "2 scenario(s)"]),
    (["optimize", "--quiet", BASE, "--verify-reps", "100000"], ["--verify-reps: got 100,000: about"]),
    (["optimize", "--quiet", BASE, "--set", "optimize.verify_reps=100000"], ["optimize.verify_reps: got 100,000"]),
    # one replication too big for memory
    (["run", "--quiet", BASE, "--reps", "1", "--set", "tiers.hot.monthly_volume=1e7"], ["--set: tiers.*.monthly_volume: about 9,857,", "GB of records", "at most 5,000,000 leads per replication"]),
]


@pytest.mark.parametrize("argv", [c[0] for c in REPS], ids=[" ".join([c[0][0], *c[0][-2:]]) for c in REPS])
def test_replications_and_workloads_are_bounded(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)  # report writes report.html here if it ever ran
    pieces = dict((tuple(a), p) for a, p in REPS)[tuple(argv)]
    code, _, err = run(argv, capsys)
    assert_input_error(code, err, *pieces)


@pytest.mark.parametrize("verify_reps", [5, 29, 100_001, True])
def test_optimize_api_enforces_the_verify_reps_bounds(verify_reps: int) -> None:
    from slasim.optimizer import optimize

    with pytest.raises(ValueError, match=rf"verify_reps\(={verify_reps!r}\) must be a whole "
                                         r"number from 30 to 100,000"):
        optimize(load_scenario(BASE), verify_reps=verify_reps)


# -- the schema: every number strict and bounded -----------------------------------------------


def _numbers(
    annotation: object, path: str, wrap: Callable[[str], str]
) -> Iterator[tuple[str, Callable[[str], str], type]]:
    """``(path, value wrapper, int or float)`` of every number field under ``annotation``.

    The wrapper puts a value in the containers around it: ``[[X]]`` for the arrival matrix.
    Dictionaries get the baseline's keys (tier ``hot``, shift ``office``).
    """
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Annotated:
        yield from _numbers(args[0], path, wrap)
    elif origin in (typing.Union, types.UnionType):
        for arg in args:
            if arg is not type(None):
                yield from _numbers(arg, path, wrap)
    elif origin is list:
        if isinstance(args[0], type) and issubclass(args[0], BaseModel):
            yield from _model_numbers(args[0], f"{path}[0].")
        else:
            yield from _numbers(args[0], path, lambda v: wrap(f"[{v}]"))
    elif origin is dict:
        key = "office" if path.endswith("sellers") else "hot"
        yield from _numbers(args[1], f"{path}.{key}", wrap)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield from _model_numbers(annotation, f"{path}.")
    elif annotation in (int, float):
        yield path, wrap, typing.cast(type, annotation)


def _model_numbers(
    model: type[BaseModel], prefix: str
) -> Iterator[tuple[str, Callable[[str], str], type]]:
    for name, info in model.model_fields.items():
        yield from _numbers(info.annotation, f"{prefix}{name}", lambda v: v)


NUMBER_FIELDS = sorted({(p, w("X"), k.__name__) for p, w, k in _model_numbers(Scenario, "")})
#: Items of lists the baseline does not have, set first so that ``path[0].field`` exists.
_EXISTING = {"team.hires[0].": 'team.hires=[{shift="office", start=2026-04-15, sellers=1}]'}


def test_the_schema_walk_finds_the_number_fields() -> None:
    paths = {p for p, _, _ in NUMBER_FIELDS}
    assert {"tiers.hot.monthly_volume", "team.shifts[0].sellers", "tiers.hot.profile.matrix",
            "optimize.sellers.office", "costs.cost_per_lead.hot",
            "tiers.hot.deal_size.median"} <= paths
    assert ("tiers.hot.profile.matrix", "[[X]]", "float") in NUMBER_FIELDS
    assert len(NUMBER_FIELDS) > 40


@pytest.mark.parametrize(("path", "shape", "kind"), NUMBER_FIELDS, ids=[f[0] for f in NUMBER_FIELDS])
def test_every_number_field_is_strict_and_bounded(path: str, shape: str, kind: str) -> None:
    # A boolean is not a number; a value near the float (or 64-bit int) limit is beyond every
    # sane bound. Both must be refused at this field, whatever else the override breaks.
    huge = "1e300" if kind == "float" else str(10**18)
    for value, words in (("true", "true and false are not numbers"), (huge, "")):
        with pytest.raises(InputError) as info:
            first = [v for k, v in _EXISTING.items() if path.startswith(k)]
            load_scenario(BASE, [*first, f"{path}={shape.replace('X', value)}"])
        here = [p for p in info.value.problems if p.field.startswith(path)]
        assert here, f"{path}={value} refused, but not at the field: {info.value}"
        if words:
            assert any(words in p.message for p in here), str(info.value)
        else:
            assert any(
                "at most" in p.message or "less than" in p.message for p in here
            ), f"{path}={huge}: no upper bound in {info.value}"
