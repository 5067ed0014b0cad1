"""Every field of the scenario schema rejects at least one invalid value with exit code 2.

Each case applies one ``--set`` override to the baseline and runs ``slasim check`` in-process;
the message must name the field path and show the bad value (or say what is wrong). A
meta-test walks the pydantic schema so that a new field without a case fails the suite.
"""

from __future__ import annotations

import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from slasim.cli.main import main
from slasim.scenario.schema import Scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
BASE = str(SCENARIOS / "baseline.toml")
TEXTBOOK = str(SCENARIOS / "textbook-mmn.toml")

# (schema field, --set overrides, expected fragments of the message)
CASES: list[tuple[str, list[str], list[str]]] = [
    ("name", ['name=""'], ["name", "at least 1 character"]),
    ("description", ["description=3"], ["description", "valid string"]),
    ("extends", ["extends=3"], ["extends", "got '3'", "--set cannot change extends"]),  # files: test_loader.py
    ("horizon.start", ['horizon.start="April"'], ["horizon.start", "'April'"]),
    ("horizon.days", ["horizon.days=0"], ["horizon.days", "got 0", "greater than 0"]),
    ("horizon.timezone", ['horizon.timezone="Mars/Olympus"'], ["horizon.timezone", "Mars/Olympus"]),
    ("horizon.warmup_days", ["horizon.warmup_days=91"], ["horizon.warmup_days", "got 91", "90"]),
    (
        "calendar.hours",
        ['calendar.hours.mon=["17:00-08:00"]'],
        ["calendar.hours", "17:00-08:00", "end after"],
    ),
    (
        "calendar.holiday_country",
        ['calendar.holiday_country="XX"'],
        ["calendar.holiday_country", "XX"],
    ),
    ("calendar.holidays", ['calendar.holidays=["someday"]'], ["calendar.holidays[0]", "someday"]),
    ("tiers", ["tiers={}"], ["tiers", "at least 1 item"]),
    ("tiers.*.monthly_volume", ["tiers.hot.monthly_volume=-5"], ["tiers.hot.monthly_volume", "-5"]),
    ("tiers.*.dispersion", ["tiers.hot.dispersion=-0.1"], ["tiers.hot.dispersion", "-0.1"]),
    (
        "tiers.*.profile.weekday",
        ["tiers.hot.profile.weekday=[1,1]"],
        ["tiers.hot.profile.weekday", "at least 7"],
    ),
    ("tiers.*.profile.hour", ["tiers.hot.profile.hour=[1,-1]"], ["tiers.hot.profile.hour", "-1"]),
    (
        "tiers.*.profile.matrix",
        ["tiers.hot.profile.matrix=[[1,2]]"],
        ["tiers.hot.profile", "7 rows of 24"],
    ),
    (
        "tiers.*.profile.holiday_factor",
        ["tiers.hot.profile.holiday_factor=-1"],
        ["holiday_factor", "-1"],
    ),
    ("tiers.*.base_contact", ["tiers.hot.base_contact=1.5"], ["tiers.hot.base_contact", "1.5"]),
    ("tiers.*.base_qualify", ["tiers.warm.base_qualify=-0.2"], ["tiers.warm.base_qualify", "-0.2"]),
    (
        "tiers.*.propensity_concentration",
        ["tiers.warm.propensity_concentration=0"],
        ["tiers.warm.propensity_concentration", "0", "greater than 0"],
    ),
    ("tiers.*.disqualify_rate", ["tiers.hot.disqualify_rate=1.5"], ["tiers.hot.disqualify_rate", "1.5"]),
    (
        "tiers.*.opportunity_rate",
        ["tiers.cold.opportunity_rate=2"],
        ["tiers.cold.opportunity_rate", "2"],
    ),
    ("tiers.*.win_rate", ["tiers.hot.win_rate=1.01"], ["tiers.hot.win_rate", "1.01"]),
    ("tiers.*.deal_size", ["tiers.hot.deal_size=5"], ["tiers.hot.deal_size", "5"]),
    (
        "tiers.*.deal_size.median",
        ["tiers.hot.deal_size.median=0"],
        ["tiers.hot.deal_size.median", "0"],
    ),
    (
        "tiers.*.deal_size.p90",
        ["tiers.hot.deal_size.p90=100"],
        ["tiers.hot.deal_size", "p90(=100", "median"],
    ),
    (
        "tiers.*.sales_cycle_days.median",
        ["tiers.hot.sales_cycle_days.median=-1"],
        ["sales_cycle_days.median", "-1"],
    ),
    (
        "tiers.*.sales_cycle_days.p90",
        ["tiers.hot.sales_cycle_days.p90=10"],
        ["sales_cycle_days", "p90(=10"],
    ),
    (
        "decay.preset",
        ['decay.preset="lrm2070"'],
        ["decay.preset", "lrm2070", "Did you mean 'lrm2007'"],
    ),
    ("decay.contact", ['decay.contact="fast"'], ["decay.contact", "fast"]),
    ("decay.contact.kind", ['decay.contact.kind="cubic"'], ["decay.contact.kind", "cubic"]),
    (
        "decay.contact.half_life_minutes",
        ["decay.contact.half_life_minutes=0"],
        ["half_life_minutes", "0"],
    ),
    (
        "decay.contact.scale_minutes",
        ['decay.contact.kind="power_law"', "decay.contact.exponent=1"],
        ["decay.contact", "scale_minutes"],
    ),
    (
        "decay.contact.exponent",
        [
            'decay.contact.kind="power_law"',
            "decay.contact.scale_minutes=5",
            "decay.contact.exponent=-1",
        ],
        ["decay.contact.exponent", "-1"],
    ),
    ("decay.contact.floor", ["decay.contact.floor=1"], ["decay.contact.floor", "1"]),
    (
        "decay.contact.ages_minutes",
        [
            'decay.contact.kind="table"',
            "decay.contact.ages_minutes=[5, 1]",
            "decay.contact.factors=[1, 0.5]",
        ],
        ["decay.contact", "ages_minutes"],
    ),
    (
        "decay.contact.factors",
        [
            'decay.contact.kind="table"',
            "decay.contact.ages_minutes=[0, 5]",
            "decay.contact.factors=[1, 1.5]",
        ],
        ["decay.contact", "factors"],
    ),
    (
        "decay.contact.interpolation",
        ['decay.contact.interpolation="cubic"'],
        ["decay.contact.interpolation", "cubic"],
    ),
    ("decay.qualify", ['decay.qualify.kind="exponential"'], ["decay.qualify", "half_life_minutes"]),
    ("team.shifts", ["team.shifts=[]"], ["team.shifts", "at least 1 item"]),
    ("team.roster", ['team.roster="no-such-roster.csv"'], ["team.roster", "no-such-roster.csv"]),
    (
        "team.breaks.every_minutes",
        ["team.breaks.every_minutes=0", "team.breaks.minutes=5"],
        ["team.breaks.every_minutes", "greater than 0"],
    ),
    (
        "team.breaks.minutes",
        ["team.breaks.every_minutes=60", "team.breaks.minutes=60"],
        ["team.breaks", "minutes(=60) must be below every_minutes(=60)"],
    ),
    (
        "team.breaks.stagger_minutes",
        ["team.breaks.every_minutes=60", "team.breaks.minutes=5", "team.breaks.stagger_minutes=-1"],
        ["team.breaks.stagger_minutes", "greater than or equal to 0"],
    ),
    ("team.shifts.*.name", ["team.shifts[0].name=7"], ["team.shifts[0].name", "valid string"]),
    (
        "team.shifts.*.weekdays",
        ['team.shifts[0].weekdays=["mon", "funday"]'],
        ["team.shifts[0].weekdays[1]", "funday"],
    ),
    (
        "team.shifts.*.start",
        ['team.shifts[0].start="8am"'],
        ["team.shifts[0].start", "8am", "HH:MM"],
    ),
    (
        "team.shifts.*.end",
        ['team.shifts[0].end="07:00"'],
        ["team.shifts[0]", "end(='07:00') must be after start"],
    ),
    ("team.shifts.*.sellers", ["team.shifts[0].sellers=-2"], ["team.shifts[0].sellers", "-2"]),
    (
        "team.shifts.*.last_day",
        ['team.shifts[0].last_day="soon"'],
        ["team.shifts[0].last_day", "'soon'"],
    ),
    (
        "team.shifts.*.tenure_weeks",
        ["team.shifts[0].tenure_weeks=-1"],
        ["team.shifts[0].tenure_weeks", "-1"],
    ),
    ("team.hires", ['team.hires="two"'], ["team.hires", "'two'"]),
    (
        "team.hires.*.shift",
        ['team.hires=[{shift="night", start=2026-04-15, sellers=1}]'],
        ["team.hires[0].shift(='night')", "['office']"],
    ),
    (
        "team.hires.*.start",
        ['team.hires=[{shift="office", start=2027-04-15, sellers=1}]'],
        ["team.hires[0].start(=2027-04-15)", "outside the horizon"],
    ),
    ("team.ramp", ['team.ramp="fast"'], ["team.ramp", "'default'"]),
    (
        "team.ramp.handling_factor",
        ["team.ramp.handling_factor=[1.5, 0]"],
        ["team.ramp", "greater than 0"],
    ),
    (
        "team.ramp.conversion_factor",
        ["team.ramp.conversion_factor=[-0.5]"],
        ["team.ramp", "greater than or equal to 0"],
    ),
    ("team.attrition", ["team.attrition=0.03"], ["team.attrition", "0.03"]),
    (
        "team.attrition.monthly_rate",
        ["team.attrition.monthly_rate=0"],
        ["team.attrition.monthly_rate", "greater than 0"],
    ),
    (
        "team.attrition.replacement_days",
        ["team.attrition={monthly_rate=0.1, replacement_days=-3}"],
        ["team.attrition.replacement_days", "-3"],
    ),
    (
        "team.hires.*.sellers",
        ['team.hires=[{shift="office", start=2026-04-15, sellers=0}]'],
        ["team.hires[0].sellers", "got 0"],
    ),
    ("team.shrinkage", ["team.shrinkage=0.95"], ["team.shrinkage", "0.95"]),
    ("team.work_holidays", ['team.work_holidays="sometimes"'], ["team.work_holidays", "sometimes"]),
    ("team.handling_unanswered", ["team.handling_unanswered=3"], ["team.handling_unanswered", "3"]),
    (
        "team.handling_unanswered.dist",
        ['team.handling_unanswered.dist="weibull"'],
        ["handling_unanswered.dist", "weibull"],
    ),
    (
        "team.handling_unanswered.mean_minutes",
        ["team.handling_unanswered.mean_minutes=0"],
        ["handling_unanswered.mean_minutes", "0"],
    ),
    (
        "team.handling_unanswered.cv",
        ["team.handling_unanswered.cv=0"],
        ["team.handling_unanswered", "cv(=0"],
    ),
    (
        "team.handling_conversation",
        ["team.handling_conversation.mean_minutes=-15"],
        ["handling_conversation.mean_minutes", "-15"],
    ),
    ("team.wrapup_conversation", ["team.wrapup_conversation=3"], ["team.wrapup_conversation", "3"]),
    (
        "team.wrapup_conversation.dist",
        ['team.wrapup_conversation={dist="weibull", mean_minutes=1}'],
        ["wrapup_conversation.dist", "weibull"],
    ),
    (
        "team.wrapup_conversation.mean_minutes",
        ["team.wrapup_conversation={mean_minutes=0}"],
        ["wrapup_conversation.mean_minutes", "0"],
    ),
    (
        "team.wrapup_conversation.cv",
        ["team.wrapup_conversation={mean_minutes=1, cv=0}"],
        ["team.wrapup_conversation", "cv(=0"],
    ),
    (
        "team.wrapup_unanswered",
        ['team.wrapup_unanswered={dist="fixed", mean_minutes=-1}'],
        ["wrapup_unanswered.mean_minutes", "-1"],
    ),
    (
        "team.cost_per_seller_month",
        ["team.cost_per_seller_month=-1"],
        ["team.cost_per_seller_month", "-1"],
    ),
    ("cadence.max_attempts", ["cadence.max_attempts=0"], ["cadence.max_attempts", "0"]),
    (
        "cadence.spacing_minutes",
        ["cadence.spacing_minutes=[]"],
        ["cadence.spacing_minutes", "empty"],
    ),
    (
        "cadence.business_hours_only",
        ['cadence.business_hours_only="no idea"'],
        ["cadence.business_hours_only", "no idea"],
    ),
    ("cadence.window_days", ["cadence.window_days=0"], ["cadence.window_days", "0"]),
    ("cadence.max_conversations", ["cadence.max_conversations=21"], ["cadence.max_conversations", "21"]),
    ("cadence.follow_up_days", ["cadence.follow_up_days=0"], ["cadence.follow_up_days", "0"]),
    ("routing.policy", ['routing.policy="lifo"'], ["routing.policy", "lifo", "fifo"]),
    (
        "routing.age_cutoff_minutes",
        ["routing.age_cutoff_minutes=-3"],
        ["routing.age_cutoff_minutes", "-3"],
    ),
    (
        "routing.patience_minutes",
        ["routing.patience_minutes=0"],
        ["routing.patience_minutes", "0", "greater than 0"],
    ),
    (
        "routing.patience.dist",
        ["routing.patience.dist=gamma", "routing.patience.mean_minutes=2"],
        ["routing.patience.dist", "gamma", "empirical"],
    ),
    (
        "routing.patience.mean_minutes",
        ["routing.patience.dist=exponential", "routing.patience.mean_minutes=-2"],
        ["routing.patience.mean_minutes", "-2"],
    ),
    (
        "routing.patience.cv",
        [
            "routing.patience.dist=lognormal",
            "routing.patience.mean_minutes=2",
            "routing.patience.cv=0",
        ],
        ["routing.patience.cv", "0"],
    ),
    (
        "routing.patience.minutes",
        [
            "routing.patience.dist=empirical",
            "routing.patience.minutes=[2, 1]",
            "routing.patience.abandoned_share=[0.1, 0.2]",
        ],
        ["routing.patience", "minutes[1](=1.0)", "increasing"],
    ),
    (
        "routing.patience.abandoned_share",
        [
            "routing.patience.dist=empirical",
            "routing.patience.minutes=[1, 2]",
            "routing.patience.abandoned_share=[0.5, -0.1]",
        ],
        ["routing.patience.abandoned_share[1]", "-0.1"],
    ),
    (
        "routing.short_abandon_seconds",
        ["routing.short_abandon_seconds=0"],
        ["routing.short_abandon_seconds", "0", "greater than 0"],
    ),
    ("routing.owner", ['routing.owner="sticky"'], ["routing.owner", "'sticky'", "round_robin"]),
    (
        "routing.owner_weights",
        ["routing.owner=weighted", "routing.owner_weights={office=-1}"],
        ["routing.owner_weights.office", "got -1", "greater than or equal to 0"],
    ),
    ("routing.keep_owner", ["routing.keep_owner=3"], ["routing.keep_owner", "got 3", "boolean"]),
    (
        "routing.tier_order",
        ['routing.tier_order=["hot", "warm"]'],
        ["routing.tier_order", "every tier once"],
    ),
    ("sla.confidence", ["sla.confidence=1.2"], ["sla.confidence", "1.2"]),
    ("sla.confidence_level", ["sla.confidence_level='tier'"], ["sla.confidence_level", "tier"]),
    (
        "sla.tiers",
        ["sla.tiers.vip.quota=3", "sla.tiers.vip.response_target_minutes=5"],
        ["sla.tiers", "'vip'", "not in [tiers]"],
    ),
    ("sla.tiers.*.quota", ["sla.tiers.hot.quota=-1"], ["sla.tiers.hot.quota", "-1"]),
    (
        "sla.tiers.*.response_target_minutes",
        ["sla.tiers.hot.response_target_minutes=0"],
        ["response_target_minutes", "0"],
    ),
    (
        "sla.tiers.*.response_share",
        ["sla.tiers.hot.response_share=90"],
        ["sla.tiers.hot.response_share", "90"],
    ),
    (
        "sla.tiers.*.response_clock",
        ['sla.tiers.hot.response_clock="sundial"'],
        ["response_clock", "sundial"],
    ),
    (
        "sla.tiers.*.min_attempts",
        ["sla.tiers.hot.min_attempts=0"],
        ["sla.tiers.hot.min_attempts", "0"],
    ),
    (
        "sla.tiers.*.attempt_share",
        ["sla.tiers.hot.attempt_share=-1"],
        ["sla.tiers.hot.attempt_share", "-1"],
    ),
    (
        "sla.tiers.*.qualify_rate_target",
        ["sla.tiers.hot.qualify_rate_target=3"],
        ["qualify_rate_target", "3"],
    ),
    ("costs.currency", ['costs.currency="kronor"'], ["costs.currency", "kronor"]),
    ("costs.cost_per_lead", ["costs.cost_per_lead.vip=3"], ["costs.cost_per_lead", "'vip'"]),
    ("costs.gross_margin", ["costs.gross_margin=1.5"], ["costs.gross_margin", "1.5"]),
    (
        "costs.lead_cost_curve",
        ["costs.lead_cost_curve.vip.reference_volume=10", "costs.lead_cost_curve.vip.extra_cost_per_lead=1"],
        ["costs.lead_cost_curve", "'vip'", "not in [tiers]"],
    ),
    (
        "costs.lead_cost_curve.*.reference_volume",
        ["costs.lead_cost_curve.hot.reference_volume=0", "costs.lead_cost_curve.hot.extra_cost_per_lead=1"],
        ["costs.lead_cost_curve.hot.reference_volume", "0", "greater than 0"],
    ),
    (
        "costs.lead_cost_curve.*.extra_cost_per_lead",
        ["costs.lead_cost_curve.hot.reference_volume=100", "costs.lead_cost_curve.hot.extra_cost_per_lead=-4"],
        ["costs.lead_cost_curve.hot.extra_cost_per_lead", "-4"],
    ),
    ("optimize", ["optimize=5"], ["optimize", "5"]),
    ("optimize.objective", ['optimize.objective="revenue"'], ["optimize.objective", "revenue", "'profit' or 'cost'"]),
    ("optimize.revenue_goal", ["optimize.revenue_goal=-1"], ["optimize.revenue_goal", "-1"]),
    ("optimize.budget", ["optimize.budget=0"], ["optimize.budget", "0", "greater than 0"]),
    ("optimize.max_sellers", ["optimize.max_sellers=0"], ["optimize.max_sellers", "0"]),
    ("optimize.sellers", ["optimize.sellers.office=[9, 4]"], ["optimize.sellers", "[9, 4]", "min <= max"]),
    ("optimize.routing", ['optimize.routing=["fifo", "lifo"]'], ["optimize.routing[1]", "lifo"]),
    ("optimize.tiers", ["optimize.tiers.vip.volume=[1, 2]"], ["optimize.tiers", "'vip'", "not in [tiers]"]),
    ("optimize.tiers.*.volume", ["optimize.tiers.hot.volume=[300, 100]"], ["optimize.tiers.hot", "[300.0, 100.0]", "min <= max"]),
    ("optimize.tiers.*.volume_step", ["optimize.tiers.hot.volume_step=0"], ["optimize.tiers.hot.volume_step", "0"]),
    ("optimize.tiers.*.response_targets", ["optimize.tiers.hot.response_targets=[5, -15]"], ["optimize.tiers.hot.response_targets[1]", "-15"]),
    ("optimize.tiers.*.response_shares", ["optimize.tiers.hot.response_shares=[0.9, 1.5]"], ["optimize.tiers.hot.response_shares[1]", "1.5"]),
    ("optimize.tiers.*.min_attempts", ["optimize.tiers.hot.min_attempts=[]"], ["optimize.tiers.hot", "min_attempts is empty"]),
    ("optimize.tiers.*.qualify_rate_targets", ["optimize.tiers.hot.qualify_rate_targets=[0.3, 1.2]"], ["optimize.tiers.hot.qualify_rate_targets[1]", "1.2"]),
    ("optimize.tiers.*.qualify_rate_target", ['optimize.tiers.hot.qualify_rate_target="auto"'], ["optimize.tiers.hot.qualify_rate_target", "auto", "'propose'"]),
    ("optimize.shortlist", ["optimize.shortlist=0"], ["optimize.shortlist", "0"]),
    ("optimize.verify_reps", ["optimize.verify_reps=10"], ["optimize.verify_reps", "10", "30"]),
    ("trace", ['trace="leads.csv"'], ["trace", "leads.csv"]),
    ("trace.path", ["trace.path=5"], ["trace.path", "valid string"]),
    (
        "trace.created_column",
        ['trace.path="x.csv"', "trace.created_column=1"],
        ["trace.created_column", "valid string"],
    ),
    (
        "trace.tier_column",
        ['trace.path="x.csv"', "trace.tier_column=[]"],
        ["trace.tier_column", "valid string"],
    ),
]


