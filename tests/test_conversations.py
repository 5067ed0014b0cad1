"""Repeated conversations and lead propensity (slasim.engine.conversations): off changes nothing, the
propensity moves only the qualify draw, follow-ups run in the Python loops, and conversion by
conversation number follows the beta-geometric curve."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from records_regression import check_records

from slasim.engine import conversations, jitloop, replication
from slasim.engine.compile import prepare
from slasim.engine.records import STATES
from slasim.engine.replication import run_replication
from slasim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
TEXTBOOK = ROOT / "scenarios" / "textbook-mmn.toml"
_LOST, _NURTURED, _WAITING = (STATES.index(s) for s in ("lost", "nurtured", "waiting"))

# Feature values that must change nothing while max_conversations = 1 and no concentration.
OFF = ("cadence.max_conversations=1", "cadence.follow_up_days=7")


@pytest.mark.parametrize(
    ("path", "overrides", "name"),
    [
        (TEXTBOOK, ("tiers.only.disqualify_rate=0.4",), "patience-off-textbook-seed0"),
        (BASELINE, ("tiers.warm.disqualify_rate=0.3",), "split-baseline-seed0"),
    ],
)
def test_off_keeps_the_stored_records_and_draws_no_conversations_stream(
    path: Path, overrides: tuple[str, ...], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The stored records predate issue 15 (tests/records_regression.py: integers and NaN
    # patterns exactly, floats to 1e-9); a disqualify rate alone decides nothing (the one
    # conversation closes a lead it does not qualify, as before).
    drawn: list[str] = []
    stream = replication._stream

    def spy(seed: np.random.SeedSequence, name: str, *key: int) -> np.random.Generator:
        drawn.append(name)
        return stream(seed, name, *key)

    monkeypatch.setattr(replication, "_stream", spy)
    model = prepare(load_scenario(path, overrides=[*OFF, *overrides]))
    rep = run_replication(model, np.random.SeedSequence(0))
    assert "conversations" not in drawn and "outcomes" in drawn
    with np.load(ROOT / "tests" / "data" / "regression" / f"{name}.npz") as stored:
        tables = {key: getattr(rep, key)[list(stored[key].dtype.names)] for key in stored.files}
    check_records(name, **tables)
    # Byte for byte the same as the scenario without the fields (same process, same CPU).
    plain = run_replication(prepare(load_scenario(path)), np.random.SeedSequence(0))
    assert rep.leads.tobytes() == plain.leads.tobytes()
    assert rep.sellers.tobytes() == plain.sellers.tobytes()


def test_a_propensity_spread_alone_moves_only_the_qualify_decision() -> None:
    # max_conversations = 1: the queue does not depend on qualification, so every field but
    # the funnel's is identical; the funnel differs only where the propensity moved the draw.
    over = ("tiers.only.base_qualify=0.3", "tiers.only.opportunity_rate=0.5")
    plain = run_replication(prepare(load_scenario(TEXTBOOK, overrides=over)),
                            np.random.SeedSequence(4)).leads
    spread = run_replication(
        prepare(load_scenario(TEXTBOOK, overrides=[*over, "tiers.only.propensity_concentration=2"])),
        np.random.SeedSequence(4),
    ).leads
    funnel = {"qualified", "opportunity", "state", "closed", "value"}
    for name in set(plain.dtype.names or ()) - funnel:
        np.testing.assert_array_equal(spread[name], plain[name], err_msg=name)
    moved = spread["qualified"] != plain["qualified"]
    assert moved.any()
    same = ~moved
    for name in funnel - {"closed"}:
        np.testing.assert_array_equal(spread[name][same], plain[name][same], err_msg=name)
    # E[q] = base_qualify: the qualify rate of contacted leads stays m. Contacted leads are
    # independent Bernoulli(0.3) under both models (the Beta mixture of a Bernoulli is a
    # Bernoulli of the mean); n ~ 17,000, sd = sqrt(.21 / n) = 0.0035: 4 sd = 0.014.
    contacted = spread["conversations"] == 1
    n = int(contacted.sum())
    assert n > 10_000
    assert abs(spread["qualified"][contacted].mean() - 0.3) < 4 * math.sqrt(0.21 / n)


FOLLOW = (
    "tiers.only.base_qualify=0.3", "tiers.only.disqualify_rate=0.05",
    "cadence.max_conversations=6", "cadence.follow_up_days=0.02", "team.shifts[0].sellers=40",
)


def test_follow_ups_run_in_the_python_loops_only() -> None:
    assert jitloop.covers(prepare(load_scenario(TEXTBOOK)))
    assert not jitloop.covers(prepare(load_scenario(TEXTBOOK, overrides=FOLLOW)))


def _pooled(overrides: tuple[str, ...], seeds: range) -> np.ndarray:
    model = prepare(load_scenario(TEXTBOOK, overrides=overrides))
    return np.concatenate(
        [run_replication(model, np.random.SeedSequence(s)).leads for s in seeds]
    )


def _by_conversation(leads: np.ndarray, last: int) -> tuple[np.ndarray, np.ndarray]:
    """Per conversation number c = 1..last: leads that held it, and leads qualified at it."""
    held = leads["conversations"]
    c = np.arange(1, last + 1)
    n_held = (held[:, None] >= c).sum(axis=0)
    n_qual = ((held[:, None] == c) & leads["qualified"][:, None]).sum(axis=0)
    return n_held, n_qual


@pytest.mark.parametrize("kappa", [0.5, None])
def test_conversion_by_conversation_number_follows_the_beta_geometric_curve(
    kappa: float | None,
) -> None:
    # Qualify curve flat (preset none): conversation c of a lead qualifies it with
    # P = E[q | undecided after c - 1] = k m / (k + c - 1) (slasim.engine.conversations). Given the
    # leads that held conversation c (n_c of them), the leads are independent and each
    # qualifies there with that probability, so the count is Binomial(n_c, p_c): 4 standard
    # errors per point (two-sided 6e-5 each, < 4e-4 for the 5 points together). Timing
    # censoring (window, horizon) stops leads without regard to q, so it leaves p_c as is.
    over = FOLLOW if kappa is None else (*FOLLOW, f"tiers.only.propensity_concentration={kappa}")
    leads = _pooled(over, range(2))
    n_held, n_qual = _by_conversation(leads, 5)
    assert n_held[-1] > 1_500  # enough leads reach the fifth conversation
    rate = n_qual / n_held
    for c in range(1, 6):
        p = conversations.qualify_by_conversation(0.3, kappa, c)
        se = math.sqrt(p * (1 - p) / n_held[c - 1])
        assert abs(rate[c - 1] - p) < 4 * se, (c, rate[c - 1], p)
    if kappa is None:
        return
    # k = 0.5: 0.30 at the first conversation, 0.03 at the fifth (tenfold fall, as in the
    # telemarketing data's first vs tenth contact; the points above pin it within ~0.01).
    assert rate[0] > 3 * rate[4]


def test_records_decide_at_the_deciding_conversation() -> None:
    leads = _pooled((*FOLLOW, "tiers.only.propensity_concentration=0.5"), range(1))
    held = leads["conversations"]
    contacted = ~np.isnan(leads["contacted"])
    np.testing.assert_array_equal(held > 0, contacted)
    assert held.max() == 6 and (held > 1).any()
    # A lead decided after several conversations closes after its first contact; one still
    # waiting for a follow-up at the end, or out of conversations (nurtured), is undecided:
    # not qualified, nothing closed.
    for state, where in ((_WAITING, held < 6), (_NURTURED, held == 6)):
        undecided = contacted & (leads["state"] == state)
        assert undecided.any() and where[undecided].all()
        assert not leads["qualified"][undecided].any()
        assert np.isnan(leads["closed"][undecided]).all()
    lost_late = (leads["state"] == _LOST) & (held > 1) & ~leads["opportunity"]
    assert (leads["closed"][lost_late] > leads["contacted"][lost_late]).all()
    assert (leads["attempts"][contacted] == 1).all()  # max_attempts = 1: follow-ups are no attempts


def test_expected_conversations_match_the_simulation() -> None:
    # Leads created in the first 8 days hold all their follow-ups (0.02-day gaps, 6 at most)
    # before the 10-day window and horizon: their mean conversations per reached lead is the
    # model's expectation (what check and plan count as seller time). n ~ 14,000 leads, sd of
    # the count <= 1.7: 4 standard errors ~ 0.06.
    for kappa in (0.5, None):
        over = FOLLOW if kappa is None else (*FOLLOW, f"tiers.only.propensity_concentration={kappa}")
        leads = _pooled(over, range(1))
        early = (leads["created"] < 8 * 1440) & (leads["conversations"] > 0)
        held = leads["conversations"][early].astype(float)
        want = conversations.expected_conversations(0.3, kappa, 0.05, 6)
        assert abs(held.mean() - want) < 4 * held.std() / math.sqrt(held.size), (kappa, want)


def test_check_and_plan_count_the_follow_ups_as_seller_time() -> None:
    # Textbook: one attempt reaching 60 % of leads at age 0 (what the check takes), 4-minute
    # conversations: each reached lead adds (E[C] - 1) conversations of 4 minutes.
    from slasim.planning.check import check_scenario
    from slasim.planning.plan import plan_scenario
    from slasim.planning.workload import expected_work_per_lead

    over = ("tiers.only.base_qualify=0.3", "tiers.only.propensity_concentration=0.5",
            "tiers.only.disqualify_rate=0.05")
    one = load_scenario(TEXTBOOK, overrides=over)
    six = load_scenario(TEXTBOOK, overrides=[*over, "cadence.max_conversations=6"])
    extra = conversations.expected_conversations(0.3, 0.5, 0.05, 6) - 1.0
    assert extra > 1.5
    assert expected_work_per_lead(six, "only")[1] == pytest.approx(
        expected_work_per_lead(one, "only")[1] + 0.6 * extra * 4.0
    )
    assert expected_work_per_lead(six, "only")[0] == expected_work_per_lead(one, "only")[0]
    ratio = check_scenario(six).utilization / check_scenario(one).utilization
    assert ratio == pytest.approx((4.0 + 0.6 * extra * 4.0) / 4.0)
    load = plan_scenario(six).shifts["offered_load_erlang"].sum()
    assert load == pytest.approx(plan_scenario(one).shifts["offered_load_erlang"].sum() * ratio)
