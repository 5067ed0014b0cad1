"""One verdict for a month of a multi-month agreement: the agreement's own simulated months.

``slasim run`` judges a quarter month by month on the quarter's simulation (the month's
column of each term flag). track simulates each tracked month on its own
(:func:`~slasim.crm.track.periods.month_scenario`), which is not the same model: a month alone
gets its volume spread over its own days and its own volume multiplier, while inside the quarter
the volume is spread over the quarter (a month with holidays gets less) and one multiplier holds
for the whole quarter. Its P(met) differed from run's by more than noise (a January read 75 %
in track and 91 % in run). So a whole month of the agreement takes its term and side flags --
the verdict and every P(met) -- from the agreement's simulation, with the same seed and months
as ``run``; the bands of the other measures stay those of the month simulated alone, and a
month cut at the export time (partial) is judged as it stood then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slasim.measure.experiment import simulation_batch
from slasim.measure.metrics import MONTHLY_METRICS
from slasim.measure.months import Month, months_of, split_column
from slasim.measure.terms import SIDES, TERMS

if TYPE_CHECKING:
    import pandas as pd

    from slasim.measure.executors import Batch
    from slasim.scenario.schema import Scenario

__all__ = ["agreement_batch", "agreement_months", "with_agreement_flags"]

#: The flag columns a month takes from the agreement's simulation.
_FLAGS = tuple(f for f in MONTHLY_METRICS if f in {t.flag for t in TERMS} | {s.flag for s in SIDES})


def agreement_months(agreement: Scenario) -> dict[str, Month]:
    """The calendar months the agreement judges one by one and covers whole, by key
    (``"2027-01"``); empty for an agreement judged as one period."""
    h = agreement.horizon
    return {m.key: m for m in months_of(h.start, h.days, h.timezone)
            if m.days == m.days_in_month}


def agreement_batch(agreement: Scenario, reps: int, seed: int, labels: list[str]) -> Batch | None:
    """The batch of ``simulate(agreement, reps, seed)`` when a month of ``labels`` takes its
    flags from it (None otherwise)."""
    months = agreement_months(agreement)
    if not any(label in months for label in labels):
        return None
    return simulation_batch(agreement, reps, seed)


def with_agreement_flags(sim: pd.DataFrame, whole: pd.DataFrame, month: Month) -> pd.DataFrame:
    """``sim`` (a month's simulated metrics, columns ``(metric, tier)``) with every term and
    side flag replaced by ``month``'s column of the agreement's simulation ``whole``."""
    out = sim.copy()
    for column in whole.columns:
        flag, label = str(column[0]), str(column[1])
        tier, key = split_column(label)
        if flag in _FLAGS and key == month.key:
            out[(flag, tier)] = whole[(flag, label)].to_numpy()
    return out