@pytest.mark.parametrize(("field", "overrides", "fragments"), CASES, ids=[c[0] for c in CASES])
def test_invalid_value_exits_2_with_message(
    field: str, overrides: list[str], fragments: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["check", BASE]
    for item in overrides:
        argv += ["--set", item]
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not in:\n{err}"


def _unwrap(annotation: object) -> tuple[object, bool]:
    """Strip ``Optional``; return (inner type, whether it sat in a list or dict)."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (list, dict):
        return args[-1], True
    if len(args) == 1 and typing.get_origin(annotation) is not typing.Literal:
        return _unwrap(args[0])
    return annotation, False


def _leaf_fields(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Field paths a user can set: leaves, and containers of models (``*`` = any key/index)."""
    out: set[str] = set()
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        inner, container = _unwrap(info.annotation)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            if container:
                out.add(path)
            out |= _leaf_fields(inner, f"{path}.*." if container else f"{path}.")
        else:
            out.add(path)
    return out


def test_every_schema_field_has_an_invalid_value_case() -> None:
    # A field added to the schema without a case here fails this test (the "every field").
    covered = {case[0] for case in CASES}
    fields = _leaf_fields(Scenario)
    # Sub-fields of decay.qualify, handling_conversation and wrapup_unanswered share their types
    # with decay.contact, handling_unanswered and wrapup_conversation, covered one by one.
    shared = {f for f in fields if f.startswith(
        ("decay.qualify.", "team.handling_conversation.", "team.wrapup_unanswered.")
    )}
    missing = sorted(fields - covered - shared)
    assert not missing, f"schema fields without an invalid-value test: {missing}"


def test_textbook_scenario_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", TEXTBOOK]) == 0
    out = capsys.readouterr().out
    # A = lambda / mu = 2 * 4 = 8 Erlang on 10 sellers: the check must show exactly that.
    assert "8.00" in out and "80%" in out


@pytest.mark.parametrize(
    "override",
    [
        "tiers.hot.monthly_volume=inf",
        "tiers.hot.dispersion=inf",
        "tiers.hot.deal_size.p90=inf",
        "team.cost_per_seller_month=inf",
        "team.handling_conversation.mean_minutes=nan",
        "costs.cost_per_lead.hot=inf",
        "cadence.spacing_minutes=[inf]",
        "cadence.window_days=inf",
        "cadence.follow_up_days=inf",
        "tiers.hot.propensity_concentration=inf",
        "routing.age_cutoff_minutes=inf",
        "sla.tiers.hot.response_target_minutes=inf",
    ],
)
def test_non_finite_numbers_are_rejected(
    override: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # TOML and --set both accept inf/nan; no quantity of a scenario can be infinite, and an
    # accepted inf would surface later as inf profit or a numpy error (exit 1), not exit 2.
    assert main(["check", BASE, "--set", override]) == 2
    err = capsys.readouterr().err
    assert override.split("=")[0] in err and "finite number" in err
