"""The hiring plan as a decision (``optimize --hire-options``, slasim.optimizer.hires)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from cli_helpers import run_cli

from slasim.measure.experiment import simulate
from slasim.optimizer.hires import (
    HireOption,
    decide_hires,
    parse_hire_options,
    proposal_toml,
    with_hire,
)
from slasim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
QUARTER = ROOT / "scenarios" / "quarter.toml"
# Two months and a team of 5 without its hire: small enough for a test, and the options differ.
SHORT = ("horizon.days=59", "team.hires=[]")
OPTIONS = "1@2027-01-01,2@2027-01-01,2@2027-02-01"
REPS = 30


@pytest.fixture(scope="module")
def base() -> object:
    return load_scenario(QUARTER, SHORT)


def test_options_parse_and_bad_ones_exit_2(base: object, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    assert parse_hire_options("2@2027-02-01, 3@2027-03-01:office", base) == (
        HireOption(2, date(2027, 2, 1), "office"), HireOption(3, date(2027, 3, 1), "office"))
    for bad, words in (("2-2027-02-01", "expected SELLERS@YYYY-MM-DD"),
                       ("2@2027-02-30", "expected a real date"),
                       ("2@2027-02-01:night", "expected one of ['office']"),
                       ("2@2026-02-01", "team.hires")):
        code, _, err = run_cli(["optimize", str(QUARTER), "--hire-options", bad, "--quiet",
                                "--verify-reps", "30"], capsys)
        assert code == 2, bad
        assert words in err and "Traceback" not in err, err


def test_the_decision_is_what_a_brute_force_comparison_picks(base: object) -> None:
    options = parse_hire_options(OPTIONS, base)
    decision = decide_hires(base, options, reps=REPS, seed=7)
    # Brute force: each option simulated on its own (same seed), judged, the cheapest
    # realistic one kept if it is realistic on the fresh months (seed + 1) too.
    candidates = [None, *options]
    judged = []
    for option in candidates:
        result = simulate(with_hire(base, option), reps=REPS, seed=7)
        judged.append((float(result.metric("cost").mean()), result.verdict.realistic))
    expected = None
    for i in sorted((i for i, (_, ok) in enumerate(judged) if ok), key=lambda i: judged[i][0]):
        if simulate(with_hire(base, candidates[i]), reps=REPS, seed=8).verdict.realistic:
            expected = i
            break
    assert decision.chosen == expected
    assert [r.verdict.realistic for r in decision.results] == [ok for _, ok in judged]
    # The options differ: without a hire the sales side misses, a hire makes a month realistic.
    assert not judged[0][1]
    assert any(m.verdict.realistic for r in decision.results[1:] for m in r.verdict.months)
    # Hires cost from their start: a cohort of 2 from 1 Feb costs less than from 1 Jan.
    assert judged[3][0] < judged[2][0]


def test_proposal_toml_holds_the_hire_and_report_gives_its_verdict(
    base: object, tmp_path: Path
) -> None:
    from slasim.render.report.build import build_report

    options = parse_hire_options(OPTIONS, base)
    decision = decide_hires(base, options, reps=REPS, seed=7)
    assert decision.chosen is not None and decision.verification is not None
    path = tmp_path / "proposal.toml"
    path.write_text(proposal_toml(decision, QUARTER.as_posix()), encoding="utf-8")
    proposal = load_scenario(path)
    assert proposal.team.hires == decision.proposal.team.hires
    report = build_report(proposal, reps=REPS, seed=decision.verify_seed, staffing=False)
    # One verdict: the proposal's "verified" is what the report on the same months says.
    assert decision.verified == decision.verification.verdict.realistic
    assert decision.verification.verdict.sentence() in report.markdown


def test_run_on_the_proposal_says_what_the_verification_said(
    base: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    options = parse_hire_options(OPTIONS, base)
    decision = decide_hires(base, options, reps=REPS, seed=7)
    assert decision.verification is not None
    path = tmp_path / "proposal.toml"
    path.write_text(proposal_toml(decision, QUARTER.as_posix()), encoding="utf-8")
    out = tmp_path / "run.json"
    code, _, _ = run_cli(["run", str(path), "--reps", str(REPS), "--seed",
                          str(decision.verify_seed), "--quiet", "--json", str(out)], capsys)
    assert code == 0
    doc = json.loads(out.read_text())
    assert doc["sla"]["verdict"] == decision.verification.verdict.sentence()
    assert doc["sla"]["realistic"] == decision.verified


def test_the_fewest_sellers_name_the_hires_who_join_later(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # quarter.toml: 6 office sellers from January, 2 more from 1 February. The staffing search
    # moves the shifts' sellers only; its answer said "6 sellers (office 6)", read as the
    # quarter's team. It names the hires who join those sellers.
    from slasim.planning.staffing import fewest_sellers
    from slasim.render.report.staffing import answer_text

    scenario = load_scenario(QUARTER)
    answer = fewest_sellers(scenario, reps=3)
    assert answer.hires == (("office", 2, date(2027, 2, 1)),)
    assert answer.sellers is not None  # reached (6 on these 3 quarters)
    assert "; team.hires adds office +2 from 2027-02-01)" in answer.describe()
    assert "; team.hires lägger till office +2 från 2027-02-01" in answer_text(answer, scenario, "sv")
    # plan says what a replication is: a 90-day period, not a month.
    code, out, _ = run_cli(["plan", str(QUARTER), "--reps", "3", "--quiet"], capsys)
    assert code == 0 and "(simulated, 3 periods of 90 days per level" in out, out
    assert answer.describe() in out
    # check's header counted the hires' seats from day one: "7 sellers in 1 shift(s)".
    code, out, _ = run_cli(["check", str(QUARTER), "--no-simulate"], capsys)
    assert "5 sellers in 1 shift(s) (team.hires adds office +2 from 2027-02-01)" in out
    without = fewest_sellers(load_scenario(QUARTER, ["team.hires=[]"]), reps=3)
    assert without.hires == () and "team.hires" not in without.describe()


def test_no_hire_proposal_sets_an_earlier_proposal_aside(tmp_path: Path) -> None:
    # `--hire-options` with NO PROPOSAL left an earlier run's proposal.toml in --out, where
    # `slasim report out/proposal.toml`, the next step, read a stale answer. It is renamed, as
    # plain optimize does.
    from types import SimpleNamespace

    import pandas as pd

    from slasim.optimizer.hires import write_decision

    out = tmp_path / "out"
    out.mkdir()
    (out / "proposal.toml").write_text("# an earlier proposal\n", encoding="utf-8")
    none = SimpleNamespace(proposal=None, table=lambda: pd.DataFrame({"option": ["hire 1"]}),
                           to_dict=lambda: {"proposed": None})
    written = write_decision(none, str(out), str(tmp_path / "scenario.toml"))  # type: ignore[arg-type]
    assert not (out / "proposal.toml").exists()
    previous = out / "proposal.toml.previous"
    assert previous.read_text(encoding="utf-8") == "# an earlier proposal\n"
    assert str(previous) in written and (out / "hire_options.csv").exists()
