"""Contact and qualify decay curves.

A decay curve is a multiplier ``f(age)`` in ``[0, 1]`` applied to a tier's base probability
(``base_contact`` or ``base_qualify``); ``age`` is the lead's age in wall-clock minutes at the
attempt.  Every curve has ``f(0) = 1`` and is non-increasing.

Curves are vectorized: a Python (or numpy) scalar in gives a ``float`` out, anything array-like
gives an ``ndarray`` of the same shape.  The scalar path avoids numpy because the simulation
engine calls curves once per attempt.

A curve from a plain spec (a scenario file's table) is
:func:`slasim.model.decay_spec.curve_from_spec`; the named presets that encode published
response-time studies are in :mod:`slasim.model.decay_presets`.
"""

from __future__ import annotations

import abc
import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal, overload

import numpy as np
import numpy.typing as npt

__all__ = [
    "DecayCurve",
    "ExponentialDecay",
    "FlatDecay",
    "PowerLawDecay",
    "TableDecay",
]

FloatArray = npt.NDArray[np.float64]

_DEFAULT_PROVENANCE = "user-defined"


def _check_scalar_age(age: float) -> float:
    # `not age >= 0` also rejects NaN, which would otherwise propagate silently.
    if not age >= 0:
        raise ValueError(f"age_minutes(={age}) must be >= 0.")
    return float(age)


def _check_array_age(ages: FloatArray) -> None:
    bad = ~(ages >= 0)
    if bad.any():
        pos = np.unravel_index(int(np.argmax(bad)), ages.shape)
        where = ", ".join(str(int(i)) for i in pos)
        raise ValueError(f"age_minutes[{where}](={ages[pos]}) must be >= 0.")


@dataclass(frozen=True)
class DecayCurve(abc.ABC):
    """Base class: a non-increasing multiplier ``f(age)`` with ``f(0) = 1``.

    Attributes
    ----------
    kind : str
        Spec tag: ``"flat"``, ``"exponential"``, ``"power_law"`` or ``"table"``.
    provenance : str
        Where the numbers come from (free text); keyword-only, default ``"user-defined"``.
    """

    kind: ClassVar[str]
    provenance: str = field(default=_DEFAULT_PROVENANCE, kw_only=True)

    @overload
    def __call__(self, age_minutes: float) -> float: ...
    @overload
    def __call__(self, age_minutes: npt.ArrayLike) -> FloatArray | float: ...

    def __call__(self, age_minutes: npt.ArrayLike) -> FloatArray | float:
        """Factor in ``[0, 1]`` at ``age_minutes`` (>= 0); float for a scalar, else an array."""
        # `type(...) is float` first: the engine's per-attempt call takes this branch cheaply.
        if type(age_minutes) is float or isinstance(age_minutes, float | int):
            return self._scalar(_check_scalar_age(age_minutes))
        ages = np.asarray(age_minutes, dtype=np.float64)
        if ages.ndim == 0:
            return self._scalar(_check_scalar_age(float(ages)))
        _check_array_age(ages)
        return self._vector(ages)

    @overload
    def decay_rate(self, age_minutes: float) -> float: ...
    @overload
    def decay_rate(self, age_minutes: npt.ArrayLike) -> FloatArray | float: ...

    def decay_rate(self, age_minutes: npt.ArrayLike) -> FloatArray | float:
        """Hazard ``-d/dt ln f(age)`` per minute (>= 0), used by ``value_index`` routing.

        At kinks (table anchors, a power-law floor) this is the right derivative: the rate at
        which the lead is decaying from now on.  Where ``f`` is 0 it is 0.
        """
        if type(age_minutes) is float or isinstance(age_minutes, float | int):
            return self._rate_scalar(_check_scalar_age(age_minutes))
        ages = np.asarray(age_minutes, dtype=np.float64)
        if ages.ndim == 0:
            return self._rate_scalar(_check_scalar_age(float(ages)))
        _check_array_age(ages)
        return self._rate_vector(ages)

    def to_spec(self) -> dict[str, object]:
        """Plain dict: ``"kind"``, parameters, ``"provenance"``; the inverse is
        :func:`slasim.model.decay_spec.curve_from_spec`."""
        return {"kind": self.kind, **self._params(), "provenance": self.provenance}

    @abc.abstractmethod
    def _params(self) -> dict[str, object]: ...

    @abc.abstractmethod
    def _scalar(self, age: float) -> float: ...

    @abc.abstractmethod
    def _vector(self, ages: FloatArray) -> FloatArray: ...

    @abc.abstractmethod
    def _rate_scalar(self, age: float) -> float: ...

    @abc.abstractmethod
    def _rate_vector(self, ages: FloatArray) -> FloatArray: ...


