"""``slasim examples`` and ``slasim init``: where a user without the repository starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import run_cli

from slasim.scenario.load import load_scenario
from slasim.scenario.starters import copy_example, examples, scenarios_dir
from slasim.scenario.template import InitOptions, render

ROOT = Path(__file__).resolve().parent.parent
INIT_FLAGS = ["--sellers", "4", "--leads-per-month", "600", "--hours", "08-17",
              "--timezone", "Europe/Stockholm", "--country", "SE", "--currency", "SEK",
              "--start", "2026-04-01"]


def test_the_examples_are_the_repository_scenarios() -> None:
    # One copy: the package data is built from scenarios/ (pyproject's package-dir).
    assert scenarios_dir() == ROOT / "scenarios"
    names = {e.name for e in examples()}
    assert names == {p.stem for p in (ROOT / "scenarios").glob("*.toml")}
    assert "baseline" in names


def test_examples_lists_names_and_descriptions(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["examples"], capsys)
    assert code == 0
    assert out.splitlines()[0].startswith("baseline ")
    assert "option-fast-response" in out and "(extends baseline.toml)" in out


def test_show_prints_the_file_with_its_comments(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["examples", "show", "baseline"], capsys)
    assert code == 0
    assert out == (ROOT / "scenarios" / "baseline.toml").read_text(encoding="utf-8")


def test_copy_writes_the_parent_beside_the_child(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["examples", "copy", "option-fast-response", str(tmp_path / "d")],
                           capsys)
    assert code == 0, err
    child = tmp_path / "d" / "option-fast-response.toml"
    assert child.read_text() == (ROOT / "scenarios" / child.name).read_text()
    assert (tmp_path / "d" / "baseline.toml").is_file()
    assert load_scenario(child).name == "option-fast-response"  # extends resolves


def test_copy_writes_the_roster_a_scenario_names(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    # contact-centre staffs from a roster CSV beside it: the copy must load on its own.
    code, _, err = run_cli(["examples", "copy", "contact-centre", str(tmp_path)], capsys)
    assert code == 0, err
    roster = tmp_path / "contact-centre-roster.csv"
    assert roster.read_text() == (ROOT / "scenarios" / roster.name).read_text()
    assert load_scenario(tmp_path / "contact-centre.toml").team.roster == str(roster)  # resolved
    # init --from beside the same roster is fine (same text); a different roster is kept.
    assert run_cli(["init", str(tmp_path / "c2.toml"), "--from", "contact-centre"], capsys)[0] == 0
    roster.write_text("seller,date,start,end\n")
    code, _, err = run_cli(["init", str(tmp_path / "c3.toml"), "--from", "contact-centre"],
                           capsys)
    assert code == 2 and "exists" in err and roster.name in err
    assert not (tmp_path / "c3.toml").exists()


def test_init_from_an_example_to_another_name(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "mine.toml"
    code, _, err = run_cli(["init", str(target), "--from", "baseline"], capsys)
    assert code == 0, err
    assert target.read_text().startswith("# slasim reference scenario")
    # Writing it again is refused; --force replaces it.
    code, _, err = run_cli(["init", str(target), "--from", "baseline"], capsys)
    assert code == 2 and "exists" in err and "--force" in err
    assert run_cli(["init", str(target), "--from", "baseline", "--force"], capsys)[0] == 0


def test_copy_never_overwrites_a_different_parent(tmp_path: Path) -> None:
    (tmp_path / "baseline.toml").write_text("# mine\n")
    from slasim.errors import InputError

    with pytest.raises(InputError, match="exists"):
        copy_example("option-higher-quota", tmp_path / "b.toml")
    assert not (tmp_path / "b.toml").exists()  # nothing written unless everything can be
    assert (tmp_path / "baseline.toml").read_text() == "# mine\n"


def test_unknown_example_says_which_exist(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["init", str(tmp_path / "x.toml"), "--from", "basline"], capsys)
    assert code == 2 and "did you mean 'baseline'" in err


def test_from_and_values_do_not_mix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["init", str(tmp_path / "x.toml"), "--from", "baseline",
                            "--sellers", "3"], capsys)
    assert code == 2 and "--sellers" in err


@pytest.mark.parametrize("currency", ["SEK", "EUR", "USD"])
def test_rendered_scenario_is_valid_and_says_what_it_chose(tmp_path: Path, currency: str) -> None:
    path = tmp_path / "team.toml"
    path.write_text(render(InitOptions(currency=currency, start="2026-04-01", name="team")))
    scenario = load_scenario(path)
    assert scenario.costs.currency == currency
    assert scenario.decay.preset == "hbr2011"
    assert scenario.optimize is not None and "office" in scenario.optimize.sellers
    text = path.read_text()
    for preset in ("hbr2011", "lrm2007", '"none"'):
        assert preset in text  # the decay presets are named and explained
    hour = scenario.tiers["hot"].profile.hour
    assert max(hour[8:17]) > 10 * hour[3]  # working hours, not a flat 24/7 profile


def test_init_without_a_terminal_uses_defaults(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "team.toml"
    code, _, err = run_cli(["init", str(path)], capsys)  # stdin is not a terminal under pytest
    assert code == 0, err
    scenario = load_scenario(path)
    assert scenario.name == "team"
    assert sum(s.sellers for s in scenario.team.shifts) == 4
    assert sum(t.monthly_volume for t in scenario.tiers.values()) == 600


@pytest.mark.parametrize(("flags", "message"), [
    (["--hours", "17-08"], "--hours"),
    (["--sellers", "0"], "--sellers"),
    (["--currency", "XYZ"], "--seller-cost"),
    (["--timezone", "Mars/Olympus"], "timezone"),
    (["--country", "QQ"], "holiday_country"),
])
def test_bad_values_write_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  flags: list[str], message: str) -> None:
    path = tmp_path / "team.toml"
    code, _, err = run_cli(["init", str(path), *flags], capsys)
    assert code == 2 and message in err
    assert not path.exists()


def test_init_check_run_optimize_give_a_proposal(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A freshly initialised 4-seller, 600-lead team: check, run and optimize work on the file
    as written, and the optimizer proposes an agreement."""
    from slasim.optimizer import optimize

    path = tmp_path / "team.toml"
    assert run_cli(["init", str(path), *INIT_FLAGS], capsys)[0] == 0
    code, out, err = run_cli(["check", str(path), "--no-simulate"], capsys)
    assert code == 0, err
    code, out, err = run_cli(["run", str(path), "--reps", "5", "--quiet"], capsys)
    assert code == 0, err
    assert "P(term met)" in out
    result = optimize(load_scenario(path), verify_reps=30, rounds=(10, 10, 20), staffing=False)
    assert result.success, result.message
    assert set(result.proposal.sla.tiers) == {"hot", "warm", "cold"}


def test_init_writes_any_name_as_a_toml_string(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A quote in --name made invalid TOML (exit 1); a backslash changed the name read back
    # (C:\team\new came back with a tab and a newline in it).
    from slasim.cli.main import main

    for k, name in enumerate(['Acme "North"', "C:\\team\\new", "two\nlines"]):
        path = tmp_path / f"s{k}.toml"
        assert main(["init", str(path), "--name", name]) == 0, capsys.readouterr().err
        assert load_scenario(path).name == name
