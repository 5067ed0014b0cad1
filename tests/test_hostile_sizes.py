"""Sizes within each field's own bound that add up to a runaway workload: exit 2 up front.

Twenty shifts of 10,000 sellers (each within ``MAX_SELLERS_PER_SHIFT``) made ``slasim check``
use 10 GB of memory; the sum is bounded by ``MAX_SCHEDULED_SELLERS`` in the schema, so the
message names the file and field before anything is simulated.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import run_cli as run

from slasim.limits import MAX_MENU_CANDIDATES, MAX_SCHEDULED_SELLERS, MAX_SELLERS_PER_SHIFT

ROOT = Path(__file__).resolve().parent.parent
BASE = str(ROOT / "scenarios" / "baseline.toml")


def _assert_input_error(code: int, err: str, *pieces: str) -> None:
    assert code == 2, err
    for piece in pieces:
        assert piece in err, f"{piece!r} not in {err!r}"
    assert "Traceback" not in err and "internal error" not in err
    assert len(err.strip().splitlines()) == 1, err


def _shift(name: str, sellers: int) -> str:
    return (
        f'[[team.shifts]]\nname = "{name}"\nweekdays = ["mon", "tue", "wed", "thu", "fri"]\n'
        f'start = "08:00"\nend = "17:00"\nsellers = {sellers}\n'
    )


def test_twenty_full_shifts_exit_2_from_the_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shifts = "".join(_shift(f"s{j}", MAX_SELLERS_PER_SHIFT) for j in range(20))
    # A scenario that lists the shifts itself (extends would merge the parent's list).
    text = Path(BASE).read_text(encoding="utf-8")
    head, tail = text.split("[[team.shifts]]", 1)
    tail = tail[tail.index("[cadence]"):tail.index("[optimize]")]
    path = tmp_path / "crowd.toml"
    path.write_text(head + shifts + tail, encoding="utf-8")
    code, _, err = run(["check", "--no-simulate", str(path)], capsys)
    _assert_input_error(
        code, err, f"error: {path}: team.shifts: got 200,000 sellers in all (20 shift(s))",
        f"expected at most {MAX_SCHEDULED_SELLERS:,} sellers scheduled",
    )


def test_one_shift_may_still_hold_every_scheduled_seller() -> None:
    from slasim.scenario.load import load_scenario

    scenario = load_scenario(BASE, [f"team.shifts[0].sellers={MAX_SCHEDULED_SELLERS}"])
    assert scenario.team.shifts[0].sellers == MAX_SCHEDULED_SELLERS


def test_hires_beyond_the_scheduled_sellers_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    hires = "team.hires=[{shift='office', start=2026-04-10, sellers=5}]"
    code, _, err = run(
        ["check", "--no-simulate", BASE, "--set", f"team.shifts[0].sellers={MAX_SCHEDULED_SELLERS}",
         "--set", hires], capsys,
    )
    _assert_input_error(code, err, "error: --set: team.hires: got 10,005 sellers in all "
                                   "(1 shift(s) and 1 hire cohort(s))")


def test_a_roster_beyond_the_scheduled_sellers_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [f"{day},08:{j:02d},17:00,{MAX_SELLERS_PER_SHIFT}"
            for j in range(3) for day in ("mon", "tue")]
    roster = tmp_path / "roster.csv"
    roster.write_text("weekday,start,end,sellers\n" + "\n".join(rows) + "\n", encoding="utf-8")
    path = tmp_path / "rostered.toml"
    path.write_text(f"extends = {BASE!r}\nname = 'rostered'\n[team]\nroster = 'roster.csv'\n",
                    encoding="utf-8")
    code, _, err = run(["check", "--no-simulate", str(path)], capsys)
    _assert_input_error(code, err, f"{roster}", "has 30,000 sellers",
                        f"expected at most {MAX_SCHEDULED_SELLERS:,} sellers scheduled")


# -- [optimize] menus: a bounded number of candidates -------------------------------------------

MENUS: list[tuple[list[str], list[str]]] = [
    # a step of 1 over 10^7 held 5 GB before the search began; 10^-6 was an internal error
    (["optimize.tiers.hot.volume=[0, 10000000]", "optimize.tiers.hot.volume_step=1"],
     ["optimize.tiers.hot.volume_step: got 1, which makes 10,000,001 volume levels",
      f"expected at most {MAX_MENU_CANDIDATES:,} levels"]),
    (["optimize.tiers.hot.volume=[0, 10000000]", "optimize.tiers.hot.volume_step=1e-6"],
     ["optimize.tiers.hot.volume_step: got 1e-06, which makes 10,000,000,000,001 volume levels"]),
    (["optimize.tiers.hot.response_targets=[" + ", ".join(["5"] * 10_001) + "]"],
     ["optimize.tiers.hot.response_targets: got a menu of 10,001 entries"]),
    (["optimize.tiers.hot.response_targets=[" + ", ".join(map(str, range(1, 201))) + "]",
      "optimize.tiers.hot.response_shares=[" + ", ".join(["0.5"] * 51) + "]"],
     ["optimize.tiers.hot: response_targets (200) x response_shares (51) make 10,200 response "
      "terms"]),
]


@pytest.mark.parametrize(("overrides", "pieces"), MENUS, ids=["step-1", "step-1e-6", "targets",
                                                               "targets-x-shares"])
def test_an_optimize_menu_beyond_the_bound_exits_2(
    overrides: list[str], pieces: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["check", "--no-simulate", BASE]
    for item in overrides:
        argv += ["--set", item]
    code, _, err = run(argv, capsys)
    _assert_input_error(code, err, "error: --set: ", *pieces)


def test_the_default_volume_step_still_spans_a_wide_range() -> None:
    from slasim.scenario.load import load_scenario

    wide = load_scenario(BASE, ["optimize.tiers.hot.volume=[0, 499950]"])
    assert wide.optimize is not None and wide.optimize.tiers["hot"].volume_step == 50


def test_optimize_sellers_beyond_the_scheduled_sellers_exit_2() -> None:
    from slasim.errors import InputError
    from slasim.optimizer.space import build_space
    from slasim.scenario.load import load_scenario

    scenario = load_scenario(BASE, [
        f"optimize.sellers.office=[3, {MAX_SCHEDULED_SELLERS}]",
        "team.hires=[{shift='office', start=2026-04-10, sellers=5}]",
    ])
    with pytest.raises(InputError) as caught:
        build_space(scenario)
    text = str(caught.value)
    assert "optimize.sellers" in text and "add up to 10,005 sellers" in text, text


def test_the_staffing_search_stays_within_the_scheduled_sellers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The fewest-sellers search of plan and report tries up to 4x today's team: from 2,500
    # sellers it built scenarios beyond MAX_SCHEDULED_SELLERS and stopped with exit 2 halfway.
    # Shown on the baseline (6 sellers, short) with the bound lowered to 6 and then 8.
    import slasim.planning.staffing
    import slasim.scenario.team
    from slasim.planning.staffing import fewest_sellers
    from slasim.scenario.load import load_scenario

    scenario = load_scenario(BASE)
    for bound, most in ((6, 6), (8, 8)):
        for module in (slasim.planning.staffing, slasim.scenario.team):
            monkeypatch.setattr(module, "MAX_SCHEDULED_SELLERS", bound)
        answer = fewest_sellers(scenario, reps=4)
        assert answer.sellers is None  # today's 6 are short; at most `bound` were tried
        assert int(answer.levels["total"].max()) == most


def test_a_header_name_over_the_csv_field_limit_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A 200,000-character column name was an internal error (csv's field size limit) while
    # the same cell in a data row is a rejected row.
    path = tmp_path / "long.csv"
    path.write_text("lead_id,created_at," + "t" * 200_000 + "\nL1,2026-04-01,hot\n")
    code, _, err = run(["crm-check", str(path)], capsys)
    _assert_input_error(code, err, "long.csv: header: a column name is longer than 131,072")


def test_a_repeated_column_name_is_named_once_among_many(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The check now counts every name at once (header.count per name took 25 s for 32,000
    # columns and over 12 minutes for 200,000; measured by hand, not timed here): it still
    # names the repeated column and how often it appears.
    names = ",".join(f"c{i}" for i in range(20_000))
    path = tmp_path / "wide.csv"
    path.write_text(f"lead_id,created_at,tier,{names},c5,c5\nL1,2026-04-01,hot\n")
    code, _, err = run(["crm-check", str(path)], capsys)
    _assert_input_error(code, err, "wide.csv: header: column 'c5' appears 3 times")
