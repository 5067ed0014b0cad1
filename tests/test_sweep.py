"""``slasim sweep`` / :func:`slasim.sweep`: common random numbers over a grid, the tidy table,
the files it writes, and every bad input refused before any work (exit 2)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli

import slasim
from slasim.cli.main import main
from slasim.errors import InputError
from slasim.measure.catalogue import metric
from slasim.measure.experiment import simulate
from slasim.measure.sweeps import KEY_METRICS, SweepResult, build_points, sweep
from slasim.render.sweep_figure import sweep_figure, sweep_heatmap, sweep_line
from slasim.scenario.grid import parse_grid
from slasim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
GRID = ["team.shifts[0].sellers=5,7", "sla.tiers.hot.quota=120,160"]
REPS, SEED = 6, 11


@pytest.fixture(scope="module")
def swept() -> SweepResult:
    return sweep(BASELINE, GRID, REPS, SEED)


def _point(result: SweepResult, *values: object) -> pd.DataFrame:
    (match,) = [p for p in result.points if p.values == values]
    return match.result.replications


def test_the_api_is_exported_and_returns_a_result_object(swept: SweepResult) -> None:
    assert slasim.sweep is sweep
    assert isinstance(swept, SweepResult)
    assert [p.values for p in swept.points] == [(5, 120), (5, 160), (7, 120), (7, 160)]
    d = swept.to_dict()
    assert d["grid"] == [{"path": "team.shifts[0].sellers", "values": [5, 7]},
                         {"path": "sla.tiers.hot.quota", "values": [120, 160]}]
    assert [p["values"] for p in d["points"]][1] == {  # type: ignore[index]
        "team.shifts[0].sellers": 5, "sla.tiers.hot.quota": 160}


def test_points_that_differ_only_in_an_sla_term_simulate_the_same_months(
    swept: SweepResult,
) -> None:
    low, high = _point(swept, 5, 120), _point(swept, 5, 160)
    # A quota is a promise, not a change to any lead: every metric but the flags is the same
    # number in the same replication (common random numbers: one seed for every point).
    for column in low.columns:
        if metric(column[0]).kind != "flag":
            assert low[column].to_numpy().tobytes() == high[column].to_numpy().tobytes(), column
    # The higher hot quota is met only in months where the lower one is, and not in all.
    met_low = low[("marketing_met", "hot")].to_numpy()
    met_high = high[("marketing_met", "hot")].to_numpy()
    assert (met_low >= met_high).all()
    assert met_low.sum() > met_high.sum()


def test_every_point_sees_the_same_leads(swept: SweepResult) -> None:
    created = [p.result.metric("leads_created").to_numpy() for p in swept.points]
    for other in created[1:]:
        np.testing.assert_array_equal(other, created[0])
    # ... while staffing does change what happens to them.
    assert not np.array_equal(_point(swept, 5, 120)[("seller_utilization", "all")],
                              _point(swept, 7, 120)[("seller_utilization", "all")])


def test_a_point_is_exactly_simulate_of_its_scenario(swept: SweepResult) -> None:
    scenario = load_scenario(BASELINE, ["team.shifts[0].sellers=7", "sla.tiers.hot.quota=160"])
    alone = simulate(scenario, REPS, SEED)
    pd.testing.assert_frame_equal(_point(swept, 7, 160), alone.replications, check_exact=True)


def test_workers_do_not_change_a_byte() -> None:
    grid = ["team.shifts[0].sellers=5,7"]
    serial = sweep(BASELINE, grid, 4, 3)
    pooled = sweep(BASELINE, grid, 4, 3, workers=2)
    for a, b in zip(serial.points, pooled.points, strict=True):
        assert a.result.replications.to_numpy().tobytes() == (
            b.result.replications.to_numpy().tobytes())
    pd.testing.assert_frame_equal(serial.table, pooled.table, check_exact=True)


def test_the_table_has_one_row_per_point_and_the_verdicts_of_slasim_verdict(
    swept: SweepResult,
) -> None:
    table = swept.table
    sides = [f"p_{s}{end}" for s in ("marketing", "sales", "joint") for end in ("", "_low", "_high")]
    stats = [f"{m}_{c}" for m in KEY_METRICS for c in ("mean", "ci_low", "ci_high")]
    assert list(table.columns) == [
        "team.shifts[0].sellers", "sla.tiers.hot.quota", *sides, "realistic", "verdict", *stats]
    assert len(table) == 4
    for row, point in zip(table.itertuples(index=False), swept.points, strict=True):
        verdict = point.result.verdict
        assert (row[0], row[1]) == point.values
        assert row.realistic == verdict.realistic
        assert row.verdict == verdict.sentence()
        assert row.p_joint == verdict.p["joint"]
        assert (row.p_sales_low, row.p_sales_high) == verdict.ci["sales"]
        summary = point.result.summary.set_index(["metric", "tier"])
        assert row.profit_mean == summary.loc[("profit", "all"), "mean"]
        assert row.cost_ci_high == summary.loc[("cost", "all"), "ci_high"]


def test_overrides_apply_before_the_grid_and_a_scenario_object_works_too() -> None:
    scenario = load_scenario(BASELINE)
    from_object = sweep(scenario, ["sla.tiers.hot.quota=100"], 2, 0,
                        overrides=["team.shifts[0].sellers=9"])
    from_file = sweep(BASELINE, ["sla.tiers.hot.quota=100"], 2, 0,
                      overrides=["team.shifts[0].sellers=9"])
    assert from_object.points[0].result.scenario.team.shifts[0].sellers == 9
    pd.testing.assert_frame_equal(from_object.table, from_file.table, check_exact=True)


def test_an_invalid_point_is_named_once_with_the_flag_path_and_value() -> None:
    scenario = load_scenario(BASELINE)
    from slasim.scenario.grid import parse_grid

    axes = [parse_grid("team.shifts[0].sellers=-1..1"), parse_grid("routing.policy=fifo,oops")]
    with pytest.raises(InputError) as caught:
        build_points(scenario, axes, str(BASELINE))
    text = [str(p) for p in caught.value.problems]
    assert len(text) == len(set(text))  # each mistake once, not once per point
    assert any(p.startswith("--grid: team.shifts[0].sellers: got -1") for p in text), text
    assert any(p.startswith("--grid: routing.policy: ") and "'oops'" in p for p in text), text
    with pytest.raises(InputError) as caught:
        build_points(scenario, [parse_grid("team.sellerz=1,2")], str(BASELINE))
    assert "unknown key 'sellerz'" in str(caught.value)


def test_figures_line_for_one_axis_heat_map_for_two(swept: SweepResult) -> None:
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    assert sweep_heatmap(swept, "profit", ax=ax) is ax
    assert ax.get_ylabel() == "team.shifts[0].sellers"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["120", "160"]
    cells = sorted(t.get_text() for t in ax.texts)
    assert len(cells) == 4 and all(c.endswith(("k", "M")) for c in cells)
    one = sweep(BASELINE, ["routing.policy=fifo,tier_priority"], 2, 0)
    line = sweep_line(one, "p_sales")
    assert [t.get_text() for t in line.get_xticklabels()] == ["fifo", "tier_priority"]
    fig = sweep_figure(swept)
    assert len([a for a in fig.axes if a.get_images()]) == 1


def test_cli_writes_the_csv_and_the_figure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code, stdout, err = run_cli(
        ["sweep", str(BASELINE), "--grid", "team.shifts[0].sellers=5..7..2",
         "--grid", "routing.policy=fifo,tier_priority", "--reps", "2", "--seed", "4",
         "--out", str(out), "--quiet"], capsys)
    assert code == 0, err
    with (out / "sweep.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 4
    assert [(r["team.shifts[0].sellers"], r["routing.policy"]) for r in rows] == [
        ("5", "fifo"), ("5", "tier_priority"), ("7", "fifo"), ("7", "tier_priority")]
    assert {"p_marketing", "p_sales", "p_joint", "realistic", "verdict", "cost_mean",
            "profit_mean", "profit_ci_low"} <= set(rows[0])
    assert (out / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in out.iterdir()) == ["sweep.csv", "sweep.png"]
    assert "sweep of baseline: 4 points x 2 months" in stdout
    assert "tier_priority" in stdout and "wrote sweep.csv, sweep.png" in err


def test_cli_svg_parquet_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code, stdout, err = run_cli(
        ["sweep", str(BASELINE), "--grid", "team.shifts[0].sellers=5,6", "--reps", "2",
         "--out", str(out), "--figure", "svg", "--plot", "profit", "--parquet",
         "--json", "-", "--quiet"], capsys)
    assert code == 0, err
    assert (out / "sweep.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    parquet = pd.read_parquet(out / "sweep.parquet")
    from_csv = pd.read_csv(out / "sweep.csv")
    assert list(parquet.columns) == list(from_csv.columns) and len(parquet) == 2
    np.testing.assert_allclose(parquet["profit_mean"], from_csv["profit_mean"], rtol=1e-9)
    import json

    assert [p["values"] for p in json.loads(stdout)["points"]] == [
        {"team.shifts[0].sellers": 5}, {"team.shifts[0].sellers": 6}]


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--grid", "team.shifts[0].sellers=9..3"], ["--grid: team.shifts[0].sellers: got '9..3'", "a <= b"]),
        (["--grid", "team.shifts[0].sellers=0,x"], ["--grid: team.shifts[0].sellers: got 'x'"]),
        (["--grid", "routing.policie=fifo"], ["unknown key 'policie'", "did you mean 'policy'"]),
        (["--grid", "a=1", "--reps", "0"], ["--reps: got 0"]),
        (["--grid", "sla.confidence=0.5", "--parquet"], ["--parquet", "expected --out too"]),
        (["--grid", "sla.confidence=0.5", "--executor", "local", "--scheduler", "tcp://h:8786"],
         ["--scheduler: got 'tcp://h:8786' with --executor local"]),
        (["--grid", "sla.confidence=0.1..0.9..0.1", "--grid", "routing.policy=fifo",
          "--grid", "team.shifts[0].sellers=1..13", "--out", "{tmp}/o"],
         ["--figure", "13 panels", "at most 12", "--figure none"]),
    ],
)
def test_cli_refuses_bad_input_with_exit_2_before_any_work(
    extra: list[str], words: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["sweep", str(BASELINE), *(a.replace("{tmp}", str(tmp_path)) for a in extra)]
    code, _, err = run_cli(argv, capsys)
    assert code == 2
    assert "Traceback" not in err
    for word in words:
        assert word in err
    assert not (tmp_path / "o").exists()


def test_cli_never_writes_over_an_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    scenario = out / "sweep.csv"  # a scenario file that happens to have the CSV's name
    scenario.write_bytes(BASELINE.read_bytes())
    code, _, err = run_cli(["sweep", str(scenario), "--grid", "sla.confidence=0.5",
                            "--out", str(out)], capsys)
    assert code == 2 and "never overwrites its inputs" in err
    assert scenario.read_bytes() == BASELINE.read_bytes()


def test_cli_never_writes_over_a_file_a_grid_point_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A grid over team.roster names input files of its own, which the base scenario does not.
    out = tmp_path / "out"
    out.mkdir()
    roster = ROOT / "scenarios" / "roster-april.csv"
    first, second = out / "sweep.csv", out / "r2.csv"  # the first has the results' name
    for copy in (first, second):
        copy.write_bytes(roster.read_bytes())
    centre = ROOT / "scenarios" / "contact-centre.toml"
    grid = ["--grid", f"team.roster={first},{second}", "--reps", "2", "--quiet"]
    code, _, err = run_cli(["sweep", str(centre), *grid, "--out", str(out)], capsys)
    assert code == 2 and f"which is the input '{first}'" in err, err
    code, _, err = run_cli(["sweep", str(centre), *grid, "--json", str(second)], capsys)
    assert code == 2 and f"which is the input '{second}'" in err, err
    assert first.read_bytes() == second.read_bytes() == roster.read_bytes()


def test_cli_refuses_outputs_it_could_not_write_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    base = ["sweep", str(BASELINE), "--grid", "routing.policy=fifo,tier_priority",
            "--reps", "2", "--quiet"]
    # --json naming the folder --out is about to create.
    folder = tmp_path / "j"
    code, _, err = run_cli([*base, "--out", str(folder), "--json", str(folder)], capsys)
    assert code == 2 and f"--json: got '{folder}', which --out writes its files into" in err
    assert not folder.exists()
    # A read-only folder (root writes anywhere, so the check is shown a read-only one): the
    # run once crashed with exit 1 after the whole simulation.
    import slasim.outputs

    locked = tmp_path / "locked"
    locked.mkdir()
    real = slasim.outputs.os.access
    monkeypatch.setattr(slasim.outputs.os, "access",
                        lambda p, mode: False if Path(p) == locked else real(p, mode))
    for option in (["--out", str(locked)], ["--out", str(locked / "sub")],
                   ["--json", str(locked / "x.json")]):
        code, _, err = run_cli([*base, *option], capsys)
        assert code == 2 and f"cannot write into the folder '{locked}'" in err, (option, err)
    assert list(locked.iterdir()) == []


def test_figure_none_needs_no_out_and_svg_is_the_same_bytes_twice(
    swept: SweepResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(["sweep", str(BASELINE), "--grid", "routing.policy=fifo",
                              "--reps", "2", "--figure", "none", "--quiet"], capsys)
    assert code == 0 and "routing.policy" in out, err
    from slasim.render.sweep_files import write_sweep

    # matplotlib names SVG clip paths with a random salt unless told one.
    a = write_sweep(swept, tmp_path / "a", figure="svg")[-1]
    b = write_sweep(swept, tmp_path / "b", figure="svg")[-1]
    assert a.read_bytes() == b.read_bytes()


def test_a_path_that_leads_nowhere_is_named_once_on_the_grid(
    capsys: pytest.CaptureFixture[str]
) -> None:
    for item, words in (
        ("nosuch.key=1,2", ["--grid: nosuch.key: unknown key 'nosuch'"]),
        ("team.shifts[5].sellers=4,5", ["--grid: team.shifts[5].sellers: index [5] is out of "
                                        "range", "expected a path into the scenario"]),
    ):
        code, _, err = run_cli(["sweep", str(BASELINE), "--grid", item, "--reps", "2"], capsys)
        assert code == 2, err
        for word in words:
            assert err.count(word) == 1, (word, err)


def test_an_axis_over_shifts_next_to_an_axis_over_the_roster_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    roster = ROOT / "scenarios" / "roster-april.csv"
    code, _, err = run_cli(["sweep", str(BASELINE), "--grid", f"team.roster={roster}",
                            "--grid", "team.shifts[0].sellers=4,5", "--reps", "2"], capsys)
    assert code == 2 and "staff from team.roster" in err and "change nothing" in err, err


def test_parquet_without_pyarrow_and_dask_without_distributed_say_what_to_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow -> ImportError
    monkeypatch.setitem(sys.modules, "distributed", None)
    base = ["sweep", str(BASELINE), "--grid", "sla.confidence=0.5", "--out", str(tmp_path / "o")]
    code, _, err = run_cli([*base, "--parquet"], capsys)
    assert code == 2 and "--parquet: needs pyarrow" in err and "pip install pyarrow" in err
    code, _, err = run_cli([*base, "--executor", "dask", "--quiet"], capsys)
    assert code == 2 and "--executor: got 'dask'" in err and "pip install 'slasim[dask]'" in err
    assert not (tmp_path / "o" / "sweep.csv").exists()


def test_an_axis_over_shifts_of_a_roster_scenario_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    # contact-centre staffs from a roster: sweeping team.shifts would simulate the same month
    # at every point and call the flat line a result.
    centre = ROOT / "scenarios" / "contact-centre.toml"
    code, _, err = run_cli(["sweep", str(centre), "--grid", "team.shifts[0].sellers=4,8",
                            "--reps", "2", "--out", str(tmp_path / "o")], capsys)
    assert code == 2, err
    assert "team.shifts[0].sellers" in err and "team.roster" in err and "change nothing" in err
    assert not (tmp_path / "o").exists()
    # An axis over something the roster scenario does use is fine.
    assert build_points(load_scenario(centre), [parse_grid("routing.policy=fifo,newest_first")])


def test_sweep_of_a_quarter_says_what_a_replication_and_p_are(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 5 replications of a 90-day horizon judged month by month were "5 months", and the P
    # columns (kept in every month, as the verdict reads them) did not say so.
    quarter = str(Path(__file__).resolve().parent.parent / "scenarios" / "quarter.toml")
    assert main(["sweep", quarter, "--grid", "team.shifts[0].sellers=5,6", "--reps", "2",
                 "--quiet"]) == 0
    head = capsys.readouterr().out.splitlines()[0]
    assert "2 points x 2 periods of 90 days (seed 0, the same periods at every point)" in head
    assert "P = kept in every month" in head


def test_sweep_table_never_rounds_a_judged_share_across_the_confidence(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 71 of 89 months (0.798) printed "80 %" in a row whose realistic column said "no".
    code = main(["sweep", str(BASELINE), "--set", "routing.policy=tier_priority",
                 "--set", "sla.tiers.hot.qualify_rate_target=0.2",
                 "--set", "sla.tiers.warm.attempt_share=0.85",
                 "--grid", "team.shifts[0].sellers=7", "--reps", "89", "--seed", "0", "--quiet"])
    assert code == 0
    row = capsys.readouterr().out.splitlines()[-1].split()
    # 7 | marketing | sales 79.8 % | joint (the three with one count of decimals) | no | ...
    assert row[:8] == ["7", "25.8", "%", "79.8", "%", "20.2", "%", "no"]


def test_a_range_of_bad_values_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    # horizon.days=1..3650 printed 3,250 lines, one per day above the 400 allowed.
    code = main(["sweep", str(BASELINE), "--grid", "horizon.days=1..3650", "--reps", "2"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == ["error: --grid: horizon.days: got 401, 402, 403, ..., 3650 (3,250 values); "
                   "expected: input should be less than or equal to 400"]
