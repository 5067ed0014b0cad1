"""Build the SLA report: the agreement (part 1) and its evidence (part 2), HTML and Markdown.

One call runs every simulation the report needs with the same seed (common random numbers):
the scenario and its options (keeping per-lead records: the response-time figure uses those of
the first :data:`RECORD_REPS` months), and the staffing sweep. Same inputs give byte-identical
files, whatever the number of workers.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from slasim.outputs import json_table
from slasim.render.doc import (
    Block,
    Figure,
    Heading,
    Paragraph,
    md_escape,
    to_html,
    to_markdown,
)
from slasim.render.figures import runs_text
from slasim.render.i18n import tr
from slasim.render.page import LANGS, render_page
from slasim.render.report.agreement import agreement_blocks, period_dates
from slasim.render.report.decision import decision_blocks
from slasim.render.report.evidence import (
    attainment_blocks,
    decay_blocks,
    funnel_blocks,
    kpi_blocks,
    options_blocks,
    queue_blocks,
    response_blocks,
)
from slasim.render.report.months import month_blocks
from slasim.render.report.staffing import staffing_blocks
from slasim.scenario.schema import Scenario
from slasim.seeding import Seed, root_seed

if TYPE_CHECKING:
    import pandas as pd

    from slasim.measure.executors import Executor
    from slasim.measure.verdict import Verdict

__all__ = ["RECORD_REPS", "Report", "build_report", "reproduce_command"]

#: Replications whose per-lead records feed the response-time figure; the distribution of 20
#: months of leads is smooth enough to read. (Every replication's records are kept while the
#: report is built: ~62 bytes a lead, ~0.1 MB a baseline month per option.)
RECORD_REPS = 20


@dataclass(frozen=True)
class Report:
    """A built report; ``html`` and ``markdown`` render the same blocks.

    ``scenario`` and ``verdict`` are the agreement and its verdict, which :meth:`to_frame` and
    :meth:`to_dict` state as data (None: a report built without them).
    """

    title: str
    subtitle: str
    lang: str
    blocks: tuple[Block, ...]
    footer: str
    scenario: Scenario | None = field(default=None, repr=False)
    verdict: Verdict | None = field(default=None, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """The terms the agreement states, one row per tier and term: tier, term, side, promise
        (worded in the report's language), then the verdict's p (P met), ci_low, ci_high and
        met (NaN and None for a term the verdict did not judge)."""
        import pandas as pd

        from slasim.measure.terms import TERMS

        judged = {(r.tier, r.term): r for r in self.verdict.terms} if self.verdict else {}
        rows = []
        stated = self.scenario.sla.tiers if self.scenario is not None else {}
        window = self.scenario.cadence.window_days if self.scenario is not None else 0.0
        for tier, terms in stated.items():
            for term in TERMS:
                r = judged.get((tier, term.name))
                evidence = (r.p, *r.ci, r.met) if r else (math.nan, math.nan, math.nan, None)
                promise = term.describe(terms, window, self.lang)
                rows.append((tier, term.name, term.side, promise, *evidence))
        return pd.DataFrame(rows, columns=["tier", "term", "side", "promise", "p", "ci_low",
                                           "ci_high", "met"])

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form: title, subtitle, lang, footer, scenario (its name), the verdict's
        :meth:`~slasim.measure.verdict.Verdict.to_dict` and the terms of :meth:`to_frame` as
        records (NaN as None)."""

        return {
            "title": self.title, "subtitle": self.subtitle, "lang": self.lang,
            "footer": self.footer,
            "scenario": None if self.scenario is None else self.scenario.name,
            "verdict": None if self.verdict is None else self.verdict.to_dict(),
            "terms": json_table(self.to_frame()),
        }

    @property
    def html(self) -> str:
        """The self-contained HTML document (figures embedded)."""
        body = to_html(self.blocks, self.lang) + f"\n<footer>{html.escape(self.footer)}</footer>"
        return render_page(self.title, body, lang=self.lang, subtitle=self.subtitle)

    def markdown_text(self, figure_dir: str | None = None) -> str:
        """Markdown; figures link to ``figure_dir/<name>.png`` when given (see :meth:`write`)."""
        text = to_markdown(
            self.blocks, title=self.title, subtitle=self.subtitle, figure_dir=figure_dir
        )
        return text + f"\n---\n\n{md_escape(self.footer)}\n"

    @property
    def markdown(self) -> str:
        """Markdown without image links (figures named by their captions)."""
        return self.markdown_text(None)

    def write(self, out_html: str | Path) -> tuple[Path, Path]:
        """Write ``out_html``, the ``.md`` next to it and the Markdown's figures.

        The figures go to ``<stem>_figures/`` beside the files (the HTML embeds its own).
        Each file is written atomically (:mod:`slasim.outputs`). Returns the HTML and Markdown
        paths.
        """
        from slasim.outputs import atomic_write_bytes, atomic_write_text

        html_path = Path(out_html)
        md_path = html_path.with_suffix(".md")
        figure_dir = html_path.parent / f"{html_path.stem}_figures"
        figure_dir.mkdir(exist_ok=True)
        for block in self.blocks:
            if isinstance(block, Figure):
                atomic_write_bytes(figure_dir / f"{block.name}.png", block.png)
        atomic_write_text(html_path, self.html)
        atomic_write_text(md_path, self.markdown_text(figure_dir.name))
        return html_path, md_path


def reproduce_command(
    scenario: Scenario, reps: int, seed: int, file: str = "FILE", *,
    options: Sequence[str] = (), staffing: bool = True,
) -> str:
    """The ``slasim report`` call that writes the same report: the scenario's ``--set`` items
    too (a report of ``--set horizon.days=7`` is not reproduced by the file alone), the
    ``--compare`` options (placeholders ``options``, e.g. ``FILE_2``) and ``--no-staffing``."""
    import shlex

    sets = "".join(f" --set {shlex.quote(item)}" for item in scenario.provenance.overrides)
    compared = f" --compare {' '.join(options)}" if options else ""
    skip = "" if staffing else " --no-staffing"
    return f"slasim report {file}{sets}{compared} --reps {reps} --seed {seed}{skip}"


def build_report(
    scenario: Scenario,
    *,
    options: Sequence[Scenario] = (),
    reps: int = 100,
    seed: Seed = 0,
    workers: int = 1,
    lang: str = "en",
    staffing: bool = True,
    executor: Executor | None = None,
) -> Report:
    """Simulate ``scenario`` (and ``options``) and write the agreement with its evidence.

    Parameters
    ----------
    scenario
        The scenario whose SLA terms are the agreement (e.g. an optimizer's proposal).
    options
        Alternatives compared with ``scenario`` on the same leads (common random numbers).
    reps, seed, workers
        Replications (simulated months) per option, root seed, worker processes.
    lang
        ``"en"`` or ``"sv"``.
    staffing
        Include the fewest sellers that make what staffing controls realistic, for the scenario's
        routing and hot-first routing (:func:`slasim.planning.staffing.staffing_answers`, ``reps``
        months per level: the same months as the verdict).
    executor
        Where every simulation of the report runs (:mod:`slasim.measure.executors`; left open);
        default: one pool of ``workers`` processes for the whole report.
    """
    seed = root_seed(seed)  # once: every simulation below runs on the same months
    if lang not in LANGS:
        raise ValueError(f"lang(={lang!r}) must be one of {', '.join(LANGS)}")
    from slasim.measure.executors import executor_for

    with executor_for(executor, workers) as pool:
        return _build(scenario, options, reps, seed, workers, lang, staffing, pool)


def _build(
    scenario: Scenario, options: Sequence[Scenario], reps: int, seed: int, workers: int,
    lang: str, staffing: bool, pool: Executor,
) -> Report:
    from slasim.measure.experiment import compare, simulate

    comparison = None
    if options:
        comparison = compare([scenario, *options], reps, seed, workers, keep_records=True,
                             executor=pool)
        result = comparison.results[0]
    else:
        result = simulate(scenario, reps, seed, workers, keep_records=True, executor=pool)
    # The response-time figure reads the first RECORD_REPS months of the main run (the same
    # months whatever ``reps``, so the figure does not change when only ``reps`` grows).
    assert result.records is not None
    records = replace(result, records=result.records[:RECORD_REPS])
    start, end = period_dates(scenario, lang)
    answers = []
    if staffing:
        from slasim.planning.staffing import staffing_answers

        answers = staffing_answers(scenario, reps=reps, seed=seed, workers=workers,
                                   executor=pool)
    # A replication is a month, or (several months judged one by one) a whole period.
    runs = runs_text(scenario, reps, lang)
    # Page 1 is the decision; then the agreement to sign; then the evidence behind both.
    blocks: list[Block] = decision_blocks(
        result, lang, comparison=comparison, staffing=answers
    )
    blocks += agreement_blocks(scenario, lang)
    blocks += [
        Heading(tr(lang, "h_evidence")),
        Paragraph(
            tr(lang, "method_text").format(
                runs=runs, seed=seed, rule=result.verdict.rule(lang),
                level=scenario.sla.confidence_level,
            )
        ),
    ]
    blocks += attainment_blocks(result, lang)
    blocks += month_blocks(result, lang)
    if comparison is not None:
        blocks += options_blocks(comparison, lang)
    blocks += kpi_blocks(result, lang)
    blocks += queue_blocks(result, lang)
    blocks += funnel_blocks(result, lang)
    blocks += response_blocks(records, lang)
    blocks += decay_blocks(scenario, lang)
    if answers:
        blocks += staffing_blocks(answers, scenario, lang)
    blocks += [
        Heading(tr(lang, "h_appendix")),
        Paragraph(
            _appendix_text(scenario, options, reps, seed, runs, lang, staffing),
            note=True,
        ),
    ]
    from slasim import __version__

    return Report(
        title=tr(lang, "title"),
        subtitle=tr(lang, "subtitle").format(
            scenario=scenario.name, start=start, end=end, runs=runs
        ),
        lang=lang,
        blocks=tuple(blocks),
        footer=tr(lang, "footer").format(version=__version__, scenario=scenario.name),
        scenario=scenario,
        verdict=result.verdict,
    )


def _appendix_text(
    scenario: Scenario, options: Sequence[Scenario], reps: int, seed: int, runs: str,
    lang: str, staffing: bool,
) -> str:
    """How to reproduce the report: the command, and which file each placeholder stands for."""
    file = tr(lang, "file_placeholder")
    holders = [f"{file}_{k}" for k in range(2, len(options) + 2)]
    command = reproduce_command(scenario, reps, seed, file, options=holders, staffing=staffing)
    text = tr(lang, "appendix_text").format(
        runs=runs, seed=seed, scenario=scenario.name, command=command
    )
    if options:
        named = ", ".join(tr(lang, "appendix_option").format(file=h, name=o.name)
                          for h, o in zip(holders, options, strict=True))
        text = text.removesuffix(".") + tr(lang, "appendix_options").format(options=named)
    return text
