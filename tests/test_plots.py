"""What the figures show a reader: labels, legends and marks a review found missing or wrong."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from slasim.measure.experiment import simulate
from slasim.model.decay import ExponentialDecay
from slasim.render.optimize_plots import speed_plot
from slasim.render.plots import decay_curves, money_axis, response_time_distribution
from slasim.render.quarter_plots import revenue_plot
from slasim.render.text import format_table
from slasim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent


def _labels(axis: matplotlib.axis.Axis) -> list[str]:
    axis.figure.canvas.draw()
    return [t.get_text() for t in axis.get_ticklabels() if t.get_text()]


@pytest.fixture(autouse=True)
def _close() -> object:
    yield
    plt.close("all")


@pytest.mark.parametrize(("top", "expected"), [
    (2_500_000, "2.0\u00a0M"), (250_000, "200\u00a0k"), (2_500, "2,000"),
])
def test_money_axis_says_k_or_m(top: float, expected: str) -> None:
    # matplotlib wrote "1e6" above a profit axis, which a slide reader misses.
    _fig, ax = plt.subplots()
    ax.bar([0, 1], [top / 2, top])
    money_axis(ax.yaxis)
    labels = _labels(ax.yaxis)
    assert expected in labels, labels
    assert ax.yaxis.get_offset_text().get_text() == ""


def test_decay_axis_has_readable_ticks_down_the_curve() -> None:
    # The log axis showed only 10^0 and 10^-1 under a curve falling to 0.017.
    _fig, ax = plt.subplots()
    decay_curves([("contact", ExponentialDecay(half_life_minutes=60, floor=0.01))],
                 max_minutes=1440, ax=ax)
    labels = _labels(ax.yaxis)
    assert {"1", "0.5", "0.2", "0.1", "0.05", "0.02"} <= set(labels), labels


def test_revenue_plot_has_a_key_to_its_marks() -> None:
    result = simulate(load_scenario(ROOT / "scenarios" / "quarter.toml"), reps=3, seed=0)
    ax = revenue_plot(result)
    legend = ax.get_legend()
    assert legend is not None
    assert sorted(t.get_text() for t in legend.get_texts()) == [
        "8 horizons in 10 (p10-p90)", "mean", "median"]


def test_speed_plot_marks_a_target_no_staffing_reached() -> None:
    value = pd.DataFrame({
        "target_minutes": [5.0, 15.0, 30.0], "sellers": ["not reached", 4, 3],
        "cost": [math.nan, 1.1e6, 1.0e6], "revenue": [math.nan, 3.8e6, 3.7e6],
        "profit": [math.nan, 1.9e6, 1.8e6],
    })
    ax = speed_plot(value)
    texts = [t.get_text() for t in ax.texts]
    assert "not reached" in texts
    assert texts.count("4 sellers") == 1
    assert _labels(ax.xaxis) == ["5", "15", "30"]  # no "6x10^0" between the targets
    assert [t.get_text() for t in ax.xaxis.get_minorticklabels() if t.get_text()] == []


def test_response_curves_keep_the_first_tier_underneath() -> None:
    # Hot and warm leads are often called equally fast: hot's wide line on top hid warm's.
    result = simulate(load_scenario(ROOT / "scenarios" / "baseline.toml"), reps=2, seed=0,
                      keep_records=True)
    ax = response_time_distribution(result)
    lines = {line.get_label(): line for line in ax.get_lines()
             if line.get_label() in ("hot", "warm", "cold")}
    assert lines["hot"].get_zorder() < lines["warm"].get_zorder() < lines["cold"].get_zorder()
    assert lines["hot"].get_linewidth() > lines["warm"].get_linewidth()


def test_format_table_shows_a_missing_value_as_a_dash() -> None:
    frame = pd.DataFrame({"p_met": [np.nan, 0.98], "cost": [np.nan, 1234.0]}, index=[5, 15])
    text = format_table(frame, {"p_met": "{:.0%}", "cost": "{:,.0f}"})
    assert "nan" not in text and "–" in text and "98%" in text and "1,234" in text


@pytest.mark.parametrize(("low", "high"), [(1.0e6, 1.2e6), (10_000, 12_000), (1.8e6, 1.95e6)])
def test_money_axis_labels_are_distinct_on_a_narrow_range(low: float, high: float) -> None:
    # A sweep of costs from 1.0 to 1.2 M read "1.0 M, 1.1 M x6, 1.2 M x2".
    _fig, ax = plt.subplots()
    ax.plot([0, 1], [low, high])
    money_axis(ax.yaxis)
    labels = _labels(ax.yaxis)
    assert len(labels) == len(set(labels)) > 2, labels


@pytest.mark.parametrize(("level", "grey"), [
    ("side", {"both sides"}), ("joint", {"marketing", "sales"}),
    ("term", {"marketing", "sales", "both sides"}),
])
def test_month_plot_greys_the_sides_the_level_does_not_judge(level: str, grey: set[str]) -> None:
    # A realistic quarter at level side showed "both sides" at 70 % under the 80 % line.
    from slasim.render.quarter_plots import month_p_met_plot

    quarter = load_scenario(ROOT / "scenarios" / "quarter.toml",
                            [f"sla.confidence_level={level}"])
    ax = month_p_met_plot(simulate(quarter, reps=3, seed=0).verdict)
    greyed = {line.get_label().removesuffix(" (not judged)") for line in ax.get_lines()
              if line.get_label().endswith("(not judged)")}
    assert greyed == grey


def test_bars_at_zero_are_still_seen() -> None:
    # The baseline's hot response term is met in no simulated month: its bar has no height,
    # and the comparison's joint P(met) of 0 drew whiskers only. Both must show something.
    from slasim.render.plots import option_bars, p_met_bars

    result = simulate(load_scenario(ROOT / "scenarios" / "baseline.toml"), 6, 1)
    assert result.replications[("response_met", "hot")].mean() == 0.0
    fig, ax = plt.subplots()
    p_met_bars(result, ax=ax)
    assert "0%" in [t.get_text() for t in ax.texts]
    plt.close(fig)
    fig, ax = plt.subplots()
    option_bars(["base", "option"], [0.0, 0.4], [0.0, 0.3], [0.05, 0.5], ax=ax)
    (dots,) = [line for line in ax.lines if line.get_marker() == "o"]
    assert list(dots.get_xdata()) == [0.0, 0.4]
    plt.close(fig)
