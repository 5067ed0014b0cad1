"""Conversion (qualify-rate) targets proposed by the optimizer, and the bounds it flags.

Unit tests score hand-made months (known answers); the end-to-end tests run the baseline cut
to one week with few replications, so that the default suite stays fast.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from slasim.cli.optimize import format_result
from slasim.errors import InputError
from slasim.measure.experiment import simulate
from slasim.optimizer import build_space, optimize
from slasim.optimizer.core import bound_notes
from slasim.optimizer.space import DecisionSpace, OperatingPoint
from slasim.optimizer.terms import Samples, choose_terms, shortfalls
from slasim.optimizer.verify import _looser
from slasim.scenario.load import load_scenario, scenario_from_dict
from slasim.scenario.schema import Scenario

BASE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"
# One week of the baseline (~350 leads per replication). A week's qualify rates sit lower than
# a month's (leads created late have not qualified yet), so the menus go lower too.
WEEK = [
    "horizon.days=7",
    "optimize.sellers.office=[4, 7]",
    "optimize.tiers.hot.qualify_rate_targets=[0.4, 0.3, 0.2, 0.1, 0.05]",
    "optimize.tiers.warm.qualify_rate_targets=[0.2, 0.1, 0.05, 0.02]",
]
FAST = {"verify_reps": 60, "rounds": (20, 20, 40)}


def _samples(space: DecisionSpace, hot_rates: np.ndarray) -> Samples:
    """Months in which every term but the qualify rates is met for sure."""
    n = len(hot_rates)
    ones = np.ones(n)
    return Samples(
        objective=ones, cost=ones, value=ones,
        leads={t: np.full(n, 1e6) for t in space.menus},
        response={t: np.ones((n, len(m.targets))) for t, m in space.menus.items()},
        attempts={t: np.ones((n, len(m.attempts))) for t, m in space.menus.items()},
        # Other tiers qualify 12 %: between the warm menu's 0.15 and 0.10.
        qualify={t: hot_rates if t == "hot" else np.full(n, 0.12) for t in space.menus},
    )


def _without_hot_menu(overrides: list[str], hot: str | None = None) -> Scenario:
    """The baseline without the hot qualify-rate menu; ``hot`` = "propose" asks for a target."""
    data = load_scenario(BASE, overrides).model_dump(mode="python", exclude_none=True)
    del data["optimize"]["tiers"]["hot"]["qualify_rate_targets"]
    if hot is not None:
        data["optimize"]["tiers"]["hot"]["qualify_rate_target"] = hot
    return scenario_from_dict(data, "<test>")


def _space(overrides: list[str]) -> DecisionSpace:
    return build_space(load_scenario(BASE, ["horizon.days=7", *overrides]))


# -- choosing the target on given months ------------------------------------------------------


def test_menu_picks_the_most_ambitious_target_met_with_confidence() -> None:
    space = _space(["optimize.tiers.hot.qualify_rate_targets=[0.20, 0.30, 0.25, 0.15]"])
    assert space.menus["hot"].qualify == (0.30, 0.25, 0.20, 0.15)  # most ambitious first
    # 200 months: 170 at 0.27 and 30 at 0.22, so P-hat(rate >= 0.25) = 0.85 and
    # P-hat(rate >= 0.30) = 0.
    rates = np.array([0.27] * 170 + [0.22] * 30)
    volumes = space.current_point().volumes
    terms = choose_terms(_samples(space, rates), space, volumes, 0.0)
    assert terms is not None
    assert terms["hot"].qualify_rate_target == 0.25
    assert terms["hot"].p_conversion == pytest.approx(0.85)
    # Demanding evidence (Wilson lower bound at z = 1): 0.85 over 200 months has a lower bound
    # of 0.82, still >= 0.8; at z = 1.96 it is 0.79, so 0.25 fails and 0.20 (met always) is kept.
    strict = choose_terms(_samples(space, rates), space, volumes, 1.96)
    assert strict is not None and strict["hot"].qualify_rate_target == 0.20


def test_propose_takes_the_realistic_quantile_rounded_down() -> None:
    space = build_space(_without_hot_menu(["horizon.days=7"], "propose"))
    assert space.menus["hot"].qualify_propose and space.menus["hot"].qualify == ()
    # Rates 0.100, 0.101, ..., 0.299 (200 months). The quantile is aimed at 0.8 + 1.645 x the
    # binomial sd over verify_reps = 200 months = 0.8465; the 0.1535 quantile of the rates is
    # 0.1 + 0.1535 x 0.199 = 0.1305, rounded down to a step of 0.01: 0.13.
    rates = 0.1 + np.arange(200) / 1000
    terms = choose_terms(_samples(space, rates), space, space.current_point().volumes, 0.0)
    assert terms is not None
    assert terms["hot"].qualify_rate_target == 0.13
    assert terms["hot"].p_conversion == pytest.approx(170 / 200)


def test_fixed_target_without_menu_must_hold_and_names_the_term() -> None:
    # Without a menu the scenario's target (0.25 here) is a menu of one: kept, never lowered.
    space = build_space(_without_hot_menu(["horizon.days=7"]))
    assert space.menus["hot"].qualify == (0.25,) and not space.menus["hot"].qualify_propose
    rates = np.array([0.27] * 120 + [0.22] * 80)  # P-hat(rate >= 0.25) = 0.6
    samples = _samples(space, rates)
    volumes = space.current_point().volumes
    assert choose_terms(samples, space, volumes, 0.0) is None
    (miss,) = shortfalls(samples, space, volumes, 0.0)
    assert (miss.tier, miss.term, miss.value) == ("hot", "conversion", "qualify rate >= 25%")
    assert miss.p_met == pytest.approx(0.6)


# -- end to end ---------------------------------------------------------------------------------


def test_unreachable_fixed_target_message_names_the_term() -> None:
    # A week never qualifies 90 % of hot leads (base_qualify is 0.55): the race drops every
    # candidate after its first round, and the message says which term was out of reach.
    r = optimize(
        load_scenario(BASE, [*WEEK, "optimize.tiers.hot.qualify_rate_targets=[0.9]",
                             "optimize.tiers.hot.volume=[150, 150]"]),
        seed=1, **FAST,  # type: ignore[arg-type]
    )
    assert not r.success and r.proposal is None
    assert "hot conversion (qualify rate >= 90%) met in at most 0% of 7-day periods" in r.message, \
        r.message


@pytest.mark.slow  # two optimizer runs, ~25 s each
@pytest.mark.parametrize("mode", ["menu", "propose"])
def test_conversion_target_is_verified_on_fresh_and_independent_months(mode: str) -> None:
    overrides = [*WEEK, "optimize.tiers.hot.volume=[150, 150]"]
    if mode == "propose":
        scenario = _without_hot_menu(overrides, "propose")
    else:
        scenario = load_scenario(BASE, overrides)
    r = optimize(scenario, seed=1, **FAST)  # type: ignore[arg-type]
    assert r.success, r.message
    assert r.proposal is not None
    target = r.terms["hot"].qualify_rate_target
    assert target is not None and target > 0
    if mode == "menu":
        assert target in (0.4, 0.3, 0.2, 0.1, 0.05)
    else:
        assert round(target, 2) == target  # a step of 0.01
    # The proposal carries the target, the verification table shows it met on fresh months.
    assert r.proposal.sla.tiers["hot"].qualify_rate_target == target
    row = r.verification.set_index(["tier", "term"]).loc[("hot", "conversion")]
    assert row["value"] == f"qualify rate >= {target:.0%}"
    assert row["p_met"] >= r.confidence
    # Judged by slasim.measure.metrics on 100 months the optimizer never saw: a term whose true P(met)
    # is the confidence shows P-hat >= 0.8 - 3 sd = 0.68 with probability > 99.8 % (binomial
    # sd = sqrt(0.8 x 0.2 / 100) = 0.04).
    check = simulate(r.proposal, reps=100, seed=31_337)
    p = float(check.metric("conversion_met", "hot").mean())
    assert p >= r.confidence - 3 * math.sqrt(r.confidence * (1 - r.confidence) / 100), p


def test_capped_hot_volume_gets_a_proposal_and_flags_the_bound(tmp_path: Path) -> None:
    # The notebook's section 7 and docs/how-to/optimize.md (Change a bound) on one week: marketing may buy at most 200 hot
    # leads. With the conversion target on a menu the optimizer still finds realistic terms.
    r = optimize(load_scenario(BASE, [*WEEK, "optimize.tiers.hot.volume=[100, 200]"]),
                 seed=1, **FAST)  # type: ignore[arg-type]
    assert r.success, r.message
    assert r.x is not None
    terms = r.verification[r.verification["tier"] != "all"]
    assert r.verdict is not None and r.verdict.realistic, r.verification
    assert (terms["p_met"] >= r.confidence).all(), r.verification
    hot = r.x.volumes[0]
    upper = "hot volume 200 at the upper bound of optimize.tiers.hot.volume"
    assert any(note.startswith(upper) for note in r.notes) == (hot == 200), r.notes
    text = format_result(r)
    for note in r.notes:
        assert f"bound: {note}" in text
    # The notes travel to result.json and to proposal.toml's header, which still loads.
    assert r.to_dict()["notes"] == r.notes
    r.write(tmp_path, BASE)
    header = (tmp_path / "proposal.toml").read_text()
    assert [line[len("# note: "):] for line in header.splitlines()
            if line.startswith("# note: ")] == r.notes
    assert load_scenario(tmp_path / "proposal.toml").sla.tiers["hot"].qualify_rate_target == \
        r.terms["hot"].qualify_rate_target


# -- binding bounds -----------------------------------------------------------------------------


def test_bound_notes_present_when_a_bound_binds_and_absent_otherwise() -> None:
    # A 3-day attempt window, so that the cadence is measured in a week (else a note says not).
    space = _space(["optimize.sellers.office=[3, 8]", "optimize.tiers.hot.volume=[100, 300]",
                    "cadence.window_days=3"])
    rates = np.full(200, 0.27)  # meets 0.25 always, 0.30 never
    interior = OperatingPoint((5,), "fifo", (200.0, 450.0, 900.0))
    terms = choose_terms(_samples(space, rates), space, interior.volumes, 0.0)
    assert terms is not None
    # Every response and attempt term met in every month: each menu's most ambitious entry;
    # the qualify rates are not (hot 0.25 and warm 0.10, second on their menus). Pretend slower
    # response targets won, to see the volume and staffing notes alone.
    slow = {
        name: replace(t, response_target_minutes=space.menus[name].targets[-1])
        for name, t in terms.items()
    }
    assert bound_notes(space, interior, slow) == []
    top = OperatingPoint((3,), "fifo", (300.0, 450.0, 900.0))
    notes = bound_notes(space, top, slow)
    assert notes == [
        "office sellers 3 at the lower bound of optimize.sellers.office: lower it to see "
        "whether fewer pays",
        "hot volume 300 at the upper bound of optimize.tiers.hot.volume: widen it to see "
        "whether more pays",
    ]
    # The fastest response entries chosen: each tier with a response menu gets a note; the
    # qualify rates (not their menus' first entries) get none.
    fast = bound_notes(space, interior, terms)
    assert [n.split(" ", 1)[0] for n in fast] == ["hot", "warm", "cold"]
    assert all("most ambitious entry of optimize.tiers." in n for n in fast)
    assert not any("qualify" in n for n in fast)


def test_bound_note_for_the_most_ambitious_conversion_target() -> None:
    space = _space([])
    point = space.current_point()
    # Hot leads qualify at 35 % every month: the menu's top entry (30 %) is met, so the menu,
    # not the evidence, stopped the target there.
    terms = choose_terms(_samples(space, np.full(200, 0.35)), space, point.volumes, 0.0)
    assert terms is not None and terms["hot"].qualify_rate_target == 0.30
    notes = [n for n in bound_notes(space, point, terms) if "qualify" in n]
    assert notes == [
        "hot qualify rate >= 30% is the most ambitious entry of "
        "optimize.tiers.hot.qualify_rate_targets: add a higher one to see whether it is also "
        "realistic"
    ]


def test_verification_steps_a_conversion_target_back_along_its_menu() -> None:
    # A target chosen on the race months that the fresh months do not support is lowered to
    # what they do support (lower targets are met at least as often), and the step is named.
    space = _space([])
    point = space.current_point()
    race = choose_terms(_samples(space, np.full(200, 0.27)), space, point.volumes, 0.0)
    fresh = choose_terms(_samples(space, np.full(200, 0.22)), space, point.volumes, 0.0)
    assert race is not None and fresh is not None
    assert (race["hot"].qualify_rate_target, fresh["hot"].qualify_rate_target) == (0.25, 0.20)
    looser, changed = _looser(space, race, fresh)
    assert looser["hot"].qualify_rate_target == 0.20
    assert changed == ["hot conversion"]


def test_menu_and_propose_together_is_an_input_error() -> None:
    with pytest.raises(InputError) as info:
        load_scenario(BASE, ['optimize.tiers.hot.qualify_rate_target="propose"'])
    message = str(info.value)
    for fragment in ("optimize.tiers.hot", "[0.3, 0.25, 0.2, 0.15]", "'propose'",
                     "expected a menu or"):
        assert fragment in message, message


def test_a_weeks_proposal_is_judged_in_7_day_periods() -> None:
    # The optimizer's verdict is the one definition; on a week its words say what a
    # replication is ("of 7-day periods"), as run and report do, not "of months".
    from slasim.optimizer.terms import terms_verdict

    space = _space(["optimize.tiers.hot.qualify_rate_targets=[0.20, 0.30, 0.25, 0.15]"])
    samples = _samples(space, np.array([0.27] * 170 + [0.22] * 30))
    terms = choose_terms(samples, space, space.current_point().volumes, 0.0)
    assert terms is not None
    verdict = terms_verdict(samples, space, terms)
    assert verdict.period_days == 7
    assert "of 7-day periods" in verdict.sentence() and "month" not in verdict.sentence()


def test_an_unmeasured_attempt_cadence_is_not_searched() -> None:
    # In a week no 10-day attempt window closes: every attempt commitment reads "met", so the
    # menu [6, 4, 3] would propose 6 on no evidence. The scenario's own (3) is kept, and said.
    week = _space(["sla.tiers.hot.min_attempts=3"])
    assert week.menus["hot"].attempts == (3,)
    measured = _space(["sla.tiers.hot.min_attempts=3", "cadence.window_days=3"])
    assert measured.menus["hot"].attempts == (6, 4, 3)
    samples = _samples(week, np.full(50, 0.5))
    terms = choose_terms(samples, week, week.current_point().volumes, 0.0)
    assert terms is not None
    notes = bound_notes(week, week.current_point(), terms)
    assert any("min_attempts menus are not searched" in n for n in notes), notes
    assert not any("not searched" in n for n in bound_notes(measured, measured.current_point(),
                                                            terms))


def test_the_verification_table_says_an_unmeasured_cadence_is_not_measured() -> None:
    # optimize's "Proposed terms and P(met)" table showed the week's attempt cadence as
    # P(met) 1.00 [0.93, 1.00], met True, beside the judged terms; run and report said "n/m".
    from slasim.cli.optimize import _verification_shown
    from slasim.optimizer.race import Evaluation
    from slasim.optimizer.verify import _meets

    for overrides, unmeasured in ((["sla.tiers.hot.min_attempts=3"], True),
                                  (["sla.tiers.hot.min_attempts=3", "cadence.window_days=3"],
                                   False)):
        space = _space(overrides)
        samples = _samples(space, np.full(50, 0.5))
        terms = choose_terms(samples, space, space.current_point().volumes, 0.0)
        assert terms is not None
        ev = Evaluation(space.current_point(), space, samples)
        table, _, _ = _meets(space, ev, terms)
        attempts = table[table["term"] == "attempts"]
        assert len(attempts) == 3 and list(attempts["measured"]) == [not unmeasured] * 3
        shown = _verification_shown(table)
        row = shown.loc[("hot", "attempts")]
        if unmeasured:
            assert list(row[["p_met", "ci_low", "ci_high", "met"]]) == ["n/m"] * 4
        else:
            assert row["p_met"] == 1.0 and row["met"] is True
        assert shown.loc[("hot", "response"), "p_met"] == 1.0  # measured terms keep P(met)
        # The target in the words run, compare and track use: the baseline's clock is business.
        assert shown.loc[("hot", "response"), "value"].endswith("within 5 business min")


def test_fewer_sellers_than_proposed_are_explained() -> None:
    # optimize proposed 6 sellers and printed "fewest sellers that keep the proposed
    # agreement: 5" without a word on why it did not propose 5.
    from types import SimpleNamespace

    from slasim.cli.optimize import _fewer_than_proposed

    six = load_scenario(BASE)
    assert sum(s.sellers for s in six.team.shifts) == 6
    for total, said in ((5, True), (6, False), (7, False), (None, False)):
        current = tuple(s.sellers for s in six.team.shifts)  # fewest_sellers(six).current
        result = SimpleNamespace(staffing=SimpleNamespace(total=total, current=current),
                                 proposal=six)
        text = _fewer_than_proposed(result)  # type: ignore[arg-type]
        assert ("the proposal keeps 6: it moves to fewer sellers only when" in text) is said
        assert said or text == ""


def test_a_judged_p_met_in_the_verification_table_keeps_its_side() -> None:
    # 0.798 printed "0.80" beside met False (0.80 needed); unjudged rows keep two decimals.
    import pandas as pd

    from slasim.cli.optimize import _judged_p

    table = pd.DataFrame({"p_met": [0.798, 0.8, 0.798, 0.5], "met": [False, True, None, "n/m"]},
                         index=["a", "b", "c", "d"])
    shown = _judged_p(table, 0.8)
    assert list(shown["p_met"]) == ["0.798", "0.80", 0.798, 0.5]
    # The sides' rows share one count: the joint (never above a side) reads like sales.
    sides = pd.DataFrame({"p_met": [0.9, 0.798, 0.798], "met": [True, False, None]},
                         index=pd.MultiIndex.from_tuples([("all", "marketing"), ("all", "sales"),
                                                          ("all", "joint")]))
    assert list(_judged_p(sides, 0.8)["p_met"]) == ["0.900", "0.798", "0.798"]
