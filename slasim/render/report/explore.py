"""The option explorer (``slasim explore``): one self-contained HTML page to move the levers.

A VP picks an option, sellers (all shifts together, relative to today), routing policy, the
fastest tier's response target and a quota level, and reads how often each side keeps its
terms, cost, revenue and profit with their ranges, and the verdict sentence. Every combination
is precomputed here on the same simulated months (common random numbers): one simulation per
option, staffing and routing, and the SLA terms re-scored on its months where they ran
(:class:`slasim.measure.rescoring.TermsScorer`), since terms do not change a simulated lead.

The page is Vega-Lite (through Altair) with its JavaScript inlined (vl-convert), so it opens
offline and in a mail attachment: controls are Vega-Lite parameters bound to inputs, the charts
filter the precomputed table on them. No hand-written JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from slasim.measure.months import replication_noun
from slasim.scenario.schema import Scenario
from slasim.seeding import Seed, root_seed

if TYPE_CHECKING:
    from slasim.measure.executors import Batch, BatchResult, Executor

__all__ = ["QUOTA_SCALES", "SELLER_OFFSETS", "Explorer", "explore_grid", "explorer_html"]

#: Sellers relative to today (every shift moves together), the quota levels (x today's quotas).
SELLER_OFFSETS: tuple[int, ...] = (-2, -1, 0, 1, 2, 3)
QUOTA_SCALES: tuple[float, ...] = (0.8, 0.9, 1.0)

Progress = Callable[[int, int], None]
_SIDE_LABELS = ("{'p_marketing': 'marketing', 'p_sales': 'sales', 'p_joint': 'both sides'}"
                "[datum.value]")


@dataclass(frozen=True)
class Explorer:
    """The precomputed grid behind the page.

    ``grid`` has one row per option, ``offset`` (sellers vs today), ``routing``, ``target``
    (minutes, of ``tier``) and ``quota_scale``: ``sellers`` (per shift, ``3+2``), ``p_marketing``,
    ``p_sales``, ``p_joint``, ``cost``, ``revenue`` (won + pipeline value), ``profit`` (means per
    period), their ``*_p10`` / ``*_p90``, ``realistic`` and ``verdict`` (the sentence).
    ``period`` names a replication ("months", "7-day periods").
    """

    grid: pd.DataFrame
    tier: str
    reps: int
    seed: int
    confidence: float
    currency: str
    level: str = "side"
    period: str = "months"


def _fastest_tier(scenario: Scenario) -> str:
    terms = scenario.sla.tiers
    if not terms:
        raise ValueError(f"scenario(={scenario.name!r}) has no SLA terms to explore.")
    return min(terms, key=lambda t: terms[t].response_target_minutes)


def _targets(scenario: Scenario, tier: str) -> tuple[float, ...]:
    """The response targets to offer: the [optimize] menu of ``tier`` if any, else today's
    target, half of it and twice it."""
    now = scenario.sla.tiers[tier].response_target_minutes
    menu = scenario.optimize.tiers.get(tier) if scenario.optimize else None
    listed = list(menu.response_targets or []) if menu is not None else []
    return tuple(sorted({float(now), *map(float, listed)} or {now / 2, now, now * 2}))


def _with_terms(scenario: Scenario, tier: str, target: float, scale: float) -> Scenario:
    sla = scenario.sla
    tiers = {}
    for name, terms in sla.tiers.items():
        update: dict[str, object] = {"quota": round(terms.quota * scale)}
        if name == tier:
            update["response_target_minutes"] = target
        tiers[name] = terms.model_copy(update=update)
    return scenario.model_copy(update={"sla": sla.model_copy(update={"tiers": tiers})})


def explore_grid(
    scenarios: Sequence[Scenario],
    *,
    policies: Sequence[str] | None = None,
    offsets: Sequence[int] = SELLER_OFFSETS,
    quota_scales: Sequence[float] = QUOTA_SCALES,
    reps: int = 40,
    seed: Seed = 0,
    workers: int = 1,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> Explorer:
    """Simulate every option x staffing x routing once (same seed) and score every response
    target x quota level on those months.

    The response target is that of the first scenario's fastest tier; its choices come from
    its ``[optimize]`` menu (today's target always included). Every run goes to ``executor``
    (:mod:`slasim.measure.executors`; default: one pool of ``workers`` for the whole grid).
    """
    seed = root_seed(seed)  # once: every simulation below runs on the same months
    from slasim.measure.executors import executor_for, run_batches

    base = scenarios[0]
    tier = _fastest_tier(base)
    targets = _targets(base, tier)
    routings = list(dict.fromkeys(policies or [base.routing.policy, "tier_priority"]))

    combos = [(target, scale) for target in targets for scale in quota_scales]
    runs = [run for s in scenarios for k in offsets for r in routings
            if (run := _run(s, k, r, tier, combos, reps, seed)) is not None]
    # Every run in one task list on one pool; the workers score every term set where the
    # month ran (TermsScorer) and send back metric vectors, never the lead records.
    with executor_for(executor, workers) as pool:
        outs = run_batches([run.batch for run in runs], pool, workers, progress)
    rows = [row for run, out in zip(runs, outs, strict=True) for row in run.rows(out)]
    return Explorer(pd.DataFrame(rows), tier, reps, seed, base.sla.confidence,
                    base.costs.currency, base.sla.confidence_level, replication_noun(base))


@dataclass(frozen=True)
class _Run:
    """One option x staffing offset x routing: its batch, and the term sets scored on it."""

    option: str
    offset: int
    routing: str
    sellers: str
    staffed: Scenario
    combos: list[tuple[float, float]]
    terms: list[Scenario]
    batch: Batch

    def rows(self, out: BatchResult) -> list[dict[str, object]]:
        """The grid's rows of this run, one per response target x quota level."""
        from slasim.measure.experiment import replications_table, verdict_of
        from slasim.measure.metrics import ALL
        from slasim.measure.rescoring import TermsScorer, scored_tables

        # The per-month table only (the three money columns), not a whole summary.
        table = replications_table(out.metrics, self.batch.job.context)
        money = {
            "cost": table[("cost", ALL)].to_numpy(float),
            "revenue": (table[("revenue", ALL)] + table[("pipeline_value", ALL)]).to_numpy(
                float),
            "profit": table[("profit", ALL)].to_numpy(float),
        }
        scorer = self.batch.job.scorer
        assert isinstance(scorer, TermsScorer) and out.scores is not None
        rows = []
        for (target, scale), terms, table in zip(
            self.combos, self.terms, scored_tables(scorer, out.scores), strict=True
        ):
            judged = verdict_of(terms, table)
            row: dict[str, object] = {
                "option": self.option, "offset": self.offset, "routing": self.routing,
                "target": target, "quota_scale": scale, "sellers": self.sellers,
                "p_marketing": judged.p["marketing"], "p_sales": judged.p["sales"],
                "p_joint": judged.p["joint"], "realistic": judged.realistic,
                "verdict": judged.sentence(),
            }
            for name, values in money.items():
                row[name] = float(values.mean())
                row[f"{name}_p10"], row[f"{name}_p90"] = (
                    float(v) for v in np.quantile(values, (0.1, 0.9))
                )
            rows.append(row)
        return rows


def _run(
    scenario: Scenario, k: int, routing: str, tier: str, combos: list[tuple[float, float]],
    reps: int, seed: int,
) -> _Run | None:
    """The run of one option x staffing offset x routing (None when a shift would have no
    seller left, or for another offset of a roster)."""
    from slasim.engine.compile import prepare
    from slasim.measure.executors import Batch, Job
    from slasim.measure.experiment import expected_leads
    from slasim.measure.metrics import MetricContext
    from slasim.measure.rescoring import TermsScorer
    from slasim.planning.staffing import with_staffing

    if scenario.team.roster is not None and k != 0:
        return None  # a roster is a fixed plan: only today's staffing (offset 0) is simulated
    current = [sh.sellers for sh in scenario.team.shifts]
    sellers = [max(1, n + k) for n in current]
    if k < 0 and min(current) + k < 1:
        return None  # a shift would have no seller left
    staffed = (
        scenario.model_copy(update={"routing": scenario.routing.model_copy(
            update={"policy": routing})})
        if scenario.team.roster is not None else with_staffing(scenario, sellers, routing)
    )
    terms = [_with_terms(staffed, tier, target, scale) for target, scale in combos]
    scorer = TermsScorer(tuple(MetricContext.from_scenario(t) for t in terms))
    job = Job(prepare(staffed), MetricContext.from_scenario(staffed), scorer=scorer)
    return _Run(scenario.name, k, routing, "+".join(str(n) for n in sellers), staffed, combos,
                terms, Batch(job, seed, reps, expected_leads(staffed)))


def _summary(row: pd.Series, currency: str) -> str:
    def money(name: str) -> str:
        return (f"{row[name]:,.0f} {currency} (8 in 10: {row[name + '_p10']:,.0f} to "
                f"{row[name + '_p90']:,.0f})")

    return (f"sellers {row['sellers']}: cost {money('cost')}; revenue + pipeline "
            f"{money('revenue')}; profit {money('profit')}")


def _lines(text: str) -> str:
    """``text`` with a line break at each "; ": a clause a line; inside brackets the ";" stays
    and the next line is indented, so "(needed 80 %; most missed: ...)" reads as one aside
    (a plain break at every "; " left a line ending "(needed 80 %")."""
    out, depth, i = [], 0, 0
    while i < len(text):
        char = text[i]
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(char, 0)
        if text.startswith("; ", i):
            # No-break spaces: SVG text collapses plain ones, and the indent disappeared.
            out.append("\n" if depth == 0 else ";\n\u00a0\u00a0\u00a0\u00a0")
            i += 2
            continue
        if depth == 0 and text.startswith(" and ", i):
            out.append("\nand ")  # "Realistic: marketing ... and sales ...": two lines
            i += 5
            continue
        out.append(char)
        i += 1
    return "".join(out)


#: What a phone needs and the page had not: a viewport (the chart was shrunk to 3-5 px text in
#: a 980 px virtual window) and a title. The controls go under the chart when both do not fit
#: side by side, and the chart keeps its size (readable text) and scrolls sideways.
_HEAD = ('<meta name="viewport" content="width=device-width, initial-scale=1">\n'
         "  <title>{title}</title>\n"
         "  <style>#vis.vega-embed {{ flex-wrap: wrap; overflow-x: auto; }}\n"
         "  #vis.vega-embed > svg {{ flex: none; }}</style>\n")


def _escape_spec(page: str) -> str:
    """The chart's JSON with ``</`` written ``<\\/`` (the same string to JavaScript): a scenario
    named ``x</script><script>...`` ended the script block and ran its own code."""
    start = page.index("const spec = ")
    end = page.index("\n", start)
    return page[:start] + page[start:end].replace("</", "<\\/") + page[end:]


def explorer_html(explorer: Explorer, title: str = "SLA option explorer") -> str:
    """The self-contained page (Vega-Lite with its JavaScript inlined)."""
    import html

    import altair as alt

    grid = explorer.grid.copy()
    grid["summary"] = [_lines(_summary(r, explorer.currency)) for _, r in grid.iterrows()]
    grid["verdict"] = [_lines(v) for v in grid["verdict"]]
    first = grid.iloc[0]
    options = list(dict.fromkeys(grid["option"]))
    routings = list(dict.fromkeys(grid["routing"]))
    targets = sorted(set(grid["target"]))
    scales = sorted(set(grid["quota_scale"]))
    offsets = sorted(set(grid["offset"]))
    params = [
        alt.param(name="option", value=first["option"],
                  bind=alt.binding_select(options=options, name="option ")),
        alt.param(name="sellers", value=0,
                  bind=alt.binding_range(min=min(offsets), max=max(offsets), step=1,
                                         name="sellers vs today (every shift) ")),
        alt.param(name="routing", value=first["routing"],
                  bind=alt.binding_select(options=routings, name="routing ")),
        alt.param(name="target", value=float(first["target"]),
                  bind=alt.binding_select(options=targets,
                                          name=f"{explorer.tier} response target (minutes) ")),
        alt.param(name="quota", value=1.0 if 1.0 in scales else scales[-1],
                  bind=alt.binding_select(options=scales, name="quotas x today ")),
    ]
    # What the level judges against the confidence (level term: the terms, none of the bars).
    judged = {"side": ("p_marketing", "p_sales"), "joint": ("p_joint",), "term": ()}[
        explorer.level]
    chosen = ("datum.option == option && datum.offset == sellers && datum.routing == routing"
              " && datum.target == target && datum.quota_scale == quota")
    base = alt.Chart(grid).transform_filter(chosen)
    sides = base.transform_fold(
        ["p_marketing", "p_sales", "p_joint"], as_=["side", "p"]
    ).mark_bar().encode(
        x=alt.X("side:N", title=None, sort=["p_marketing", "p_sales", "p_joint"],
                axis=alt.Axis(labelAngle=0, labelExpr=_SIDE_LABELS)),
        # The sides the confidence level judges in colour, the others grey: at level side a
        # realistic option's "both sides" bar sat under the line and looked failed.
        color=alt.condition(
            alt.FieldOneOfPredicate(field="side", oneOf=list(judged) or ["none"]),
            alt.value("#4c78a8"), alt.value("#c8c8c8"),
        ),
        y=alt.Y("p:Q", title=f"share of {explorer.period} every term is kept",
                scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        tooltip=[alt.Tooltip("p:Q", format=".0%")],
    )
    labels = base.transform_fold(
        ["p_marketing", "p_sales", "p_joint"], as_=["side", "p"]
    ).mark_text(dy=-8).encode(
        x=alt.X("side:N", sort=["p_marketing", "p_sales", "p_joint"]),
        y="p:Q", text=alt.Text("p:Q", format=".0%"),
    )
    rule = alt.Chart(pd.DataFrame({"c": [explorer.confidence]})).mark_rule(
        strokeDash=[4, 4]).encode(y="c:Q")
    keeping = "Keeping the agreement" + (
        "" if len(judged) == 3 else f" (grey: not judged at level {explorer.level!r})")
    money = base.transform_fold(["cost", "revenue", "profit"], as_=["what", "value"]).mark_bar(
    ).encode(x=alt.X("what:N", title=None, sort=["cost", "revenue", "profit"],
                     # Revenue won and the open deals' expected value, as the profit counts
                     # them (the report's "revenue" is won deals only).
                     axis=alt.Axis(labelAngle=0, labelExpr=(
                         "datum.value == 'revenue' ? 'revenue + pipeline' : datum.value"))),
             y=alt.Y("value:Q", title=f"per period ({explorer.currency})"),
             tooltip=[alt.Tooltip("value:Q", format=",.0f")])
    verdict = base.mark_text(align="left", baseline="top", fontSize=13, lineBreak="\n").encode(
        text="verdict:N", x=alt.value(0), y=alt.value(0))
    summary = base.mark_text(align="left", baseline="top", fontSize=12, lineBreak="\n").encode(
        text="summary:N", x=alt.value(0), y=alt.value(0))
    # Tall enough for the longest text (a quarter's verdict has a line per month).
    def height(column: str, line: float) -> int:
        return int(line * max(str(t).count("\n") + 1 for t in grid[column])) + 12

    chart = alt.vconcat(
        alt.hconcat(((sides + labels + rule) if judged else (sides + labels)).properties(
                        width=260, height=220, title=keeping),
                    money.properties(width=220, height=220, title="Money per period")),
        verdict.properties(width=520, height=height("verdict", 16.5), title="Verdict"),
        summary.properties(width=520, height=height("summary", 15.5), title="Ranges"),
    ).add_params(*params).properties(
        title=f"{title}: {explorer.reps} simulated {explorer.period} per combination, seed "
              f"{explorer.seed}"
    )
    import io

    buffer = io.StringIO()
    chart.save(buffer, format="html", inline=True,
               embed_options={"renderer": "svg", "actions": False})
    page = _escape_spec(buffer.getvalue())
    head = _HEAD.format(title=html.escape(f"{title}: {', '.join(options)}"))
    return page.replace('<meta charset="UTF-8">\n', '<meta charset="UTF-8">\n  ' + head, 1)
