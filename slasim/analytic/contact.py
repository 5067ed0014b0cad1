"""Probability that the first attempt reaches the lead, given the Erlang C wait.

A lead that waits ``W`` minutes before its first attempt is reached with probability
``p0 * f(W)``, ``f`` the contact decay curve (``f(0)`` is usually 1). With Poisson leads,
``n`` sellers, exponential handling and FIFO, ``W`` is 0 with probability ``1 - C`` and
otherwise ``Exp(n mu - lam)`` (``C`` the Erlang C delay probability), so

``P(contact) = p0 [(1 - C) f(0) + C * integral_0^inf f(t) r e^{-r t} dt],  r = n mu - lam``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from slasim.analytic.erlang import _check_float, _check_int, erlang_c

__all__ = ["DecayCurve", "contact_probability", "contact_probability_exponential"]

# Any vectorized curve: slasim.model.decay curves return an array for an array (a float for a
# float).
DecayCurve = Callable[[NDArray[np.float64]], Any]
"""A decay curve: relative contact (or qualify) rate as a function of lead age, minutes."""


def _evaluate_curve(decay: DecayCurve, age: float) -> float:
    value = float(np.asarray(decay(np.array([age], dtype=float)), dtype=float).reshape(-1)[0])
    if not math.isfinite(value):
        raise ValueError(f"decay curve at age {age!r} minutes gave {value!r}; expected a number.")
    return value


def contact_probability(
    n: int,
    lam: float,
    mu: float,
    p0: float,
    decay: DecayCurve,
) -> float:
    """``P(contact at the first attempt) = p0 E[f(W)]``, W the M/M/n (Erlang C) wait.

    Parameters
    ----------
    n : int
        Number of sellers, ``>= 1``.
    lam : float
        Lead arrival rate per minute, ``>= 0``.
    mu : float
        Service rate per seller per minute, ``> 0``.
    p0 : float
        Contact probability of a lead attempted at age 0, in ``[0, 1]``.
    decay : callable
        ``f(age_minutes: ndarray) -> ndarray``, the relative contact rate by age.

    Returns
    -------
    float
        The contact probability. With ``lam / mu >= n`` the wait is infinite and the
        result is ``p0 f(inf)`` (0 for curves that decay to 0).

    Notes
    -----
    The integral is taken by ``scipy.integrate.quad`` after the change of variable
    ``u = 1 - exp(-r t)``, which maps it onto ``[0, 1)`` with unit weight, so its scale
    does not depend on how fast the queue drains.
    """
    n = _check_int("n", n, 1)
    lam = _check_float("lam", lam)
    mu = _check_float("mu", mu, low_open=True)
    p0 = _check_float("p0", p0, high=1.0)
    if not callable(decay):
        raise ValueError(f"decay(={decay!r}) must be a callable f(age_minutes) -> array.")
    if _frozen(decay):
        # The optimizer's screen plans ~45 variants of one scenario, asking ~75 distinct
        # questions 255 times; each is a quadrature of ~700 curve evaluations. A frozen curve
        # (slasim's decay curves) is a value, so the same question gives the same answer.
        return _contact_cached(n, lam, mu, p0, decay)
    return _contact(n, lam, mu, p0, decay)


def _frozen(decay: DecayCurve) -> bool:
    params = getattr(type(decay), "__dataclass_params__", None)
    return params is not None and bool(params.frozen)


def _contact(n: int, lam: float, mu: float, p0: float, decay: DecayCurve) -> float:
    a = lam / mu
    if a >= n:
        return p0 * _evaluate_curve(decay, math.inf)
    c = erlang_c(n, a)
    r = n * mu - lam
    f0 = _evaluate_curve(decay, 0.0)
    if c == 0.0:
        return p0 * f0

    def integrand(u: float) -> float:
        return _evaluate_curve(decay, -math.log1p(-u) / r)

    # Imported here: scipy.integrate costs ~0.5 s to import, which `slasim check` never needs.
    from scipy import integrate

    expected_f_given_wait, _ = integrate.quad(
        integrand, 0.0, 1.0, epsabs=1e-12, epsrel=1e-10, limit=200
    )
    return p0 * ((1.0 - c) * f0 + c * expected_f_given_wait)


_contact_cached = functools.lru_cache(maxsize=4096)(_contact)


def contact_probability_exponential(
    n: int,
    lam: float,
    mu: float,
    p0: float,
    theta: float,
) -> float:
    """Closed form of :func:`contact_probability` for ``f(t) = exp(-theta t)``.

    ``p0 (1 - C + C r / (r + theta))`` with ``r = n mu - lam``.

    Parameters
    ----------
    n, lam, mu, p0
        As in :func:`contact_probability`.
    theta : float
        Decay rate per minute, ``>= 0`` (half-life ``ln 2 / theta``).

    Returns
    -------
    float
        The contact probability; ``p0`` if ``theta = 0``, and 0 if ``theta > 0`` and
        ``lam / mu >= n`` (infinite wait).
    """
    n = _check_int("n", n, 1)
    lam = _check_float("lam", lam)
    mu = _check_float("mu", mu, low_open=True)
    p0 = _check_float("p0", p0, high=1.0)
    theta = _check_float("theta", theta)
    if theta == 0.0:
        return p0
    a = lam / mu
    if a >= n:
        return 0.0
    c = erlang_c(n, a)
    r = n * mu - lam
    return p0 * (1.0 - c + c * r / (r + theta))