def _check_floor(floor: float) -> None:
    if not 0.0 <= floor < 1.0:
        raise ValueError(f"floor(={floor}) must be in [0, 1).")


def _check_positive(name: str, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name}(={value}) must be finite and > 0.")


@dataclass(frozen=True)
class FlatDecay(DecayCurve):
    """No decay: ``f(age) = 1``."""

    kind: ClassVar[str] = "flat"

    def _params(self) -> dict[str, object]:
        return {}

    def _scalar(self, age: float) -> float:
        return 1.0

    def _vector(self, ages: FloatArray) -> FloatArray:
        return np.ones_like(ages)

    def _rate_scalar(self, age: float) -> float:
        return 0.0

    def _rate_vector(self, ages: FloatArray) -> FloatArray:
        return np.zeros_like(ages)


@dataclass(frozen=True)
class ExponentialDecay(DecayCurve):
    """``f(a) = floor + (1 - floor) * 2**(-a / half_life_minutes)``.

    Parameters
    ----------
    half_life_minutes : float
        Age at which the decaying part has halved (> 0).
    floor : float, default 0
        Long-run factor in ``[0, 1)``.
    """

    kind: ClassVar[str] = "exponential"
    half_life_minutes: float
    floor: float = 0.0

    _theta: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_positive("half_life_minutes", self.half_life_minutes)
        _check_floor(self.floor)
        object.__setattr__(self, "_theta", math.log(2.0) / self.half_life_minutes)

    @property
    def theta(self) -> float:
        """Decay rate ``ln 2 / half_life_minutes`` per minute."""
        return self._theta

    def _params(self) -> dict[str, object]:
        return {"half_life_minutes": float(self.half_life_minutes), "floor": float(self.floor)}

    # Written as e + floor*(1-e) so that f(0) is exactly 1 and f(inf) exactly floor.
    def _scalar(self, age: float) -> float:
        e = math.exp(-self._theta * age)
        return e + self.floor * (1.0 - e)

    def _vector(self, ages: FloatArray) -> FloatArray:
        e = np.exp(-self._theta * ages)
        out: FloatArray = e + self.floor * (1.0 - e)
        return out

    def _rate_scalar(self, age: float) -> float:
        theta = self._theta
        if self.floor == 0.0:
            # Exact, and avoids 0/0 once exp underflows at large ages.
            return theta
        g = (1.0 - self.floor) * math.exp(-theta * age)
        return theta * g / (self.floor + g)

    def _rate_vector(self, ages: FloatArray) -> FloatArray:
        theta = self._theta
        if self.floor == 0.0:
            return np.full_like(ages, theta)
        g = (1.0 - self.floor) * np.exp(-theta * ages)
        out: FloatArray = theta * g / (self.floor + g)
        return out


