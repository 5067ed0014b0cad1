"""Patience laws: how long a lead waits for its first attempt before it leaves the queue.

:func:`patience_law` compiles a scenario's :class:`~slasim.scenario.schema.Patience` into one of
four
small frozen laws, each with ``draw(rng, n)`` (patience in minutes, ``inf`` = never abandons),
``cdf(t)`` and ``quantile(p)``.

Every law is the transform of **one standard exponential per lead** (``rng.standard_exponential
(n)``, the engine's ``patience`` stream): ``E`` maps to the uniform ``U = 1 - exp(-E)`` and the
patience is the law's quantile of ``U``. So

- the exponential law draws exactly ``mean * standard_exponential(n)`` (the records of every
  scenario with ``routing.patience_minutes`` are those of the engine before the other laws);
- a lead's patience keeps its rank whatever the law: two scenarios that differ only in the
  patience law give the most patient lead of one the most patient patience of the other
  (common random numbers across laws, as across staffings);
- the tails are computed from ``E`` itself, not from ``U`` rounded near 1.

The lognormal and the Weibull are given by their mean and coefficient of variation (cv). The
lognormal has ``sigma^2 = ln(1 + cv^2)`` and median ``mean / sqrt(1 + cv^2)``. The Weibull's
shape ``k`` solves ``Gamma(1 + 2/k) / Gamma(1 + 1/k)^2 = 1 + cv^2`` (no closed form: bisection
on ``ln k``, the left side decreasing in ``k``; ``k = 1`` is the exponential, ``k < 1`` when
``cv > 1``), its scale is ``mean / Gamma(1 + 1/k)``. The empirical law interpolates its table
linearly, from share 0 at age 0; leads above the last share never abandon.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from slasim.scenario.schema import Patience

__all__ = [
    "EmpiricalPatience",
    "ExponentialPatience",
    "LognormalPatience",
    "PatienceLaw",
    "WeibullPatience",
    "patience_law",
    "weibull_shape",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ExponentialPatience:
    """Exponential patience with ``mean`` minutes (Erlang A's abandonment, rate ``1 / mean``)."""

    mean: float

    def from_exponential(self, e: FloatArray) -> FloatArray:
        """Patience of leads whose standard exponentials are ``e``."""
        out: FloatArray = self.mean * e  # exactly the engine's draw before the other laws
        return out

    def draw(self, rng: np.random.Generator, n: int) -> FloatArray:
        """``n`` patiences in minutes from ``rng``'s standard exponentials."""
        return self.from_exponential(rng.standard_exponential(n))

    def cdf(self, t: FloatArray) -> FloatArray:
        """``P(patience <= t)``."""
        out: FloatArray = -np.expm1(-np.asarray(t, dtype=np.float64) / self.mean)
        return out

    def quantile(self, p: float) -> float:
        """The patience ``t`` with ``P(patience <= t) = p``."""
        return -self.mean * math.log1p(-p)

    @property
    def erlang_a_theta(self) -> float | None:
        """Abandonment rate per minute for Erlang A; None when the law is not exponential."""
        return 1.0 / self.mean

    def describe(self) -> str:
        """One line for reports."""
        return f"exponential, mean {self.mean:g} min (Erlang A: theta = {1 / self.mean:.3g}/min)"


@dataclass(frozen=True)
class LognormalPatience:
    """Lognormal patience with ``mean`` minutes and coefficient of variation ``cv``."""

    mean: float
    cv: float
    sigma: float = field(init=False)
    mu: float = field(init=False)  # ln of the median

    def __post_init__(self) -> None:
        s2 = math.log1p(self.cv**2)
        object.__setattr__(self, "sigma", math.sqrt(s2))
        object.__setattr__(self, "mu", math.log(self.mean) - s2 / 2)

    def from_exponential(self, e: FloatArray) -> FloatArray:
        """Patience of leads whose standard exponentials are ``e``."""
        from scipy.special import ndtri

        # z = Phi^-1(1 - exp(-e)) = -Phi^-1(exp(-e)): exact in the upper tail too.
        z = -ndtri(np.exp(-e))
        out: FloatArray = np.exp(self.mu + self.sigma * z)
        return out

    def draw(self, rng: np.random.Generator, n: int) -> FloatArray:
        """``n`` patiences in minutes from ``rng``'s standard exponentials."""
        return self.from_exponential(rng.standard_exponential(n))

    def cdf(self, t: FloatArray) -> FloatArray:
        """``P(patience <= t)``."""
        from scipy.special import ndtr

        t = np.asarray(t, dtype=np.float64)
        with np.errstate(divide="ignore"):
            out: FloatArray = ndtr((np.log(t) - self.mu) / self.sigma)
        return out

    def quantile(self, p: float) -> float:
        """The patience ``t`` with ``P(patience <= t) = p``."""
        from scipy.special import ndtri

        return math.exp(self.mu + self.sigma * float(ndtri(p)))

    @property
    def erlang_a_theta(self) -> float | None:
        """None: Erlang A assumes exponential patience."""
        return None

    def describe(self) -> str:
        """One line for reports."""
        return (
            f"lognormal, mean {self.mean:g} min, cv {self.cv:g}, median {math.exp(self.mu):.3g} "
            "min"
        )


def weibull_shape(cv: float) -> float:
    """Weibull shape ``k`` whose coefficient of variation is ``cv`` (0.01 to 20).

    Solves ``lgamma(1 + 2/k) - 2 lgamma(1 + 1/k) = ln(1 + cv^2)`` by bisection on ``ln k`` (the
    left side decreases in ``k``) down to adjacent floats.
    """
    if not 0.01 <= cv <= 20:
        raise ValueError(f"cv(={cv!r}) must be in [0.01, 20]")
    target = math.log1p(cv * cv)

    def excess(log_k: float) -> float:
        k = math.exp(log_k)
        return math.lgamma(1 + 2 / k) - 2 * math.lgamma(1 + 1 / k) - target

    # cv = 20 has k ~ 0.19 and cv = 0.01 has k ~ 127: [0.05, 1000] brackets the whole range.
    lo, hi = math.log(0.05), math.log(1000.0)
    for _ in range(200):
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            break
        if excess(mid) > 0:
            lo = mid
        else:
            hi = mid
    return math.exp((lo + hi) / 2)


@dataclass(frozen=True)
class WeibullPatience:
    """Weibull patience with ``mean`` minutes and coefficient of variation ``cv``."""

    mean: float
    cv: float
    shape: float = field(init=False)
    scale: float = field(init=False)

    def __post_init__(self) -> None:
        k = weibull_shape(self.cv)
        object.__setattr__(self, "shape", k)
        object.__setattr__(self, "scale", self.mean / math.gamma(1 + 1 / k))

    def from_exponential(self, e: FloatArray) -> FloatArray:
        """Patience of leads whose standard exponentials are ``e``."""
        # P(scale E^(1/k) <= t) = P(E <= (t/scale)^k) = 1 - exp(-(t/scale)^k): the Weibull.
        out: FloatArray = self.scale * e ** (1.0 / self.shape)
        return out

    def draw(self, rng: np.random.Generator, n: int) -> FloatArray:
        """``n`` patiences in minutes from ``rng``'s standard exponentials."""
        return self.from_exponential(rng.standard_exponential(n))

    def cdf(self, t: FloatArray) -> FloatArray:
        """``P(patience <= t)``."""
        t = np.asarray(t, dtype=np.float64)
        out: FloatArray = -np.expm1(-((t / self.scale) ** self.shape))
        return out

    def quantile(self, p: float) -> float:
        """The patience ``t`` with ``P(patience <= t) = p``."""
        return self.scale * (-math.log1p(-p)) ** (1.0 / self.shape)

    @property
    def erlang_a_theta(self) -> float | None:
        """None: Erlang A assumes exponential patience."""
        return None

    def describe(self) -> str:
        """One line for reports."""
        return (
            f"weibull, mean {self.mean:g} min, cv {self.cv:g} (shape {self.shape:.3g}), median "
            f"{self.quantile(0.5):.3g} min"
        )


@dataclass(frozen=True)
class EmpiricalPatience:
    """Patience from a table: ``shares[j]`` of the leads have patience at most ``minutes[j]``.

    Linear between the points and from ``(0, 0)``; a share ``1 - shares[-1]`` never abandons.
    """

    minutes: tuple[float, ...]
    shares: tuple[float, ...]

    def _points(self) -> tuple[FloatArray, FloatArray]:
        return np.array((0.0, *self.minutes)), np.array((0.0, *self.shares))

    def from_exponential(self, e: FloatArray) -> FloatArray:
        """Patience of leads whose standard exponentials are ``e`` (``inf``: never abandons)."""
        ages, shares = self._points()
        u = -np.expm1(-e)  # uniform on [0, 1)
        # shares[k - 1] <= u < shares[k]: k >= 1 as shares[0] = 0 <= u; k = len: beyond the table.
        k = np.searchsorted(shares, u, side="right")
        inside = k < len(shares)
        kk = np.minimum(k, len(shares) - 1)
        lo_t, hi_t, lo_s, hi_s = ages[kk - 1], ages[kk], shares[kk - 1], shares[kk]
        with np.errstate(invalid="ignore", divide="ignore"):
            t = lo_t + (u - lo_s) / (hi_s - lo_s) * (hi_t - lo_t)
        out: FloatArray = np.where(inside, t, np.inf)
        return out

    def draw(self, rng: np.random.Generator, n: int) -> FloatArray:
        """``n`` patiences in minutes from ``rng``'s standard exponentials."""
        return self.from_exponential(rng.standard_exponential(n))

    def cdf(self, t: FloatArray) -> FloatArray:
        """``P(patience <= t)``: the table, linear in between, flat after the last age."""
        ages, shares = self._points()
        out: FloatArray = np.interp(np.asarray(t, dtype=np.float64), ages, shares)
        return out

    def quantile(self, p: float) -> float:
        """The patience ``t`` with ``P(patience <= t) = p``; ``inf`` above the last share."""
        return float(self.from_exponential(np.array([-math.log1p(-p)]))[0])

    @property
    def erlang_a_theta(self) -> float | None:
        """None: Erlang A assumes exponential patience."""
        return None

    def describe(self) -> str:
        """One line for reports."""
        return (
            f"empirical table, {self.shares[-1]:.0%} abandon within {self.minutes[-1]:g} min, "
            "the rest never"
        )


PatienceLaw = ExponentialPatience | LognormalPatience | WeibullPatience | EmpiricalPatience


def patience_law(spec: Patience | None) -> PatienceLaw | None:
    """The law of a validated :class:`~slasim.scenario.schema.Patience`; None for infinite
    patience."""
    if spec is None:
        return None
    if spec.dist == "exponential":
        assert spec.mean_minutes is not None
        return ExponentialPatience(spec.mean_minutes)
    if spec.dist in ("lognormal", "weibull"):
        assert spec.mean_minutes is not None and spec.cv is not None
        cls = LognormalPatience if spec.dist == "lognormal" else WeibullPatience
        return cls(spec.mean_minutes, spec.cv)
    assert spec.minutes is not None and spec.abandoned_share is not None
    return EmpiricalPatience(tuple(spec.minutes), tuple(spec.abandoned_share))
