"""``slasim compare`` and ``slasim report`` (registered by :mod:`slasim.cli.main`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

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
from slasim.outputs import json_table

__all__ = ["register"]


def _cmd_compare(args: argparse.Namespace) -> int:
    from slasim.measure.experiment import compare
    from slasim.outputs import check_outputs
    from slasim.render.report.comparison import comparison_frame, format_compare, terms_record
    from slasim.scenario.load import input_files, load_options

    if len(args.scenario) < 2:
        raise InputError.single(
            "<cli>",
            "scenario",
            f"got 1 scenario ({args.scenario[0]}); expected at least two "
            "to compare (the first is the base)",
        )
    if args.json == "-" and args.csv == "-":
        raise InputError.single(
            "<cli>", "--json", "got '-' for both --json and --csv; expected at most one of them "
            "on stdout (write the other to a file)"
        )
    scenarios = load_options(args.scenario, args.overrides)
    check_workload(scenarios, args.reps, workers=args.workers)
    check_outputs(
        {"--csv": args.csv, "--json": args.json},
        [path for s in scenarios for path in input_files(s)],
    )
    with open_executor(args) as executor, Progress(args.reps * len(scenarios),
                                                   args.quiet) as tick:
        comparison = compare(scenarios, args.reps, args.seed,
                             executor_workers(executor, args.workers), progress=tick,
                             executor=executor)
    frame = comparison_frame(comparison)
    if args.csv:
        _write_csv(frame, args.csv)
    if args.json:
        from slasim.measure.verdict import recommend

        # The options as the tables label them (compare() numbers repeated names), each
        # with the verdict the text prints, and the one recommendation.
        simulated = [r.scenario for r in comparison.results]
        verdicts = [r.verdict for r in comparison.results]
        best, realistic = recommend(
            verdicts, [float(r.metric("profit").mean()) for r in comparison.results])
        payload = {
            "reps": args.reps,
            "seed": args.seed,
            "base": simulated[0].name,
            "options": [terms_record(s) for s in simulated],
            "rows": json_table(frame),
            "verdicts": [{"option": s.name, **v.to_dict()}
                         for s, v in zip(simulated, verdicts, strict=True)],
            "recommendation": {"option": simulated[best].name, "realistic": realistic},
        }
        write_json(payload, args.json)
    if args.json != "-" and args.csv != "-":
        print(format_compare(comparison))
    return 0


def _write_csv(frame: object, target: str) -> None:
    """The table to stdout (``-``) or atomically to a file, with formula-like text neutralised."""
    import pandas as pd

    from slasim.outputs import write_csv

    assert isinstance(frame, pd.DataFrame)
    if target == "-":
        write_csv(frame, sys.stdout)
        return
    try:
        write_csv(frame, target)
    except OSError as exc:
        raise InputError.single(target, "--csv", f"cannot write the file ({exc})") from None


def _cmd_report(args: argparse.Namespace) -> int:
    from slasim.outputs import check_outputs
    from slasim.render.report.build import build_report
    from slasim.scenario.load import input_files, load_options

    out = Path(args.out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise InputError.single(
            args.out, "--out", f"got {args.out!r}; expected a file name ending in .html"
        )
    if not out.parent.is_dir():  # one line, not one per file the report writes in it
        raise InputError.single(
            args.out, "--out", f"cannot write the file (the folder {str(out.parent)!r} does not "
            "exist); expected a path in an existing folder",
        )
    scenario, *options = load_options([args.scenario, *(args.compare or ())], args.overrides)
    check_workload([scenario, *options], args.reps, workers=args.workers)
    # Report.write's files: the HTML, the .md next to it, the Markdown's figure folder.
    check_outputs(
        {"--out": out, "--out (Markdown)": out.with_suffix(".md")},
        [path for s in (scenario, *options) for path in input_files(s)],
        folders={"--out (figures)": (out.parent / f"{out.stem}_figures", ())},
    )
    if not args.quiet:
        runs = 1 + len(options)
        print(
            f"simulating {runs} option(s) x {args.reps} months"
            + (" + staffing sweep" if not args.no_staffing else ""),
            file=sys.stderr,
        )
    with open_executor(args) as executor:
        report = build_report(
            scenario,
            options=options,
            reps=args.reps,
            seed=args.seed,
            workers=executor_workers(executor, args.workers),
            lang=args.lang,
            staffing=not args.no_staffing,
            executor=executor,
        )
    try:
        html_path, md_path = report.write(out)
    except OSError as exc:
        raise InputError.single(str(out), "--out", f"cannot write the report ({exc})") from None
    print(f"wrote {html_path} and {md_path}")
    return 0


def _cmd_explore(args: argparse.Namespace) -> int:
    from slasim.model.routing import router_names
    from slasim.outputs import atomic_write_text, check_outputs
    from slasim.scenario.load import input_files, load_scenario

    try:
        import altair  # noqa: F401
        import vl_convert  # noqa: F401

        from slasim.render.report.explore import SELLER_OFFSETS, explore_grid, explorer_html
    except ImportError as exc:
        raise InputError.single(
            "<cli>", "explore", f"needs the explore extra ({exc.name} is not installed); "
            "expected `pip install 'slasim[explore]'`",
        ) from None
    out = Path(args.out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise InputError.single(args.out, "--out",
                                f"got {args.out!r}; expected a file name ending in .html")
    for policy in args.routing or ():
        if policy not in router_names():
            raise InputError.single("<cli>", "--routing", f"got {policy!r}; expected one of "
                                    f"{', '.join(sorted(router_names()))}")
    scenarios = [load_scenario(path, args.overrides) for path in args.scenario]
    check_outputs({"--out": out}, [p for s in scenarios for p in input_files(s)])
    routings = len(set(args.routing or [scenarios[0].routing.policy, "tier_priority"]))
    check_workload(scenarios, args.reps * len(SELLER_OFFSETS) * routings, workers=args.workers)
    with open_executor(args) as executor, Progress(
        None, args.quiet, desc="simulating staffing x routing"
    ) as tick:
        explorer = explore_grid(scenarios, policies=args.routing, reps=args.reps,
                                seed=args.seed, workers=executor_workers(executor, args.workers),
                                progress=tick, executor=executor)
    atomic_write_text(out, explorer_html(explorer))
    print(f"wrote {out}: {len(explorer.grid):,} combinations on {explorer.reps} months each")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``compare``, ``report`` and ``explore`` subcommands."""
    p = sub.add_parser(
        "compare",
        help="compare SLA options side by side on the same simulated leads (paired CIs)",
    )
    add_scenario_args(p, "scenario TOML files; the first is the base", several=True)
    add_simulation_args(p, 100, "replications per option")
    add_executor_args(p)
    p.add_argument("--json", metavar="PATH|-", help="write terms and results as JSON")
    p.add_argument(
        "--csv",
        metavar="PATH|-",
        help="write a tidy table: option, tier, metric, mean, ci_low, ci_high, diff, "
        "diff_ci_low, diff_ci_high",
    )
    p.set_defaults(func=_cmd_compare)

    p = sub.add_parser(
        "report",
        help="write the SLA agreement with its evidence (self-contained HTML + Markdown)",
    )
    add_scenario_args(p, "scenario or proposal TOML whose SLA terms are agreed")
    p.add_argument(
        "--compare",
        nargs="+",
        action="extend",
        default=[],
        metavar="OPTION.toml",
        help="options to compare with it on the same leads",
    )
    p.add_argument("--lang", choices=("en", "sv"), default="en", help="language (default en)")
    p.add_argument(
        "--out", default="report.html", help="HTML file; the .md goes next to it (report.html)"
    )
    p.add_argument("--no-staffing", action="store_true", help="skip the staffing sweep")
    add_simulation_args(p, 100, "replications per option")
    add_executor_args(p)
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser(
        "explore",
        help="write one offline HTML page where leadership moves sellers, routing, response "
        "target and quota and reads the verdict (needs the explore extra)",
    )
    add_scenario_args(p, "scenario TOML file(s): each is an option on the page", several=True)
    p.add_argument("--out", default="explore.html", help="HTML file (explore.html)")
    p.add_argument("--routing", action="append", metavar="POLICY",
                   help="routing policies to offer (repeatable; default: the scenario's and "
                        "tier_priority)")
    add_simulation_args(p, 40, "simulated months per staffing and routing")
    add_executor_args(p)
    p.set_defaults(func=_cmd_explore)