@dataclass(frozen=True)
class PowerLawDecay(DecayCurve):
    """``f(a) = max(floor, (1 + a / scale_minutes) ** -exponent)``: heavy-tailed decay.

    Parameters
    ----------
    scale_minutes : float
        Age scale of the initial drop (> 0).
    exponent : float
        Tail exponent (> 0).
    floor : float, default 0
        Lower bound in ``[0, 1)``.
    """

    kind: ClassVar[str] = "power_law"
    scale_minutes: float
    exponent: float
    floor: float = 0.0

    def __post_init__(self) -> None:
        _check_positive("scale_minutes", self.scale_minutes)
        _check_positive("exponent", self.exponent)
        _check_floor(self.floor)

    def _params(self) -> dict[str, object]:
        return {
            "scale_minutes": float(self.scale_minutes),
            "exponent": float(self.exponent),
            "floor": float(self.floor),
        }

    def _scalar(self, age: float) -> float:
        return max(self.floor, (1.0 + age / self.scale_minutes) ** -self.exponent)

    def _vector(self, ages: FloatArray) -> FloatArray:
        return np.maximum(self.floor, (1.0 + ages / self.scale_minutes) ** -self.exponent)

    def _rate_scalar(self, age: float) -> float:
        if (1.0 + age / self.scale_minutes) ** -self.exponent > self.floor:
            return self.exponent / (self.scale_minutes + age)
        return 0.0  # held at the floor from here on

    def _rate_vector(self, ages: FloatArray) -> FloatArray:
        above = (1.0 + ages / self.scale_minutes) ** -self.exponent > self.floor
        return np.where(above, self.exponent / (self.scale_minutes + ages), 0.0)


@dataclass(frozen=True)
class TableDecay(DecayCurve):
    """Piecewise curve through ``(ages_minutes[i], factors[i])``, constant beyond the last point.

    Parameters
    ----------
    ages_minutes : sequence of float
        Anchor ages, strictly increasing, starting at 0, finite.
    factors : sequence of float
        Factors at the anchors: ``factors[0] == 1``, non-increasing, in ``(0, 1]`` for
        ``"log"`` and ``[0, 1]`` for ``"linear"``.
    interpolation : {"log", "linear"}, default "log"
        ``"log"`` is linear in ``ln f`` (exponential between anchors, a constant decay rate on
        each segment); ``"linear"`` is linear in ``f``.
    """

    kind: ClassVar[str] = "table"
    ages_minutes: Sequence[float]
    factors: Sequence[float]
    interpolation: Literal["log", "linear"] = "log"
    # Per-segment precomputation (segment i spans anchors i..i+1; the last is flat).
    _slopes: tuple[float, ...] = field(init=False, repr=False, compare=False)
    _ages_arr: FloatArray = field(init=False, repr=False, compare=False)
    _factors_arr: FloatArray = field(init=False, repr=False, compare=False)
    _next_arr: FloatArray = field(init=False, repr=False, compare=False)
    _slopes_arr: FloatArray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ages = tuple(float(a) for a in self.ages_minutes)
        facs = tuple(float(f) for f in self.factors)
        _validate_table(ages, facs, self.interpolation)
        n = len(ages)
        slopes: list[float] = []
        for i in range(n - 1):
            span = ages[i + 1] - ages[i]
            if self.interpolation == "log":
                slopes.append(math.log(facs[i + 1] / facs[i]) / span)
            else:
                slopes.append((facs[i + 1] - facs[i]) / span)
        slopes.append(0.0)
        # Stored as tuples so the (frozen) curve stays hashable and comparable.
        object.__setattr__(self, "ages_minutes", ages)
        object.__setattr__(self, "factors", facs)
        object.__setattr__(self, "_slopes", tuple(slopes))
        object.__setattr__(self, "_ages_arr", np.array(ages))
        object.__setattr__(self, "_factors_arr", np.array(facs))
        object.__setattr__(self, "_next_arr", np.array(facs[1:] + facs[-1:]))
        object.__setattr__(self, "_slopes_arr", np.array(slopes))

    def _params(self) -> dict[str, object]:
        return {
            "ages_minutes": list(self.ages_minutes),
            "factors": list(self.factors),
            "interpolation": self.interpolation,
        }

    def _scalar(self, age: float) -> float:
        ages, facs = self.ages_minutes, self.factors
        i = bisect_right(ages, age) - 1
        if i == len(ages) - 1:
            return facs[i]
        dt = age - ages[i]
        # Clamping at the next anchor keeps f non-increasing across anchors despite rounding.
        if self.interpolation == "log":
            return max(facs[i + 1], facs[i] * math.exp(self._slopes[i] * dt))
        return max(facs[i + 1], facs[i] + self._slopes[i] * dt)

    def _segments(self, ages: FloatArray) -> tuple[FloatArray, npt.NDArray[np.intp]]:
        anchors = self._ages_arr
        # Clamp first so that inf ages give dt = 0 (not inf * 0) on the flat last segment.
        clamped = np.minimum(ages, anchors[-1])
        idx = np.searchsorted(anchors, clamped, side="right") - 1
        return clamped - anchors[idx], idx

    def _vector(self, ages: FloatArray) -> FloatArray:
        dt, idx = self._segments(ages)
        start, slope = self._factors_arr[idx], self._slopes_arr[idx]
        if self.interpolation == "log":
            raw = start * np.exp(slope * dt)
        else:
            raw = start + slope * dt
        return np.maximum(self._next_arr[idx], raw)

    def _rate_scalar(self, age: float) -> float:
        i = bisect_right(self.ages_minutes, age) - 1
        if self.interpolation == "log":
            return 0.0 - self._slopes[i]  # 0.0 - x turns -0.0 into +0.0
        f = self._scalar(age)
        return 0.0 - self._slopes[i] / f if f > 0.0 else 0.0

    def _rate_vector(self, ages: FloatArray) -> FloatArray:
        _, idx = self._segments(ages)
        slope = self._slopes_arr[idx]
        if self.interpolation == "log":
            return 0.0 - slope
        f = self._vector(ages)
        safe = np.where(f > 0.0, f, 1.0)
        return np.where(f > 0.0, 0.0 - slope / safe, 0.0)


