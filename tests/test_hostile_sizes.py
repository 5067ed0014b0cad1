"""Sizes within each field's own bound that add up to a runaway workload: exit 2 up front.

Twenty shifts of 10,000 sellers (each within ``MAX_SELLERS_PER_SHIFT``) made ``slasim check``
use 10 GB of memory; the sum is bounded by ``MAX_SCHEDULED_SELLERS`` in the schema, so the
message names the file and field before anything is simulated.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import run_cli as run

from slasim.limits import MAX_SCHEDULED_SELLERS, MAX_SELLERS_PER_SHIFT

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
