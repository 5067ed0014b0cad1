"""Erlang B and Erlang C for the M/M/n queue.

Vocabulary: leads arrive as a Poisson stream at rate ``lam`` per minute, ``n`` sellers
work them, one first attempt takes an exponential handling time with rate ``mu`` per
minute, and ``a = lam / mu`` is the offered load in erlangs. ``W`` is the wait of a lead
before its first attempt starts (FIFO).

When ``a >= n`` the queue is unstable: every lead eventually waits, so ``erlang_c``
returns 1, ``wait_probability_exceeds`` returns 1, ``service_level`` returns 0 and
``mean_wait`` returns ``inf``. No function raises for an unstable load; they raise only
for invalid inputs.
"""

from __future__ import annotations

import math
import numbers

__all__ = [
    "erlang_b",
    "erlang_c",
    "mean_wait",
    "occupancy",
    "service_level",
    "wait_probability_exceeds",
]

# Up to this many servers the O(n) recursion costs about as much as one scipy call and is
# exact to rounding; above it the log-space incomplete-gamma form is O(1).
_RECURSION_MAX_N = 64
# Below this the regularized upper incomplete gamma is too close to underflow to divide by.
_GAMMAINCC_FLOOR = 1e-250


def _check_int(name: str, value: object, minimum: int) -> int:
    if type(value) is int and value >= minimum:  # fast path: skips the ABC check
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name}(={value!r}) must be an integer >= {minimum}.")
    return int(value)


def _check_float(
    name: str,
    value: object,
    *,
    low: float = 0.0,
    low_open: bool = False,
    high: float = math.inf,
    high_open: bool = False,
) -> float:
    """Return ``value`` as a finite float inside the interval or raise ``ValueError``."""
    # Fast path for plain floats/ints (the numbers.Real ABC check costs ~0.5 us a call).
    if type(value) is not float and type(value) is not int:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(f"{name}(={value!r}) must be a real number.")
    v = float(value)
    above = v > low if low_open else v >= low
    below = v < high if high_open else v <= high
    if not (math.isfinite(v) and above and below):
        interval = (
            f"{'(' if low_open else '['}{low:g}, {high:g}"
            f"{')' if high_open or math.isinf(high) else ']'}"
        )
        raise ValueError(f"{name}(={value!r}) must be a finite number in {interval}.")
    return v


def _erlang_b_recursion(n: int, a: float) -> float:
    # B(k) = a B(k-1) / (k + a B(k-1)): every term is positive, so no cancellation and
    # no overflow, whatever n and a.
    b = 1.0
    for k in range(1, n + 1):
        ab = a * b
        b = ab / (k + ab)
    return b


