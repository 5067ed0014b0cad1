"""Statistical checks over many seeds, judged against their binomial expectation.

A 95 % interval misses its truth in 5 % of seeds: a test that checks one interval on one seed
either picks a seed that passes (and then cannot fail for a slightly-too-narrow interval) or
fails at random. :func:`assert_pass_rate` runs a check on many seeds instead and asserts that
the number of passes is what the check's nominal level predicts: under the null (the check is
right) passes ~ Binomial(n, nominal), and the test fails only when the count falls below that
distribution's ``alpha`` quantile (too many misses: intervals too narrow or biased) or, with
``upper=True``, above its ``1 - alpha`` quantile (no misses at all: intervals far too wide).
With the default ``alpha = 0.001`` a correct check fails about once in a thousand runs, whatever
the seeds; a wrong one (coverage 80 % for a nominal 95 %) fails as soon as n is a few dozen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from scipy import stats


@dataclass(frozen=True)
class PassRate:
    """Passes out of trials, and the binomial acceptance band they were judged against."""

    passes: int
    trials: int
    nominal: float
    low: int
    high: int

    @property
    def rate(self) -> float:
        return self.passes / self.trials if self.trials else float("nan")

    def __str__(self) -> str:
        mean = self.trials * self.nominal
        sd = (self.trials * self.nominal * (1 - self.nominal)) ** 0.5
        return (
            f"{self.passes}/{self.trials} passed ({self.rate:.1%}); nominal {self.nominal:.1%} "
            f"expects {mean:.1f} +- {sd:.1f}, accepted {self.low}..{self.high}"
        )


def binomial_band(trials: int, nominal: float, alpha: float = 0.001,
                  upper: bool = False) -> tuple[int, int]:
    """Pass counts a check of level ``nominal`` reaches with probability >= 1 - alpha (per side).

    ``low`` is the largest count with P(X < low) <= alpha for X ~ Binomial(trials, nominal);
    ``high`` the matching upper bound (``trials`` when only the lower side is checked).
    """
    dist = stats.binom(trials, nominal)
    low = int(dist.ppf(alpha))
    # ppf gives the smallest k with P(X <= k) >= alpha; then P(X < k) < alpha: k is accepted.
    high = int(dist.isf(alpha)) if upper else trials
    return low, high


def assert_pass_rate(
    check: Callable[[int], bool | Sequence[bool]],
    seeds: Iterable[int],
    nominal: float,
    *,
    alpha: float = 0.001,
    upper: bool = False,
) -> PassRate:
    """Run ``check(seed)`` for every seed and assert its pass count is consistent with
    ``nominal`` (see the module docstring). ``check`` returns one bool, or one per interval it
    checked on that seed (each counts as a trial: e.g. 19 parameters of one calibration).
    """
    passes = trials = 0
    for seed in seeds:
        outcome = check(seed)
        results = [outcome] if isinstance(outcome, bool) else list(outcome)
        passes += sum(bool(r) for r in results)
        trials += len(results)
    assert trials > 0, "no trials"
    low, high = binomial_band(trials, nominal, alpha, upper)
    rate = PassRate(passes, trials, nominal, low, high)
    assert low <= passes <= high, f"pass rate not consistent with its nominal level: {rate}"
    return rate
