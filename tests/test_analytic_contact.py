"""First-attempt contact probability under a decay curve and the Erlang C wait."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.typing import NDArray

from slasim.analytic import (
    DecayCurve,
    contact_probability,
    contact_probability_exponential,
    erlang_c,
    service_level,
)


def exponential(theta: float) -> DecayCurve:
    def f(age: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.exp(-theta * age)

    return f


@pytest.mark.parametrize(
    ("n", "lam", "mu", "theta"),
    [
        (10, 2.0, 0.25, 0.1),  # C ~ 0.33
        (14, 100 / 30, 1 / 3, 0.05),
        (3, 0.5, 0.25, 1.0),
        (50, 12.4, 0.25, 0.002),  # near saturation, slow decay
        (1, 0.2, 0.25, 0.3),  # M/M/1
    ],
)
def test_general_integral_equals_exponential_closed_form(
    n: int, lam: float, mu: float, theta: float
) -> None:
    p0 = 0.7
    general = contact_probability(n, lam, mu, p0, exponential(theta))
    closed = contact_probability_exponential(n, lam, mu, p0, theta)
    # quad is asked for 1e-10 relative; the integrand is smooth on [0, 1).
    assert general == pytest.approx(closed, rel=1e-9)


def test_step_curve_gives_service_level() -> None:
    # f = 1 before 5 minutes, 0 after: E[f(W)] = P(W <= 5), the Erlang C service level.
    # quad meets the jump adaptively; 1e-8 is loose for it.
    def step(age: NDArray[np.float64]) -> NDArray[np.float64]:
        return (age < 5.0).astype(float)

    value = contact_probability(10, 2.0, 0.25, 1.0, step)
    assert value == pytest.approx(service_level(10, 8.0, 0.25, 5.0), abs=1e-8)


def test_flat_curve_gives_base_rate_and_known_formula() -> None:
    def flat(age: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.ones_like(age)

    assert contact_probability(5, 1.0, 0.25, 0.42, flat) == pytest.approx(0.42, rel=1e-12)
    # Hand-computed: n = 2, a = 1, C = 1/3, r = 2 mu - lam = 0.25, theta = 0.25:
    # p0 (1 - C + C r/(r + theta)) = 0.5 (2/3 + 1/6) = 5/12.
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3, rel=1e-15)
    assert contact_probability_exponential(2, 0.25, 0.25, 0.5, 0.25) == pytest.approx(
        5 / 12, rel=1e-14
    )


def test_unstable_queue_gives_long_run_curve_value() -> None:
    def floored(age: NDArray[np.float64]) -> NDArray[np.float64]:
        return 0.1 + 0.9 * np.exp(-0.1 * age)

    assert contact_probability(2, 1.0, 0.25, 0.5, floored) == pytest.approx(0.05, rel=1e-12)
    assert contact_probability_exponential(2, 1.0, 0.25, 0.5, 0.1) == 0.0
    assert contact_probability_exponential(2, 1.0, 0.25, 0.5, 0.0) == 0.5


def test_contact_probability_falls_with_load() -> None:
    values = [contact_probability_exponential(10, lam, 0.25, 0.8, 0.05) for lam in (1, 2, 2.4)]
    assert values[0] > values[1] > values[2] > 0


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"p0": 1.5}, "p0(=1.5)"),
        ({"p0": -0.1}, "p0(=-0.1)"),
        ({"n": 0}, "n(=0)"),
        ({"mu": 0.0}, "mu(=0.0)"),
    ],
)
def test_invalid_inputs(kwargs: dict[str, float], fragment: str) -> None:
    args: dict[str, object] = {"n": 3, "lam": 0.5, "mu": 0.25, "p0": 0.5}
    args.update(kwargs)
    with pytest.raises(ValueError) as info:
        contact_probability(decay=exponential(0.1), **args)  # type: ignore[arg-type]
    assert fragment in str(info.value)
    with pytest.raises(ValueError) as info:
        contact_probability_exponential(theta=0.1, **args)  # type: ignore[arg-type]
    assert fragment in str(info.value)


def test_non_callable_and_non_finite_curves_are_rejected() -> None:
    with pytest.raises(ValueError, match="decay"):
        contact_probability(3, 0.5, 0.25, 0.5, 0.3)  # type: ignore[arg-type]

    def broken(age: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.full_like(age, math.nan)

    with pytest.raises(ValueError, match="decay curve"):
        contact_probability(3, 0.5, 0.25, 0.5, broken)


def test_frozen_curves_are_cached_and_plain_callables_are_not() -> None:
    # slasim's decay curves are frozen dataclasses (values): the same question is answered
    # from the cache, with the quadrature's own result. A plain function may change between
    # calls, so it is integrated every time.
    from slasim.analytic import contact
    from slasim.model.decay import PowerLawDecay

    curve = PowerLawDecay(scale_minutes=5.0, exponent=0.6)
    contact._contact_cached.cache_clear()
    first = contact.contact_probability(6, 1.0, 0.2, 0.7, curve)
    again = contact.contact_probability(6, 1.0, 0.2, 0.7, PowerLawDecay(scale_minutes=5.0, exponent=0.6))
    info = contact._contact_cached.cache_info()
    assert (info.hits, info.misses) == (1, 1)
    assert first == again == contact._contact(6, 1.0, 0.2, 0.7, curve)

    scale = [1.0]

    def changing(age: np.ndarray) -> np.ndarray:
        return scale[0] * np.exp(-0.05 * age)

    before = contact.contact_probability(6, 1.0, 0.2, 0.7, changing)
    scale[0] = 0.5
    after = contact.contact_probability(6, 1.0, 0.2, 0.7, changing)
    assert after == pytest.approx(before / 2, rel=1e-9)
    assert contact._contact_cached.cache_info().misses == 1  # never cached