def _stirling_error(n: int) -> float:
    """``log(n!) - [(n + 1/2) log(n) - n + log(2 pi) / 2]`` for ``n > 35`` (Loader 2000)."""
    nn = float(n) * n
    s0, s1, s2, s3 = 1.0 / 12, 1.0 / 360, 1.0 / 1260, 1.0 / 1680
    if n > 500:
        return (s0 - s1 / nn) / n
    if n > 80:
        return (s0 - (s1 - s2 / nn) / nn) / n
    return (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / n


def _deviance_term(x: float, m: float) -> float:
    """``x log(x / m) + m - x`` without cancellation when ``x ~ m`` (Loader 2000)."""
    if abs(x - m) < 0.1 * (x + m):
        v = (x - m) / (x + m)
        s = (x - m) * v
        ej = 2.0 * x * v
        v2 = v * v
        j = 1
        while True:
            ej *= v2
            s_next = s + ej / (2 * j + 1)
            if s_next == s:
                return s_next
            s = s_next
            j += 1
    return x * math.log(x / m) + m - x


def _log_poisson_pmf(n: int, a: float) -> float:
    # Saddle-point form: the naive n log(a) - a - log(n!) loses ~n log(a) * 1e-16 to
    # cancellation when a ~ n; this keeps the relative error near machine precision.
    return -_stirling_error(n) - _deviance_term(float(n), a) - 0.5 * math.log(2.0 * math.pi * n)


def erlang_b(n: int, a: float) -> float:
    """Erlang B blocking probability of the M/M/n/n loss system.

    Parameters
    ----------
    n : int
        Number of servers (sellers), ``n >= 0``.
    a : float
        Offered load in erlangs, ``a >= 0``.

    Returns
    -------
    float
        ``B(n, a) = (a^n / n!) / sum_{k<=n} a^k / k!``.

    Notes
    -----
    For ``n <= 64`` the stable recursion ``B(k) = a B(k-1) / (k + a B(k-1))`` is used.
    Above, ``B = poisson_pmf(n; a) / Q(n + 1, a)`` (``Q`` the regularized upper
    incomplete gamma) with the pmf in Loader's saddle-point log form: O(1), no
    factorial, relative error near 1e-14. When ``Q`` would underflow (``a`` far above
    ``n``) the recursion is used instead.
    """
    n = _check_int("n", n, 0)
    a = _check_float("a", a)
    if n == 0:
        return 1.0
    if a == 0.0:
        return 0.0
    if n <= _RECURSION_MAX_N:
        return _erlang_b_recursion(n, a)
    # Imported here: teams of up to 64 sellers (the `check` screen) never load scipy.special.
    from scipy import special

    q = float(special.gammaincc(n + 1, a))
    if q < _GAMMAINCC_FLOOR:
        return _erlang_b_recursion(n, a)
    return min(1.0, math.exp(_log_poisson_pmf(n, a)) / q)


def erlang_c(n: int, a: float) -> float:
    """Erlang C delay probability ``P(W > 0)`` of the M/M/n queue.

    Parameters
    ----------
    n : int
        Number of sellers, ``n >= 1``.
    a : float
        Offered load ``lam / mu`` in erlangs, ``a >= 0``.

    Returns
    -------
    float
        ``C = B / (1 - (a / n) (1 - B))`` with ``B = erlang_b(n, a)``; 1 when ``a >= n``
        (unstable: every lead waits).
    """
    n = _check_int("n", n, 1)
    a = _check_float("a", a)
    if a >= n:
        return 1.0
    b = erlang_b(n, a)
    return b / (1.0 - (a / n) * (1.0 - b))


def wait_probability_exceeds(n: int, a: float, mu: float, t: float) -> float:
    """``P(W > t) = C exp(-(n mu - lam) t)`` for the M/M/n FIFO queue.

    Parameters
    ----------
    n : int
        Number of sellers, ``n >= 1``.
    a : float
        Offered load in erlangs (``lam = a * mu``).
    mu : float
        Service rate per seller, per minute (1 / mean handling minutes), ``> 0``.
    t : float
        Wait threshold in minutes, ``>= 0``.

    Returns
    -------
    float
        Share of leads whose first attempt starts more than ``t`` minutes after creation;
        1 when ``a >= n``.
    """
    mu = _check_float("mu", mu, low_open=True)
    t = _check_float("t", t)
    c = erlang_c(n, a)
    if a >= n:
        return 1.0
    return c * math.exp(-(n - a) * mu * t)


def service_level(n: int, a: float, mu: float, t: float) -> float:
    """Share of leads whose first attempt starts within ``t`` minutes, ``P(W <= t)``.

    Parameters
    ----------
    n, a, mu, t
        As in :func:`wait_probability_exceeds`.

    Returns
    -------
    float
        ``1 - C exp(-(n mu - lam) t)``; 0 when ``a >= n``.
    """
    return 1.0 - wait_probability_exceeds(n, a, mu, t)


def mean_wait(n: int, a: float, mu: float) -> float:
    """Mean wait ``E[W] = C / (n mu - lam)`` in minutes, over all leads.

    Parameters
    ----------
    n : int
        Number of sellers, ``n >= 1``.
    a : float
        Offered load in erlangs.
    mu : float
        Service rate per seller, per minute, ``> 0``.

    Returns
    -------
    float
        Mean wait in minutes; ``inf`` when ``a >= n``.
    """
    mu = _check_float("mu", mu, low_open=True)
    c = erlang_c(n, a)
    if a >= n:
        return math.inf
    return c / ((n - a) * mu)


def occupancy(n: int, a: float) -> float:
    """Seller occupancy ``a / n``: the long-run share of time a seller is busy.

    Parameters
    ----------
    n : int
        Number of sellers, ``n >= 1``.
    a : float
        Offered load in erlangs, ``>= 0``.

    Returns
    -------
    float
        ``min(a / n, 1)``: with ``a >= n`` the sellers are busy all the time.
    """
    n = _check_int("n", n, 1)
    a = _check_float("a", a)
    return min(a / n, 1.0)
