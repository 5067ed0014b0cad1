"""Synthetic call-level exports with a known truth, for the queue calibration tests.

No simulator: the waits a caller would have are drawn independently of the patience (as in
a queue, where the wait depends on the load, not on the caller), so the truth of every
estimate is a parameter here. Times are written rounded to the second, with a UTC offset.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

__all__ = ["Truth", "synthetic_calls"]


@dataclass(frozen=True)
class Truth:
    """The parameters the synthetic export is drawn from."""

    days: int = 28
    per_day: float = 400.0  # calls per weekday (all tiers)
    weekend: float = 0.3  # a Saturday or Sunday has this share of a weekday's calls
    hot_share: float = 0.3
    patience_mean: float = 2.0  # lognormal
    patience_cv: float = 1.3
    wait_positive: float = 0.6  # P(a caller would wait at all)
    wait_mean: float = 1.5  # mean wait of those who wait (exponential)
    talk_mean: float = 5.0  # gamma
    talk_cv: float = 0.6
    wrap_mean: float = 1.5  # lognormal
    wrap_cv: float = 0.8
    start: str = "2026-03-02"  # a Monday
    timezone: str = "Europe/Stockholm"

    @property
    def patience_median(self) -> float:
        return self.patience_mean / math.sqrt(1 + self.patience_cv**2)

    @property
    def monthly_volume(self) -> float:
        """Calls per average month, all tiers."""
        return self.per_day * (5 + 2 * self.weekend) / 7 * 365.25 / 12

    def hour_weights(self) -> np.ndarray:
        """Calls by local hour: 08-18 only, a morning peak."""
        w = np.zeros(24)
        w[8:18] = [1, 2, 3, 3, 2, 2, 2, 1.5, 1, 0.5]
        return w / w.sum()


def _lognormal(rng: np.random.Generator, mean: float, cv: float, n: int) -> np.ndarray:
    s2 = math.log(1 + cv**2)
    return rng.lognormal(math.log(mean) - s2 / 2, math.sqrt(s2), n)


def synthetic_calls(truth: Truth, seed: int, agents: int = 0) -> pd.DataFrame:
    """A call-level export drawn from ``truth`` (one row per call, ISO times with offsets).

    Weekends have ``truth.weekend`` of a weekday's calls. With ``agents`` > 0 every answered
    call gets an agent id (``a0``, ``a1``, ...) chosen at random among the agents; the roster
    test builds its own.
    """
    rng = np.random.default_rng(seed)
    tz = ZoneInfo(truth.timezone)
    start = datetime.fromisoformat(truth.start).replace(tzinfo=tz)
    hours = truth.hour_weights()
    created: list[datetime] = []
    for day in range(truth.days):
        date = start + timedelta(days=day)
        n = rng.poisson(truth.per_day * (truth.weekend if date.weekday() >= 5 else 1.0))
        hour = rng.choice(24, size=n, p=hours)
        seconds = rng.uniform(0, 3600, n)
        created += [date.replace(hour=int(h)) + timedelta(seconds=float(s))
                    for h, s in zip(hour, seconds, strict=True)]
    created.sort()
    n = len(created)
    wait = rng.exponential(truth.wait_mean, n) * (rng.random(n) < truth.wait_positive)
    patience = _lognormal(rng, truth.patience_mean, truth.patience_cv, n)
    abandoned = patience < wait
    k = 1 / truth.talk_cv**2
    talk = rng.gamma(k, truth.talk_mean / k, n)
    wrap = _lognormal(rng, truth.wrap_mean, truth.wrap_cv, n)
    tier = np.where(rng.random(n) < truth.hot_share, "hot", "warm")

    def iso(t: datetime) -> str:
        return t.replace(microsecond=0).isoformat() if t.microsecond < 500_000 else (
            t + timedelta(seconds=1)).replace(microsecond=0).isoformat()

    rows = []
    for i, c in enumerate(created):
        if abandoned[i]:
            rows.append((f"c{i}", tier[i], iso(c), "", iso(c + timedelta(minutes=patience[i])),
                         "", "yes", ""))
            continue
        answered = c + timedelta(minutes=wait[i])
        ended = answered + timedelta(minutes=talk[i])
        agent = f"a{rng.integers(agents)}" if agents else ""
        rows.append((f"c{i}", tier[i], iso(c), iso(answered), iso(ended),
                     iso(ended + timedelta(minutes=wrap[i])), "no", agent))
    return pd.DataFrame(rows, columns=["call_id", "tier", "created", "answered", "ended",
                                       "wrapup_ended", "abandoned", "agent"])
