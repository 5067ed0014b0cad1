"""Lead ownership (routing.owner, routing.owner_weights, routing.keep_owner; slasim.engine.ownership).

Owners are checked against an independent reading of the seats' working intervals, every
attempt's seller through a hook on the router (each lead a seller picks is the attempt it makes
next), and the statistical cases against intervals derived in the comments.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from records_regression import check_records

from slasim.cli.main import main
from slasim.engine import eventloop, simpyloop
from slasim.engine.compile import Model, prepare
from slasim.engine.replication import Replication, _seller_intervals, run_replication
from slasim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
CONTACT_CENTRE = ROOT / "scenarios" / "contact-centre.toml"
# Two overlapping shifts: 6 office seats 08-17, 3 late seats 12-20 (mon-fri), so which seats
# are on shift changes during the day; random shrinkage takes seats away for 30-min blocks.
TWO_SHIFTS = (
    'team.shifts=[{name="office", weekdays=["mon","tue","wed","thu","fri"], start="08:00", '
    'end="17:00", sellers=6}, {name="late", weekdays=["mon","tue","wed","thu","fri"], '
    'start="12:00", end="20:00", sellers=3}]',
    'calendar.hours={mon=["08:00-20:00"], tue=["08:00-20:00"], wed=["08:00-20:00"], '
    'thu=["08:00-20:00"], fri=["08:00-20:00"]}',
)


def model_of(path: Path, *overrides: str) -> Model:
    return prepare(load_scenario(path, overrides=list(overrides)))


def run(model: Model, seed: int, loop: str = "fast") -> Replication:
    return run_replication(model, np.random.SeedSequence(seed), loop=loop)


def on_at(ivs: list[tuple[float, float]], t: float) -> bool:
    """Whether a seat works at ``t`` (a plain scan: independent of slasim.engine.ownership)."""
    return any(a <= t < b for a, b in ivs)


# -- feature off ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "overrides", "name"),
    [
        (BASELINE, ("horizon.days=7",), "owner-off-baseline-7d-seed3"),
        (CONTACT_CENTRE, ("horizon.days=2",), "owner-off-contact-centre-2d-seed3"),
    ],
)
def test_default_ownership_leaves_the_records_unchanged(
    path: Path, overrides: tuple[str, ...], name: str
) -> None:
    # Stored from the commit before ownership (tests/records_regression.py): the default rule
    # draws nothing and routes as before, on the baseline and on a contact centre.
    rep = run(model_of(path, *overrides), 3)
    check_records(name, leads=rep.leads, sellers=rep.sellers)
    # The defaults spelt out are the same model: byte for byte, in the same process.
    explicit = run(model_of(
        path, *overrides, "routing.owner=first_attempt", "routing.keep_owner=false"
    ), 3)
    assert explicit.leads.tobytes() == rep.leads.tobytes()
    assert explicit.sellers.tobytes() == rep.sellers.tobytes()


def test_first_attempt_owner_is_the_first_seller_and_minus_one_if_never_attempted() -> None:
    leads = run(model_of(BASELINE, "routing.patience_minutes=120"), 0).leads
    assert np.array_equal(leads["owner"], leads["seller"])
    assert np.array_equal(leads["owner"] < 0, leads["attempts"] == 0)
    assert (leads["attempts"] == 0).any()  # abandoned leads: the -1 case is exercised


# -- round robin ------------------------------------------------------------------------------


def test_round_robin_without_absences_deals_leads_out_in_turn() -> None:
    # One shift, no shrinkage: every seat works whenever any does, and a lead created at night
    # goes to the seats that come on first (all, at 08:00): the rotation never skips, so the
    # counts of the 6 seats differ by at most one and consecutive leads go to consecutive seats.
    leads = run(model_of(BASELINE, "team.shrinkage=0", "routing.owner=round_robin"), 0).leads
    owner = leads["owner"]
    assigned = owner[owner >= 0]
    counts = np.bincount(assigned, minlength=6)
    assert counts.max() - counts.min() <= 1, counts
    assert np.array_equal(np.diff(assigned) % 6, np.ones(len(assigned) - 1))


def test_round_robin_assigns_seats_on_shift_and_spreads_evenly() -> None:
    model = model_of(BASELINE, *TWO_SHIFTS, "routing.owner=round_robin")
    seed = np.random.SeedSequence(4)
    rep = run_replication(model, seed)
    shifts = _seller_intervals(model, seed)  # the same draws as the run (pure in the seed)
    owner, created = rep.leads["owner"], rep.leads["created"]
    expected = np.zeros(len(shifts))
    variance = np.zeros(len(shifts))
    checked = 0
    for o, t in zip(owner.tolist(), created.tolist(), strict=True):
        on = [s for s, ivs in enumerate(shifts) if on_at(ivs, t)]
        if not on:
            continue
        checked += 1
        assert o in on, f"lead created at {t} owned by seat {o}, off shift; on: {on}"
        # Reference: an owner drawn uniformly among the k seats on shift (p = 1/k each). A
        # rotation deals out more evenly than such draws (it never gives one seat two leads in
        # a row while another waits), so the binomial-sum variance is an upper bound and
        # |count - E| < 4 sd holds with probability > 0.9999 per seat.
        expected[on] += 1 / len(on)
        variance[on] += (1 / len(on)) * (1 - 1 / len(on))
    assert checked > 1000  # most leads arrive while somebody works
    counts = np.bincount(owner[owner >= 0], minlength=len(shifts))
    # Counts include the night leads (given to the seats that come on first): at most
    # `len(owner) - checked` of them, added to the bound.
    night = len(owner) - checked
    z = np.abs(counts - expected) - night
    assert (z < 4 * np.sqrt(variance)).all(), (counts, expected.round(1), night)
    # The late seats work 5 of the office's 9 hours: they must get visibly fewer leads each,
    # so the test above is not passing on a flat split it could not tell apart.
    assert counts[6:].max() < counts[:6].min()


# -- weighted ---------------------------------------------------------------------------------


def test_weighted_owners_match_the_weights() -> None:
    model = model_of(
        BASELINE, *TWO_SHIFTS, "team.shrinkage=0", "routing.owner=weighted",
        "routing.owner_weights={office=1, late=6}",
    )
    assert model.owner_weights == (1.0,) * 6 + (6.0,) * 3
    leads = run(model, 2).leads
    owner, created = leads["owner"], leads["created"]
    shifts = _seller_intervals(model, np.random.SeedSequence(2))
    # Unassigned only when no seat works after the lead's creation (the horizon's last night).
    last = max(b for ivs in shifts for _, b in ivs)
    assert np.array_equal(owner < 0, created >= last)
    owner, created = owner[owner >= 0], created[owner >= 0]
    w = np.array(model.owner_weights)
    expected, variance, flat = np.zeros(len(w)), np.zeros(len(w)), np.zeros(len(w))
    night = 0
    for o, t in zip(owner.tolist(), created.tolist(), strict=True):
        on = np.array([on_at(ivs, t) for ivs in shifts])
        if not on.any():
            night += 1
            assert o < 6, f"night lead at {t} owned by late seat {o}"
            continue
        assert on[o], f"lead at {t} owned by seat {o}, off shift"
        # Each lead draws its owner independently with p_s = w_s / (sum of on-shift weights):
        # a seat's count is a sum of independent Bernoullis, sd = sqrt(sum p(1-p)).
        p = np.where(on, w, 0.0) / w[on].sum()
        expected += p
        variance += p * (1 - p)
        flat += on / on.sum()  # what weights of 1 would give
    counts = np.bincount(owner, minlength=len(w)).astype(float)
    sd = np.sqrt(variance)
    # Late seats are never drawn at night: |count - E| < 4 sd (P > 0.9999 per seat). Office
    # seats also got the night leads (drawn among them alone), an allowance of `night`.
    assert (np.abs(counts[6:] - expected[6:]) < 4 * sd[6:]).all(), (counts, expected.round(1))
    assert (np.abs(counts[:6] - expected[:6]) < 4 * sd[:6] + night).all()
    # Power: with the weights ignored a late seat's count would lie near `flat`, > 5 sd below
    # `expected`: it would pass the 4 sd check only 1 sd out (P ~ 0.16 per seat, all three
    # ~ 0.004).
    assert (expected[6:] - flat[6:] > 5 * sd[6:]).all()


def test_weighted_draws_only_the_owners_stream() -> None:
    # Other streams keep their numbers: leads, contact luck and handling are those of the
    # default run (same created times, same attempt-0 outcome uniforms -> same tiers).
    base = run(model_of(BASELINE), 5).leads
    weighted = run(model_of(BASELINE, "routing.owner=weighted"), 5).leads
    assert np.array_equal(base["created"], weighted["created"])
    assert np.array_equal(base["tier"], weighted["tier"])
    again = run(model_of(BASELINE, "routing.owner=weighted"), 5).leads
    assert again.tobytes() == weighted.tobytes()


# -- keep_owner: every attempt's seller -------------------------------------------------------


def _record_picks(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """Wrap the router of both Python loops: record ``(seller, lead)`` of every pick (each
    picked lead is the attempt that seller makes next)."""
    picks: list[tuple[int, int]] = []
    real = eventloop.router

    def spy(*args: Any, **kwargs: Any) -> tuple[Callable[[int], None], Callable[[int, float], int]]:
        push, pick = real(*args, **kwargs)

        def recorded(s: int, now: float) -> int:
            i = pick(s, now)
            if i >= 0:
                picks.append((s, i))
            return i

        return push, recorded

    monkeypatch.setattr(eventloop, "router", spy)
    monkeypatch.setattr(simpyloop, "router", spy)
    return picks


@pytest.mark.parametrize("loop", ["python", "simpy"])
@pytest.mark.parametrize(
    "overrides",
    [
        ("routing.keep_owner=true",),
        ("routing.owner=round_robin", "routing.keep_owner=true", "routing.policy=tier_priority"),
        ("routing.owner=weighted", "routing.keep_owner=true", "routing.policy=value_index",
         *TWO_SHIFTS),
    ],
)
def test_keep_owner_every_attempt_is_made_by_the_owner(
    overrides: tuple[str, ...], loop: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    picks = _record_picks(monkeypatch)
    leads = run(model_of(BASELINE, *overrides), 1, loop=loop).leads
    assert len(picks) == int(leads["attempts"].sum())  # the hook saw every attempt
    sellers = np.array([s for s, _ in picks])
    owners = leads["owner"][[i for _, i in picks]]
    assert np.array_equal(sellers, owners)
    assert (leads["attempts"] > 1).sum() > 100  # many retries were checked


def test_without_keep_owner_retries_go_to_whoever_is_free(monkeypatch: pytest.MonkeyPatch) -> None:
    picks = _record_picks(monkeypatch)
    leads = run(model_of(BASELINE, "routing.owner=round_robin"), 1, loop="python").leads
    seen: set[int] = set()
    first_by_owner = retries_elsewhere = 0
    for s, i in picks:
        if i not in seen:  # a lead's first attempt: always its owner's
            seen.add(i)
            first_by_owner += s == leads["owner"][i]
        else:
            retries_elsewhere += s != leads["owner"][i]
    assert first_by_owner == len(seen)
    assert retries_elsewhere > 50  # the shared queue: 5 of 6 retries go to another seat


# -- exports ----------------------------------------------------------------------------------


def test_exports_write_the_simulated_owner(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import pandas as pd

    scenario = tmp_path / "rr.toml"
    scenario.write_text(
        # Two seats: a backlog, so leads wait in their owner's queue at the horizon end.
        f'extends = "{BASELINE}"\n[routing]\nowner = "round_robin"\nkeep_owner = true\n'
        "[horizon]\ndays = 7\n", encoding="utf-8",
    )
    leads_csv, calls_csv = tmp_path / "leads.csv", tmp_path / "calls.csv"
    code = main(["run", str(scenario), "--reps", "2", "--seed", "3",
                 "--set", "team.shifts[0].sellers=2",
                 "--export-leads", str(leads_csv), "--export-calls", str(calls_csv)])
    assert code == 0, capsys.readouterr().err
    crm = pd.read_csv(leads_csv, dtype=str, keep_default_na=False)
    calls = pd.read_csv(calls_csv, dtype=str, keep_default_na=False)
    # Every attempted lead's agent (the first attempt's seller) is its owner.
    answered = calls["answered"] != ""
    assert (calls.loc[answered, "agent"] == crm.loc[answered, "owner"]).all()
    # A lead never attempted still has its assigned owner (the seat it waits for).
    waiting = crm["first_attempt_at"] == ""
    assert waiting.any() and (crm.loc[waiting, "owner"] != "").any()
    assert set(crm["owner"]) - {""} <= {f"seller-{k}" for k in range(1, 7)}


# -- hostile input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "fragments"),
    [
        ('owner = "weighted"\nowner_weights = { night = 2 }\n',
         ["routing.owner_weights", "'night'", "expected shift names", "['office']"]),
        ('owner = "weighted"\nowner_weights = { office = -2 }\n',
         ["routing.owner_weights.office", "got -2", "greater than or equal to 0"]),
        ('owner = "round_robin"\nowner_weights = { office = 2 }\n',
         ["owner_weights", "{'office': 2.0}", 'only read with owner = "weighted"']),
    ],
)
def test_hostile_owner_weights_exit_2_naming_file_field_value(
    table: str, fragments: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "bad.toml"
    scenario.write_text(f'extends = "{BASELINE}"\n[routing]\n{table}', encoding="utf-8")
    code = main(["check", str(scenario)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert "bad.toml" in err  # the file
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not in:\n{err}"