def _validate_table(ages: tuple[float, ...], facs: tuple[float, ...], interpolation: str) -> None:
    if interpolation not in ("log", "linear"):
        raise ValueError(f"interpolation(={interpolation!r}) must be 'log' or 'linear'.")
    if len(ages) != len(facs):
        raise ValueError(
            f"ages_minutes has {len(ages)} points but factors has {len(facs)}; "
            "they must have the same length."
        )
    if not ages:
        raise ValueError("ages_minutes(=[]) must hold at least one point (age 0, factor 1).")
    if ages[0] != 0.0:
        raise ValueError(f"ages_minutes[0](={ages[0]}) must be 0 (the curve starts at age 0).")
    for i in range(1, len(ages)):
        if not math.isfinite(ages[i]):
            raise ValueError(f"ages_minutes[{i}](={ages[i]}) must be finite.")
        if not ages[i] > ages[i - 1]:
            raise ValueError(
                f"ages_minutes[{i}](={ages[i]}) must be > ages_minutes[{i - 1}](={ages[i - 1]}) "
                "(ages must be strictly increasing)."
            )
    if facs[0] != 1.0:
        raise ValueError(f"factors[0](={facs[0]}) must be 1 (f(0) = 1).")
    log = interpolation == "log"
    for i, f in enumerate(facs):
        # ln 0 is undefined, so log interpolation needs strictly positive factors.
        in_range = (0.0 < f <= 1.0) if log else (0.0 <= f <= 1.0)
        if not in_range:
            low_txt = "(0, 1]" if log else "[0, 1]"
            hint = " (use interpolation='linear' to reach 0)" if f == 0.0 else ""
            raise ValueError(
                f"factors[{i}](={f}) must be in {low_txt} for interpolation={interpolation!r}"
                f"{hint}."
            )
        if i and f > facs[i - 1]:
            raise ValueError(
                f"factors[{i}](={f}) must be <= factors[{i - 1}](={facs[i - 1]}) "
                "(curve must be non-increasing)."
            )
