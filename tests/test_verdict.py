"""One verdict: the definition of "realistic", and every command that judges an SLA using it."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_cli

from slasim.engine.records import STATES
from slasim.measure.catalogue import CATALOGUE, METRICS
from slasim.measure.catalogue import STATES as CATALOGUE_STATES
from slasim.measure.experiment import simulate
from slasim.measure.metrics import _SCORE
from slasim.measure.shares import decimals_against
from slasim.measure.terms import SIDES, TERMS, get_term
from slasim.measure.verdict import judge, recommend, recommendation
from slasim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"


def _flags(**columns: list[int]) -> dict[tuple[str, str], np.ndarray]:
    """``response_hot=[1, 0, ...]`` -> {("response_met", "hot"): array}."""
    out = {}
    for key, values in columns.items():
        term, tier = key.split("_")
        out[(f"{term}_met", tier)] = np.array(values, dtype=float)
    return out


# Ten months: every term is met in 8 of them on its own, but the two sales terms fail in
# different months, so sales keeps both in only 6: realistic per term, not per side.
MONTHS = dict(
    marketing_hot=[1] * 10,
    response_hot=[1, 1, 1, 1, 1, 1, 1, 1, 0, 0],
    attempts_hot=[0, 0, 1, 1, 1, 1, 1, 1, 1, 1],
)


def test_levels_differ_exactly_where_they_should() -> None:
    flags = _flags(**MONTHS)
    term = judge(flags, ("hot",), 0.8, "term")
    side = judge(flags, ("hot",), 0.8, "side")
    joint = judge(flags, ("hot",), 0.8, "joint")
    assert term.realistic and not side.realistic and not joint.realistic
    assert side.p == pytest.approx({"marketing": 1.0, "sales": 0.6, "joint": 0.6})
    assert [r.side for r in side.failing] == ["sales"]
    assert side.sentence().startswith("Not realistic: sales keeps every term in only 60")
    assert term.sentence().startswith("Realistic: every term is met in at least 80")
    # Loosen one sales term so that both fail in the same months: now sales keeps both in 8.
    loose = _flags(**{**MONTHS, "attempts_hot": MONTHS["response_hot"]})
    assert judge(loose, ("hot",), 0.8, "side").realistic
    assert judge(loose, ("hot",), 0.8, "joint").realistic


def test_confidence_is_reached_at_equality_not_below() -> None:
    flags = _flags(marketing_hot=[1] * 8 + [0] * 2)
    assert judge(flags, ("hot",), 0.8, "side").realistic
    assert not judge(flags, ("hot",), 0.81, "side").realistic


def test_a_share_never_rounds_across_the_confidence_it_is_judged_by() -> None:
    # 71 of 89 months is 0.798: "80 %" beside "Not realistic (needed 80 %)" contradicted the
    # verdict in run, report and sweep. A judged share gets the decimals that keep its side.
    assert decimals_against(71 / 89, 0.8) == 1  # 79.8
    assert decimals_against(0.8, 0.8) == 0  # reached at equality: 80
    assert decimals_against(0.7999, 0.8) == 2  # 79.99
    assert decimals_against(0.81, 0.8) == 0
    assert decimals_against(0.7951, 0.795) == 0  # 80 >= 79.5: on its side already
    assert decimals_against(71 / 89, None) == 0  # not judged: whole percent
    assert decimals_against(float("nan"), 0.8) == 0
    flags = _flags(marketing_hot=[1] * 89, response_hot=[1] * 71 + [0] * 18)
    side = judge(flags, ("hot",), 0.8, "side")
    assert not side.realistic
    assert "sales keeps every term in only 79.8\u00a0% of months (needed 80\u00a0%" in (
        side.sentence())
    assert "79,8\u00a0%" in side.sentence("sv")
    assert side.against("sales") == 0.8 and side.against("joint") is None
    assert judge(flags, ("hot",), 0.8, "joint").against("joint") == 0.8
    # The joint share (71/89 too, not judged at level side) reads like the sides beside it:
    # "80 %" would read above the sales share it can never exceed. So does the weakest term,
    # which the reader compares with the "needed 80 %" in the same parenthesis.
    assert "both sides in the same month: 79.8\u00a0%" in side.sentence()
    assert "most missed: hot response time, met in 79.8\u00a0% of months" in side.sentence()
    term = judge(flags, ("hot",), 0.8, "term")
    assert "hot response time is met in only 79.8\u00a0% of months" in term.sentence()
    assert term.against("response", "hot") == 0.8 and term.against("sales") is None
    assert side.against("response", "hot") is None


def test_verdict_json_form_says_what_the_verdict_says() -> None:
    side = judge(_flags(**MONTHS), ("hot",), 0.8, "side")
    d = side.to_dict()
    assert d == {
        "realistic": False, "level": "side", "confidence": 0.8, "reps": 10,
        "p_met": side.p, "ci": {k: list(v) for k, v in side.ci.items()},
        "failing": ["sales"], "sentence": side.sentence(), "unmeasured": [],
    }
    assert d["p_met"] == pytest.approx({"marketing": 1.0, "sales": 0.6, "joint": 0.6})
    assert set(d["ci"]) == {"marketing", "sales", "joint"}
    assert all(len(v) == 2 and v[0] <= v[1] for v in d["ci"].values())  # type: ignore[attr-defined]
    assert json.loads(json.dumps(d)) == d


# Terms met in 9, 7 and 8 of 10 months: the weakest is response, sales keeps both in 5.
UNEVEN = dict(marketing_hot=[1] * 9 + [0], response_hot=[1] * 7 + [0] * 3,
              attempts_hot=[0, 0] + [1] * 8)
NB = "\xa0"


def test_weakest_term_and_the_sentence_in_both_languages() -> None:
    v = judge(_flags(**UNEVEN), ("hot",), 0.8, "side")
    assert v.weakest_term() is not None and v.weakest_term().term == "response"  # type: ignore[union-attr]
    assert v.weakest_term("sales").p == pytest.approx(0.7)  # type: ignore[union-attr]
    assert v.weakest_term("marketing").term == "marketing"  # type: ignore[union-attr]
    assert v.sentence() == (
        f"Not realistic: sales keeps every term in only 50{NB}% of months (needed 80{NB}%; most "
        f"missed: hot response time, met in 70{NB}% of months); both sides in the same month: "
        f"50{NB}% [24{NB}%, 76{NB}%].")
    assert v.sentence("sv") == (
        f"Inte realistiskt: sälj håller alla villkor i bara 50{NB}% av månaderna (krav 80{NB}%; "
        f"oftast missat: hot svarstid, uppfyllt i 70{NB}% av månaderna); båda parter samma "
        f"månad: 50{NB}% [24{NB}%; 76{NB}%].")


GOOD = dict(marketing_hot=[1] * 10, response_hot=[1] * 9 + [0], attempts_hot=[1] * 10)
#: The verdict sentence at every level, met and not, in both languages (read and checked: the
#: numbers are the flags' shares and their Wilson intervals).
SENTENCES = {
    ('uneven', 'side', 'en'):
        'Not realistic: sales keeps every term in only 50\xa0% of months (needed 80\xa0%; most missed: hot response time, met in 70\xa0% of months); both sides in the same month: 50\xa0% [24\xa0%, 76\xa0%].',
    ('uneven', 'side', 'sv'):
        'Inte realistiskt: sälj håller alla villkor i bara 50\xa0% av månaderna (krav 80\xa0%; oftast missat: hot svarstid, uppfyllt i 70\xa0% av månaderna); båda parter samma månad: 50\xa0% [24\xa0%; 76\xa0%].',
    ('uneven', 'joint', 'en'):
        'Not realistic: both sides keep every term in the same month in 50\xa0% of months [24\xa0%, 76\xa0%] (needed: 80\xa0%); most missed: hot response time, met in 70\xa0% of months.',
    ('uneven', 'joint', 'sv'):
        'Inte realistiskt: båda parter håller alla villkor samma månad i 50\xa0% av månaderna [24\xa0%; 76\xa0%] (krav: 80\xa0%); oftast missat: hot svarstid, uppfyllt i 70\xa0% av månaderna.',
    ('uneven', 'term', 'en'):
        'Not realistic: hot response time is met in only 70\xa0% of months (needed 80\xa0%); both sides in the same month: 50\xa0% [24\xa0%, 76\xa0%].',
    ('uneven', 'term', 'sv'):
        'Inte realistiskt: hot svarstid uppfylls i bara 70\xa0% av månaderna (krav 80\xa0%); båda parter samma månad: 50\xa0% [24\xa0%; 76\xa0%].',
    ('good', 'side', 'en'):
        'Realistic: marketing keeps every term in 100\xa0% of months [72\xa0%, 100\xa0%] and sales keeps every term in 90\xa0% of months [60\xa0%, 98\xa0%] (needed: 80\xa0% each); both sides in the same month: 90\xa0% [60\xa0%, 98\xa0%].',
    ('good', 'side', 'sv'):
        'Realistiskt: marknad håller alla villkor i 100\xa0% av månaderna [72\xa0%; 100\xa0%] och sälj håller alla villkor i 90\xa0% av månaderna [60\xa0%; 98\xa0%] (krav: 80\xa0% vardera); båda parter samma månad: 90\xa0% [60\xa0%; 98\xa0%].',
    ('good', 'joint', 'en'):
        'Realistic: both sides keep every term in the same month in 90\xa0% of months [60\xa0%, 98\xa0%] (needed: 80\xa0%).',
    ('good', 'joint', 'sv'):
        'Realistiskt: båda parter håller alla villkor samma månad i 90\xa0% av månaderna [60\xa0%; 98\xa0%] (krav: 80\xa0%).',
    ('good', 'term', 'en'):
        'Realistic: every term is met in at least 80\xa0% of months (weakest: hot response time, 90\xa0%); both sides in the same month: 90\xa0% [60\xa0%, 98\xa0%].',
    ('good', 'term', 'sv'):
        'Realistiskt: varje villkor uppfylls i minst 80\xa0% av månaderna (svagast: hot svarstid, 90\xa0%); båda parter samma månad: 90\xa0% [60\xa0%; 98\xa0%].',
}


@pytest.mark.parametrize("key", list(SENTENCES))
def test_the_verdict_sentence_at_every_level(key: tuple[str, str, str]) -> None:
    name, level, lang = key
    flags = _flags(**(UNEVEN if name == "uneven" else GOOD))
    assert judge(flags, ("hot",), 0.8, level).sentence(lang) == SENTENCES[key]


def test_a_week_is_judged_in_7_day_periods_not_months() -> None:
    # A 7-day horizon's replications are weeks: "of months" called 57 % of weeks "57 % of
    # months", a reader's monthly odds. Same numbers, the period named (both languages).
    flags = _flags(**UNEVEN)
    week = judge(flags, ("hot",), 0.8, "side", period_days=7)
    assert week.sentence() == SENTENCES[("uneven", "side", "en")].replace(
        "of months", "of 7-day periods").replace("same month", "same 7-day period")
    assert week.sentence("sv") == SENTENCES[("uneven", "side", "sv")].replace(
        "av månaderna", "av perioderna om 7 dagar").replace("samma månad", "samma period")
    assert week.rule() == "each side keeps all its terms in at least 80\u00a0% of 7-day periods"
    joint = judge(flags, ("hot",), 0.8, "joint", period_days=7).sentence()
    assert "in the same 7-day period in 50\u00a0% of 7-day periods" in joint
    # 0 (a month, the default) keeps the words every other test checks.
    assert judge(flags, ("hot",), 0.8, "side").sentence() == SENTENCES[("uneven", "side", "en")]


def test_an_unmeasured_term_is_named_in_the_sentence() -> None:
    # A week with a 10-day attempt window: the cadence term reads "met" in every replication
    # because no lead counts; the verdict stays the one definition, and says so.
    from dataclasses import replace

    base = judge(_flags(**UNEVEN), ("hot",), 0.8, "side", period_days=7)
    week = replace(base, unmeasured=("attempts",))
    assert week.sentence() == base.sentence()[:-1] + (
        "; the attempt cadence is not measured: no lead's attempt window "
        "(cadence.window_days) closes inside a 7-day period, so it counts as met.")
    assert "kontaktrytmen mäts inte" in week.sentence("sv")
    assert week.to_dict()["unmeasured"] == ["attempts"] and base.to_dict()["unmeasured"] == []


def test_sentence_without_terms_and_with_a_fix() -> None:
    assert judge({}, ("hot",), 0.8, "side").sentence() == 'No verdict: the scenario states no SLA terms.'
    assert judge(_flags(**UNEVEN), ("hot",), 0.8, "side").sentence(fix="add a seller") == (
        'Not realistic: sales keeps every term in only 50\xa0% of months (needed 80\xa0%; most missed: hot response time, met in 70\xa0% of months); both sides in the same month: 50\xa0% [24\xa0%, 76\xa0%]; add a seller.')


def test_recommend_closest_when_none_is_realistic() -> None:
    near = judge(_flags(**UNEVEN), ("hot",), 0.8, "side")
    far = judge(_flags(**{**UNEVEN, "response_hot": [1] * 5 + [0] * 5}), ("hot",), 0.8, "side")
    # Closest = highest weakest requirement (0.5 sales vs 0.3), whatever the profit.
    assert recommend([far, near], [100.0, 1.0]) == (1, False)
    assert recommend([near, near], [1.0, 2.0]) == (1, False)  # tie: profit decides
    # An option without SLA terms has no verdict to be close to: never "closest", even next
    # to an option whose every side keeps its terms in 0 % of months.
    none = judge({}, ("hot",), 0.8, "side")
    zero = judge(_flags(response_hot=[0] * 10), ("hot",), 0.8, "side")
    assert recommend([none, zero], [5.0, 5.0]) == (1, False)
    text = recommendation(["a", "b"], [far, near], [100.0, 1.0])
    assert text == ("No option is realistic: change terms or staffing before signing. Closest: b. "
                    + near.sentence())
    ok = judge(_flags(marketing_hot=[1] * 10), ("hot",), 0.8)
    sv = recommendation(["a", "b"], [near, ok], [5.0, 1234567.0], "sv")
    assert sv.startswith("Rekommendation: b: det realistiska alternativet med högst förväntat "
                         "resultat (1,234,567 per period). Realistiskt: marknad håller alla "
                         f"villkor i 100{NB}% av månaderna [72{NB}%; 100{NB}%]")


def test_terms_in_words_in_both_languages() -> None:
    scenario = load_scenario(BASELINE)
    hot, cold = scenario.sla.tiers["hot"], scenario.sla.tiers["cold"]
    days = scenario.cadence.window_days
    words = {(t.name, lang): (t.describe(hot, days, lang), t.describe(cold, days, lang))
             for t in TERMS for lang in ("en", "sv")}
    assert words == {
        ("marketing", "en"): ("140 leads per month", "850 leads per month"),
        ("marketing", "sv"): ("140 leads per månad", "850 leads per månad"),
        ("response", "en"): ("90% first called within 5 business minutes",
                             "80% first called within 480 business minutes"),
        ("response", "sv"): ("90% får första samtalet inom 5 minuter inom kontorstid",
                             "80% får första samtalet inom 480 minuter inom kontorstid"),
        ("attempts", "en"): ("90% of unreached leads get 6 attempts within 10 days",
                             "80% of unreached leads get 3 attempts within 10 days"),
        ("attempts", "sv"): ("90% av ej nådda leads får 6 försök inom 10 dagar",
                             "80% av ej nådda leads får 3 försök inom 10 dagar"),
        ("conversion", "en"): ("qualify rate >= 25%", "none promised"),
        ("conversion", "sv"): ("andel kvalificerade >= 25%", "inget åtagande"),
    }
    assert get_term("response").flag == "response_met"
    with pytest.raises(KeyError, match="quota"):
        get_term("quota")


def test_recommend_prefers_realistic_then_profit() -> None:
    good = judge(_flags(marketing_hot=[1] * 10), ("hot",), 0.8)
    bad = judge(_flags(marketing_hot=[0] * 10), ("hot",), 0.8)
    assert recommend([good, bad, good], [1.0, 9.0, 2.0]) == (2, True)
    assert recommend([bad, bad], [1.0, 2.0]) == (1, False)


def test_registry_and_catalogue_cover_the_engine() -> None:
    assert {t.name for t in TERMS} == set(_SCORE)  # every term has its computation
    assert CATALOGUE_STATES == STATES
    assert {t.flag for t in TERMS} | {s.flag for s in SIDES} <= set(METRICS)
    for m in CATALOGUE.values():
        assert set(m.label) == {"en", "sv"} and all(m.label.values())


def test_simulated_side_flags_are_the_products_of_their_terms() -> None:
    result = simulate(load_scenario(BASELINE), 12, 3)
    reps = result.replications
    tiers = list(result.scenario.sla.tiers)
    sales = np.ones(12)
    for tier in tiers:
        for term in TERMS:
            if term.side == "sales":
                sales *= reps[(term.flag, tier)].to_numpy()
    np.testing.assert_array_equal(reps[("sales_met", "all")].to_numpy(), sales)
    assert result.p_met["p_met_sales"] == pytest.approx(sales.mean())
    assert result.verdict.realistic == (
        result.p_met["p_met_marketing"] >= 0.8 and result.p_met["p_met_sales"] >= 0.8
    )


# --- no module keeps its own list of terms or metric kinds ----------------------------------

_TERM_WORDS = {t.name for t in TERMS} | {t.flag for t in TERMS} | {s.flag for s in SIDES}
_HOME = {"terms.py", "catalogue.py", "verdict.py"}
#: The term -> computation table the registry test above checks against TERMS.
_ALLOWED = {("metrics.py", "_SCORE")}


def _strings(node: ast.AST) -> set[str]:
    elements: list[ast.expr | None] = []
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        elements = list(node.elts)
    elif isinstance(node, ast.Dict):
        elements = list(node.keys)
        keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
        if len(keys & set(METRICS)) >= 2:  # metric -> term tables count their values too
            elements += list(node.values)
    return {e.value for e in elements if isinstance(e, ast.Constant) and isinstance(e.value, str)}


def test_no_module_outside_the_registry_lists_terms_or_metric_kinds() -> None:
    offenders = []
    for path in sorted((ROOT / "slasim").rglob("*.py")):
        if path.name in _HOME:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        allowed_nodes = {
            id(n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Assign) and any(
                isinstance(t, ast.Name) and (path.name, t.id) in _ALLOWED for t in n.targets)
        }
        for node in ast.walk(tree):
            if id(node) in allowed_nodes:
                continue
            words = _strings(node)
            if len(words & _TERM_WORDS) >= 2:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} lists terms "
                                 f"{sorted(words & _TERM_WORDS)}")
            # A kind list: several metric names mapped to formats, or a set of metric names.
            metrics = words & set(METRICS)
            if len(metrics) >= 2 and isinstance(node, ast.Set):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} classifies metrics "
                                 f"{sorted(metrics)}")
            if len(metrics) >= 2 and isinstance(node, ast.Dict) and any(
                isinstance(v, ast.Constant) and isinstance(v.value, str) and "{:" in v.value
                for v in node.values
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} formats metrics")
    assert not offenders, "\n".join(offenders)


# --- commands agree -------------------------------------------------------------------------

def test_check_does_not_call_a_missed_target_workable(capsys: pytest.CaptureFixture[str]) -> None:
    # Erlang C alone finds the 15-minute hot target workable; the Monday backlog under FIFO
    # makes sales miss it in almost every month: check must simulate before it speaks.
    code, out, _ = run_cli(
        ["check", str(BASELINE), "--set", "sla.tiers.hot.response_target_minutes=15"], capsys
    )
    assert code == 0
    assert "workable" not in out
    assert "Not realistic" in out and "simulated months were run" in out


def test_run_compare_and_report_state_the_same_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from slasim.render.report.build import build_report

    option = ROOT / "scenarios" / "option-fast-response.toml"
    code, out, _ = run_cli(["run", str(option), "--reps", "12", "--quiet",
                            "--json", str(tmp_path / "r.json")], capsys)
    assert code == 0
    sentence = json.loads((tmp_path / "r.json").read_text())["sla"]["verdict"]
    code, out, _ = run_cli(["compare", str(BASELINE), str(option), "--reps", "12", "--quiet"],
                           capsys)
    assert code == 0 and f"option-fast-response: {sentence}" in out
    report = build_report(load_scenario(option), reps=12, staffing=False)
    assert sentence in report.markdown


def test_check_quick_simulation_is_bounded(capsys: pytest.CaptureFixture[str]) -> None:
    from slasim.planning.staffing import QUICK_LEADS, QUICK_REPS, quick_verdict

    # 1,500 leads a month: 26 months (~40,000 leads, a few seconds).
    verdict = quick_verdict(load_scenario(BASELINE))
    assert verdict is not None and QUICK_REPS[0] <= verdict[1] <= QUICK_REPS[1]
    assert verdict[1] * 1500 <= QUICK_LEADS * 1.1
    # 20,000 cold leads a month: even 5 months would be 100,000 leads; check says it is no
    # verdict instead of making the user wait.
    big = ["tiers.cold.monthly_volume=20000", "team.shifts[0].sellers=60",
           "sla.tiers.cold.response_target_minutes=1440"]
    assert quick_verdict(load_scenario(BASELINE, big)) is None
    code, out, _ = run_cli(["check", str(BASELINE), *(x for s in big for x in ("--set", s))],
                           capsys)
    assert code == 0 and "this is not a verdict (too many leads" in out
    assert "workable" not in out
    # Few leads but 10,000 sellers: each seller's days cost as leads do (84 s, 670 MB for the
    # quick simulation); 100,000 seller-days in all. 600 sellers (18,000 a month) get 5 months.
    many = ["team.shifts[0].sellers=10000"]
    assert quick_verdict(load_scenario(BASELINE, many)) is None
    code, out, _ = run_cli(["check", str(BASELINE), "--set", many[0]], capsys)
    assert code == 0 and "(too many leads or sellers for check's quick simulation" in out
    assert quick_verdict(load_scenario(BASELINE, ["team.shifts[0].sellers=600"]))[1] == 5


@pytest.mark.parametrize(("level", "failing_side", "hint"), [
    ("side", "marketing", False), ("side", "sales", True),
    ("term", "marketing", False), ("term", "sales", True),
    ("joint", "marketing", False), ("joint", "sales", True),
])
def test_run_points_to_plan_only_when_sales_misses(
    level: str, failing_side: str, hint: bool
) -> None:
    # `slasim plan` answers with sellers; more sellers do not fix a marketing quota. At levels
    # term and joint every miss pointed to plan ("... fix the sales side") even when only the
    # cold quota failed.
    from types import SimpleNamespace

    from slasim.render.text import _run_verdict

    ok, weak = np.ones(10), np.array([1.0] * 5 + [0.0] * 5)
    flags = {("marketing_met", "hot"): weak if failing_side == "marketing" else ok,
             ("response_met", "hot"): weak if failing_side == "sales" else ok}
    verdict = judge(flags, ("hot",), 0.8, level)
    assert not verdict.realistic
    line = _run_verdict(SimpleNamespace(verdict=verdict))  # type: ignore[arg-type]
    assert ("`slasim plan` gives the fewest sellers" in line) == hint, line
    # At level joint the search is for the whole agreement, not the sales side alone.
    assert ("fix the sales side" in line) == (hint and level != "joint"), line
    assert ("make the agreement realistic" in line) == (hint and level == "joint"), line


@pytest.mark.parametrize(("level", "words"), [
    ("side", "each side keeps all its terms in at least 80 % of months"),
    ("joint", "both sides keep all their terms in the same month in at least 80 % of months"),
    ("term", "every term of every tier is met in at least 80 % of months"),
])
def test_rule_states_the_level_in_use(level: str, words: str) -> None:
    # The report said "realistic when each side keeps all its terms" at every level, then
    # "Realistic" under sides at 62 % and 67 % (level term: every term reached 80 %).
    verdict = judge({("response_met", "hot"): np.ones(5)}, ("hot",), 0.8, level)
    assert verdict.rule() == words.replace("80 %", "80\u00a0%")  # a no-break space, as printed
    assert verdict.rule("sv") != verdict.rule() and "80\u00a0%" in verdict.rule("sv")


def test_a_failed_verification_names_what_it_missed() -> None:
    # optimize's "NO PROPOSAL … finalist 1 (…) failed verification" named no term: the note
    # now says which requirement fell short and the term of that side kept least often.
    from slasim.optimizer.core import _missed

    flags = _flags(**{**MONTHS, "response_hot": [1] * 7 + [0] * 3})  # response 70 %, sales 50 %
    assert _missed(judge(flags, ("hot",), 0.8, "side")) == (
        "sales 50% < 80%, weakest hot response time 70%")
    assert _missed(judge(flags, ("hot",), 0.8, "term")) == "hot response time 70% < 80%"
    assert _missed(judge(_flags(**{**MONTHS, "attempts_hot": MONTHS["response_hot"]}),
                         ("hot",), 0.8, "side")) == ""
    # Beside "< 80%" a share of 71/89 reads 79.8%, not "80% < 80%".
    close = _flags(marketing_hot=[1] * 89, response_hot=[1] * 71 + [0] * 18)
    assert _missed(judge(close, ("hot",), 0.8, "side")) == (
        "sales 79.8% < 80%, weakest hot response time 79.8%")
    assert _missed(judge(close, ("hot",), 0.8, "term")) == "hot response time 79.8% < 80%"


@pytest.mark.parametrize("marketing", [1.0, 0.5])
def test_at_level_joint_run_offers_plan_for_the_agreement_only_when_marketing_holds(
    marketing: float,
) -> None:
    # Staffing cannot lift a marketing quota: with marketing failing too, the pointer promised
    # "the fewest sellers that make the agreement realistic", which plan then cannot find.
    from types import SimpleNamespace

    from slasim.render.text import _run_verdict

    kept = int(10 * marketing)
    flags = _flags(marketing_hot=[1] * kept + [0] * (10 - kept),
                   response_hot=[1] * 5 + [0] * 5)
    line = _run_verdict(SimpleNamespace(verdict=judge(flags, ("hot",), 0.8, "joint")))  # type: ignore[arg-type]
    whole = "the fewest sellers that make the agreement realistic" in line
    assert whole == (marketing == 1.0), line
    assert ("the fewest sellers that fix the sales side" in line) == (marketing < 1.0), line


def test_at_level_joint_a_quarter_judges_marketing_by_its_weakest_month() -> None:
    # Marketing keeps its quota in 9 of 10 simulated Januaries and 8 of 10 Februaries, in
    # different horizons: 7 of 10 in both. Its weakest month (0.8) reaches 80 %, so staffing
    # can make the agreement realistic; run said it would only "fix the sales side".
    from types import SimpleNamespace

    from slasim.measure.verdict import judge_months
    from slasim.render.text import _run_verdict

    sales = [1] * 5 + [0] * 5
    jan = _flags(marketing_hot=[0] + [1] * 9, response_hot=sales)
    feb = _flags(marketing_hot=[1, 0, 0] + [1] * 7, response_hot=sales)
    verdict = judge_months([("2027-01", {"en": "Jan 2027", "sv": "jan 2027"}, jan),
                            ("2027-02", {"en": "Feb 2027", "sv": "feb 2027"}, feb)],
                           ("hot",), 0.8, "joint")
    assert min(m.verdict.p["marketing"] for m in verdict.months) == pytest.approx(0.8)
    assert verdict.p["marketing"] < 0.8  # kept in both months in fewer horizons
    line = _run_verdict(SimpleNamespace(verdict=verdict))  # type: ignore[arg-type]
    assert "the fewest sellers that make the agreement realistic" in line, line


def test_a_months_verdict_names_its_replications_by_the_month() -> None:
    # "Jan 2027: sales keeps every term in only 47 % of months" read as 47 % of the quarter's
    # months; it is 47 % of the simulated Januaries.
    from slasim.measure.verdict import judge_months

    ok = _flags(**{**MONTHS, "attempts_hot": MONTHS["response_hot"]})
    months = [("2027-01", {"en": "Jan 2027", "sv": "jan 2027"}, _flags(**MONTHS)),
              ("2027-02", {"en": "Feb 2027", "sv": "feb 2027"}, ok)]
    v = judge_months(months, ("hot",), 0.8, "side")
    assert v.sentence().startswith(
        "Not realistic: Jan 2027: sales keeps every term in only 60 % of simulated Januaries "
        "(needed 80 %; most missed: hot response time, met in 80 % of simulated Januaries)"
        .replace(" %", "\u00a0%"))
    assert "i bara 60\u00a0% av de simulerade januarimånaderna" in v.sentence("sv")
    assert "of months" not in v.sentence() and "Februar" not in v.sentence()
    both = judge_months([months[1], ("2027-03", {"en": "Mar 2027", "sv": "mar 2027"}, ok)],
                        ("hot",), 0.8, "side")
    assert "the tightest, Feb 2027: marketing keeps every term in 100\u00a0% of simulated " \
           "Februaries" in both.sentence()
