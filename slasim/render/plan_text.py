"""The ``slasim plan`` report as terminal text: the simulated fewest sellers, Erlang C per
shift and hour of the week, the funnel at the quotas and, with a revenue goal, its odds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slasim.measure.shares import bar_percent
from slasim.planning.check import follow_up_line
from slasim.render.figures import runs_text
from slasim.render.text import format_table, patience_lines

if TYPE_CHECKING:
    from collections.abc import Sequence

    from slasim.measure.months import Month
    from slasim.planning.goal_result import GoalOdds
    from slasim.planning.plan import Plan
    from slasim.planning.staffing import StaffingAnswer
    from slasim.scenario.schema import Scenario

__all__ = ["format_plan"]


#: What the fewest-sellers search makes realistic, per confidence level: what staffing
#: controls (slasim.planning.staffing).
_CONTROLLED = {"side": "the sales side", "term": "every sales term", "joint": "the agreement"}


def format_plan(
    scenario: Scenario,
    plan: Plan,
    answers: Sequence[StaffingAnswer] = (),
    odds: GoalOdds | None = None,
    goal_note: str | None = None,
) -> str:
    """The ``slasim plan`` report; ``answers``: the simulated fewest sellers per policy;
    ``odds``: how likely the revenue goal is at the quotas (or ``goal_note``: why not
    simulated)."""
    money = "{:,.0f}"
    lines = []
    if scenario.team.roster is not None:
        lines += [
            "Staffed from a roster (team.roster): the fewest-sellers search varies weekly shifts "
            "and is skipped; the Erlang C figures below still apply.",
            "",
        ]
    if answers:
        lines += [
            f"Fewest sellers for which {_CONTROLLED[scenario.sla.confidence_level]} is realistic "
            f"(simulated, {runs_text(scenario, answers[0].reps, 'en', short=True)} per level, "
            f"seed {answers[0].seed}; all shifts moved together):",
            *(f"  {a.describe()}" for a in answers),
            "The Erlang C figures below are a steady-state, one-queue reference per tier: they "
            "ignore the Monday backlog and repeated attempts (which need more sellers), and "
            "priorities and patience (with which fewer can do).",
            "",
        ]
    lines += [
        f"scenario {plan.scenario!r}: queueing-theory plan (Erlang C per shift, all tiers pooled;"
        " see the docs: Explanation > Validation)",
        *patience_lines(scenario),
        *(line for line in [follow_up_line(scenario)] if line is not None),
        "",
        "Queueing theory (Erlang C, steady state) per shift and tier: now vs needed for the "
        "tier's response target alone",
        format_table(
            plan.shifts,
            {
                "leads_per_hour": "{:.2f}",
                "offered_load_erlang": "{:.2f}",
                "sellers_scheduled": "{:.1f}",
                "sellers_working": "{:.0f}",
                "p_wait_now": "{:.0%}",
                "within_target_now": "{:.0%}",
                "contact_first_attempt_now": "{:.1%}",
                "contact_first_attempt_needed": "{:.1%}",
            },
        ),
        *_head_count_lines(plan.head_count_months),
        "",
    ]
    short = plan.hourly[plan.hourly["shortfall"] > 0]
    business = int(plan.hourly["business_hour"].sum())
    lines.append(
        f"Hour-of-week check (SIPP, strictest target; off-hours leads counted in the next staffed "
        f"hour): {plan.hours_short} of {business} business hours are short of the need. Each "
        "hour's need is steady-state Erlang C for that hour alone: where the night's leads land "
        "at opening it overstates the need (the backlog is worked off over the morning); the "
        "simulated fewest sellers (first lines; --reps) are what to staff by."
    )
    if len(short):
        worst = (
            short.drop(columns="business_hour").sort_values("shortfall", ascending=False).head(8)
        )
        lines.append(
            format_table(worst.set_index(["weekday", "hour"]), {"leads_per_hour": "{:.2f}"})
        )
    lines += [
        "",
        f"Expected funnel per month at the current quotas ({scenario.costs.currency}; "
        "queueing theory's point estimate: contact from the on-duty Erlang wait, qualification "
        "at each tier's base rate. It leaves out the hours a lead waits off duty and the "
        "qualify decay, so it overstates what the simulation (`slasim run`, the report) earns)",
        format_table(
            plan.funnel_now, dict.fromkeys(plan.funnel_now.columns, "{:,.1f}") | {"revenue": money}
        ),
    ]
    if plan.funnel is not None:
        lines += [
            "",
            "Reverse funnel: leads needed per month for the revenue goal (the same point "
            "estimate, so it understates the leads needed)",
            format_table(
                plan.funnel, dict.fromkeys(plan.funnel.columns, "{:,.1f}") | {"revenue": money}
            ),
        ]
        if odds is not None:
            lines += ["", *_goal_lines(odds)]
        elif goal_note is not None:
            lines.append(f"(How likely the goal is: not simulated; {goal_note}.)")
    return "\n".join(lines)


def _head_count_lines(months: Sequence[Month]) -> list[str]:
    """Which month's head count the Erlang C table takes, when the months' differ."""
    if not months:
        return []
    which = " / ".join(m.label() for m in months)
    return [
        f"sellers_scheduled and sellers_working are those of the thinnest month ({which}; "
        "hires join or sellers leave in other months): every month must keep the agreement."
    ]


def _goal_lines(odds: GoalOdds) -> list[str]:
    """The quotas with their month-to-month spread and P(goal) (``plan --revenue-goal``)."""
    import pandas as pd

    def leads(value: float | None) -> str:
        return "not reached" if value is None else f"{value:,.1f}"

    table = pd.DataFrame(
        {
            "quota": [f"{q.leads:,.1f}" for q in odds.quotas],
            "one period needs (p10 - p90)": [
                f"{leads(q.leads_low)} - {leads(q.leads_high)}" for q in odds.quotas
            ],
            f"for {bar_percent(odds.confidence)} of {odds.periods}": [
                leads(q.leads_for_confidence) for q in odds.quotas
            ],
        },
        index=pd.Index([q.tier for q in odds.quotas], name="tier"),
    )
    return [
        f"How likely the goal is (simulated: {odds.reps} {odds.periods} per quota level, seed "
        f"{odds.seed}; revenue = the deals won from the period's leads, each booked when won, "
        "as in a steady month). Leads per month: the quota; what one period needs (p10 - p90 "
        f"over {odds.periods}: the quotas that reach the goal in 10 % and in 90 % of them); the "
        "quotas that reach it in sla.confidence of them:",
        table.to_string(),
        *odds.describe(),
    ]
