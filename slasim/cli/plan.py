"""``slasim plan`` (registered by :mod:`slasim.cli.main`)."""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING

from slasim.cli.args import (
    Progress,
    add_executor_args,
    add_scenario_args,
    add_simulation_args,
    check_workload,
    executor_workers,
    open_executor,
    write_json,
)
from slasim.errors import InputError
from slasim.limits import MAX_MONEY
from slasim.outputs import json_table

if TYPE_CHECKING:
    from slasim.planning.plan import Plan
    from slasim.scenario.schema import Scenario

__all__ = ["register"]

EXIT_OK = 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``plan`` to the ``slasim`` subcommands."""
    p = sub.add_parser("plan", help="instant staffing and quota answers from queueing theory")
    add_scenario_args(p)
    p.add_argument("--revenue-goal", type=float, help="monthly revenue goal -> quotas per tier")
    p.add_argument(
        "--marketing-share",
        type=float,
        default=1.0,
        help="share of the goal from marketing leads (default 1)",
    )
    p.add_argument("--json", metavar="PATH|-", help="also write the plan as JSON")
    p.add_argument("--reps", type=int, default=100,
                   help="months simulated per staffing level for the fewest sellers, and per "
                        "quota level for --revenue-goal (default 100, like run and report; 0: "
                        "queueing theory only)")
    p.add_argument("--routing", action="append", metavar="POLICY",
                   help="routing policy to find the fewest sellers for (repeatable; default: "
                        "the scenario's and tier_priority; needs --reps > 0)")
    add_simulation_args(p, None)  # --seed, --workers, --quiet (--reps above: 0 is allowed)
    add_executor_args(p)
    p.set_defaults(func=cmd_plan)


def cmd_plan(args: argparse.Namespace) -> int:
    from slasim.outputs import check_outputs
    from slasim.planning.plan import plan_scenario
    from slasim.render.plan_text import format_plan
    from slasim.scenario.load import input_files, load_scenario

    scenario = load_scenario(args.scenario, args.overrides)
    check_outputs({"--json": args.json}, input_files(scenario))
    if args.revenue_goal is not None and not (
        math.isfinite(args.revenue_goal) and 0 <= args.revenue_goal <= MAX_MONEY
    ):
        raise InputError.single(
            "<cli>", "--revenue-goal",
            f"got {args.revenue_goal}; expected a finite amount >= 0 and <= 1e12 (like the "
            "scenario's amounts: sums over leads and months must stay finite)",
        )
    if not 0 <= args.marketing_share <= 1:
        raise InputError.single(
            "<cli>", "--marketing-share", f"got {args.marketing_share}; expected a share in [0, 1]"
        )
    plan = plan_scenario(scenario, args.revenue_goal, args.marketing_share)
    answers = []
    if not 0 <= args.reps <= 100_000:
        raise InputError.single("<cli>", "--reps", f"got {args.reps}; expected 0 (queueing "
                                "theory only) to 100000 months per staffing level")
    if args.routing:
        from slasim.model.routing import router_names

        for policy in args.routing:
            if policy not in router_names():
                raise InputError.single("<cli>", "--routing", f"got {policy!r}; expected one "
                                        f"of {', '.join(sorted(router_names()))}")
        if not args.reps:  # it was ignored: queueing theory has no routing policies
            raise InputError.single(
                "<cli>", "--routing", f"got {args.routing[0]!r} with --reps 0; expected "
                "--routing only when the fewest sellers are simulated (--reps > 0)",
            )
    staff = bool(args.reps and scenario.sla.tiers)
    if staff:
        # Each staffing level simulates --reps months: refuse a job too big before it starts.
        check_workload([scenario], args.reps, workers=args.workers)
    goal_note = _goal_note(scenario, plan, args)
    simulate_goal = plan.funnel is not None and goal_note is None
    odds = None
    if staff or simulate_goal:
        with open_executor(args) as executor:
            workers = executor_workers(executor, args.workers)
            if staff:
                from slasim.planning.staffing import staffing_answers

                with Progress(None, args.quiet, desc="staffing levels") as tick:
                    answers = staffing_answers(scenario, args.routing or None, reps=args.reps,
                                               seed=args.seed, workers=workers, progress=tick,
                                               executor=executor)
            if simulate_goal:
                from slasim.planning.goal import goal_odds

                assert plan.funnel is not None and args.revenue_goal is not None
                with Progress(None, args.quiet, desc="revenue goal") as tick:
                    odds = goal_odds(scenario, _quotas(plan),
                                     args.revenue_goal, args.marketing_share, reps=args.reps,
                                     seed=args.seed, workers=workers, progress=tick,
                                     executor=executor)
    if args.json:
        doc = plan.to_dict()
        payload = {
            **{key: doc[key] for key in ("scenario", "shifts", "head_count_months", "hours_short")},
            "fewest_sellers": [
                {"routing": a.routing, "reps": a.reps, "seed": a.seed,
                 "sellers": None if a.sellers is None else list(a.sellers),
                 "text": a.describe(),
                 "levels": json_table(a.levels)}
                for a in answers
            ],
            **{key: doc[key] for key in ("hourly", "funnel_now", "funnel")},
            "revenue_goal": None if plan.funnel is None else (
                odds.to_dict() if odds is not None else {"simulated": False, "note": goal_note}
            ),
        }
        write_json(payload, args.json)
    if args.json != "-":  # --json PATH also writes: the text is still printed (as run does)
        print(format_plan(scenario, plan, answers, odds, goal_note))
    return EXIT_OK


def _quotas(plan: Plan) -> dict[str, float]:
    """The reverse funnel's leads per tier and month."""
    assert plan.funnel is not None
    return {str(tier): float(n) for tier, n in plan.funnel["leads"].items()}


def _goal_note(scenario: Scenario, plan: Plan, args: argparse.Namespace) -> str | None:
    """Why ``plan --revenue-goal`` does not simulate the goal (None: it does).

    Raises
    ------
    InputError
        When the months at the quotas are too many to simulate with ``--reps`` (as ``run``).
    """
    if plan.funnel is None:
        return None
    if args.reps == 0:
        return "--reps 0: point estimates only (--reps N simulates how likely the goal is)"
    if args.revenue_goal == 0 or args.marketing_share == 0:
        return "no revenue is asked of marketing's leads: any quotas reach the goal"
    if scenario.trace is not None:
        return (f"the scenario replays a trace ({scenario.trace.path}): its leads are not set "
                "by quotas, so how likely the goal is is not simulated")
    from slasim.limits import MAX_LEADS_PER_REP
    from slasim.planning.goal import with_quotas

    quotas = _quotas(plan)
    at_quotas = with_quotas(scenario, quotas)
    leads = sum(quotas.values()) * scenario.horizon.simulated_months
    if leads > MAX_LEADS_PER_REP:
        return (f"the quotas are about {leads:,.0f} leads per simulated period, more than "
                f"{MAX_LEADS_PER_REP:,} a replication may hold: point estimates only")
    check_workload([at_quotas], args.reps, workers=args.workers)
    return None
