"""linear_quantiles against numpy.quantile, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from slasim.measure.quantiles import linear_quantiles

QS = (0.0, 0.1, 0.25, 0.5, 0.9, 0.999, 1.0)


def _bits(values: object) -> bytes:
    return np.asarray(values, dtype=np.float64).tobytes()


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # numpy on inf - inf
@settings(max_examples=400, deadline=None)
@given(
    values=arrays(
        np.float64,
        st.integers(1, 60),
        elements=st.floats(allow_nan=True, allow_infinity=True, width=64),
    ),
    qs=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=4),
)
def test_same_bits_as_numpy_on_any_floats(values: np.ndarray, qs: list[float]) -> None:
    # NaN, infinities, signed zeros and ties included: the same partition call and the same
    # scalar operations as numpy, so not one bit may differ (NaN payloads included).
    assert _bits(linear_quantiles(values, qs)) == _bits(np.quantile(values, qs))


@pytest.mark.parametrize("n", [1, 2, 3, 10, 11, 1_000, 4_097])
def test_same_bits_as_numpy_on_waits(n: int) -> None:
    # The metrics' case: waits with repeated values (ties at 0) and a long right tail.
    rng = np.random.default_rng(n)
    waits = np.where(rng.random(n) < 0.3, 0.0, rng.lognormal(2.0, 1.5, n))
    assert _bits(linear_quantiles(waits, QS)) == _bits(np.quantile(waits, QS))
    assert _bits(linear_quantiles(waits, (0.9,))) == _bits([np.quantile(waits, 0.9)])


def test_halfway_reads_from_the_upper_end() -> None:
    # At gamma = 0.5 numpy takes b - (b - a)/2, which here is one ulp below a + (b - a)/2.
    pair = np.array([2.8200442496561924, 11.76176987243698])
    assert linear_quantiles(pair, (0.5,)) == (7.290907061046586,) == (np.quantile(pair, 0.5),)


def test_leaves_the_input_untouched() -> None:
    values = np.array([3.0, 1.0, 2.0])
    assert linear_quantiles(values, (0.5,)) == (2.0,)
    assert values.tolist() == [3.0, 1.0, 2.0]


@pytest.mark.parametrize(
    ("values", "qs", "match"),
    [
        (np.array([]), (0.5,), "empty array"),
        (np.array([1.0]), (1.5,), r"q\(=1.5\) must be in \[0, 1\]"),
        (np.array([1.0]), (-0.1,), r"q\(=-0.1\) must be in \[0, 1\]"),
    ],
)
def test_rejects_what_numpy_rejects(values: np.ndarray, qs: tuple[float, ...], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        linear_quantiles(values, qs)
