"""Tests for slasim.model.decay: published ratios, exact values, vectorization, properties, errors."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from slasim.model.decay import (
    DecayCurve,
    ExponentialDecay,
    FlatDecay,
    PowerLawDecay,
    TableDecay,
)
from slasim.model.decay_presets import PRESETS, DecayPreset, get_preset
from slasim.model.decay_spec import curve_from_spec

# ---------------------------------------------------------------- presets


def test_lrm2007_contact_reproduces_published_ratios() -> None:
    # The preset must encode the study's contact odds: 5 vs 30 min 100x, 5 -> 10 min /5, >10x/hour.
    c = get_preset("lrm2007").contact
    assert c(5.0) / c(30.0) == pytest.approx(100.0, rel=0.05)
    assert c(5.0) / c(10.0) == pytest.approx(5.0, rel=0.05)
    assert c(0.0) / c(60.0) > 10.0


def test_lrm2007_qualify_reproduces_published_ratios() -> None:
    # Qualify odds in the study: 5 vs 30 min 21x, 5 -> 10 min /4.
    q = get_preset("lrm2007").qualify
    assert q(5.0) / q(30.0) == pytest.approx(21.0, rel=0.05)
    assert q(5.0) / q(10.0) == pytest.approx(4.0, rel=0.05)


def test_lrm2007_anchors_and_flat_tail() -> None:
    # f(0) = f(5) = 1 (reference bucket) and no extrapolation beyond the last published bucket.
    for curve in (get_preset("lrm2007").contact, get_preset("lrm2007").qualify):
        assert curve(0.0) == 1.0 and curve(5.0) == 1.0
        assert curve(30.0) == curve(600.0) == curve(math.inf)
        assert curve.decay_rate(45.0) == 0.0


def test_hbr2011_reproduces_published_ratios() -> None:
    # HBR 2011: within 1 h vs ~2 h ~7x more likely to qualify; vs 24 h ~60x; contact not studied.
    p = get_preset("hbr2011")
    q = p.qualify
    assert q(60.0) / q(120.0) == pytest.approx(7.0, rel=0.05)
    assert q(60.0) / q(1440.0) == pytest.approx(60.0, rel=0.05)
    assert isinstance(p.contact, FlatDecay)
    assert q(1440.0) == q(10_000.0)


def test_none_preset_is_flat() -> None:
    # Textbook queueing checks need curves that never change the base probabilities.
    p = get_preset("none")
    ages = np.array([0.0, 1.0, 1e6])
    np.testing.assert_array_equal(p.contact(ages), 1.0)
    np.testing.assert_array_equal(p.qualify.decay_rate(ages), 0.0)


def test_presets_carry_provenance_and_round_trip() -> None:
    # Provenance must survive a scenario file round trip, and presets must be read-only.
    assert set(PRESETS) == {"lrm2007", "hbr2011", "none"}
    for name, preset in PRESETS.items():
        assert isinstance(preset, DecayPreset) and preset.name == name
        assert preset.source and preset.notes
        for curve in (preset.contact, preset.qualify):
            assert curve.provenance != "user-defined"
            assert curve_from_spec(json.loads(json.dumps(curve.to_spec()))) == curve
    assert "Oldroyd" in PRESETS["lrm2007"].source and "not causal" in PRESETS["lrm2007"].notes
    with pytest.raises(TypeError):
        PRESETS["x"] = PRESETS["none"]  # type: ignore[index]


def test_unknown_preset_suggests_close_name() -> None:
    # A typo in a scenario file should point at the intended preset and list the known ones.
    with pytest.raises(ValueError, match=r"'lrm2070'.*'hbr2011'.*Did you mean 'lrm2007'\?"):
        get_preset("lrm2070")
    with pytest.raises(ValueError, match="'zzz'") as info:
        get_preset("zzz")
    assert "Did you mean" not in str(info.value)


# ---------------------------------------------------------------- exact values


def test_exponential_exact_values() -> None:
    # Half-life definition, floor as the long-run limit, theta = ln2 / half-life.
    e = ExponentialDecay(30.0)
    assert e(0.0) == 1.0
    assert e(30.0) == pytest.approx(0.5, rel=1e-12)
    assert e(60.0) == pytest.approx(0.25, rel=1e-12)
    assert e.theta == pytest.approx(math.log(2) / 30.0, rel=1e-15)
    f = ExponentialDecay(30.0, floor=0.2)
    assert f(0.0) == 1.0
    assert f(30.0) == pytest.approx(0.2 + 0.8 * 0.5, rel=1e-12)
    assert f(math.inf) == 0.2 and f(1e9) == 0.2
    # Hazard at age 0 with a floor: theta * (1 - floor).
    assert f.decay_rate(0.0) == pytest.approx(f.theta * 0.8, rel=1e-12)


def test_power_law_exact_values() -> None:
    # (1 + a/s)^-k, clamped at the floor where the hazard becomes 0.
    p = PowerLawDecay(10.0, 2.0)
    assert p(0.0) == 1.0
    assert p(10.0) == pytest.approx(0.25, rel=1e-12)
    assert p(30.0) == pytest.approx(1 / 16, rel=1e-12)
    assert p.decay_rate(0.0) == pytest.approx(0.2, rel=1e-12)
    assert p.decay_rate(10.0) == pytest.approx(0.1, rel=1e-12)
    q = PowerLawDecay(10.0, 2.0, floor=0.1)
    assert q(10.0) == pytest.approx(0.25, rel=1e-12)
    assert q(30.0) == 0.1 and q(math.inf) == 0.1
    assert q.decay_rate(30.0) == 0.0


def test_table_log_interpolation() -> None:
    # Log interpolation halves the factor halfway through a quartering segment; exact at anchors.
    t = TableDecay([0.0, 10.0, 20.0], [1.0, 0.25, 0.0625])
    assert t(0.0) == 1.0 and t(10.0) == 0.25 and t(20.0) == 0.0625
    assert t(5.0) == pytest.approx(0.5, rel=1e-12)
    assert t(15.0) == pytest.approx(0.125, rel=1e-12)
    assert t(20.5) == t(1e6) == t(math.inf) == 0.0625
    # Constant hazard ln4/10 per segment (right derivative at anchors), 0 beyond the last one.
    assert t.decay_rate(0.0) == pytest.approx(math.log(4) / 10, rel=1e-12)
    assert t.decay_rate(12.0) == pytest.approx(math.log(4) / 10, rel=1e-12)
    assert t.decay_rate(20.0) == 0.0


def test_table_linear_interpolation() -> None:
    # Linear interpolation may reach 0; the hazard is -f'/f, and 0 where f is 0.
    t = TableDecay([0.0, 10.0, 20.0], [1.0, 0.5, 0.0], interpolation="linear")
    assert t(5.0) == pytest.approx(0.75, rel=1e-12)
    assert t(10.0) == 0.5
    assert t(15.0) == pytest.approx(0.25, rel=1e-12)
    assert t(20.0) == 0.0 and t(50.0) == 0.0
    assert t.decay_rate(5.0) == pytest.approx(0.05 / 0.75, rel=1e-12)
    assert t.decay_rate(15.0) == pytest.approx(0.05 / 0.25, rel=1e-12)
    assert t.decay_rate(25.0) == 0.0


def test_single_point_table_is_flat() -> None:
    # A table with only the (0, 1) anchor is a valid way to write "no decay".
    t = TableDecay([0.0], [1.0])
    assert t(123.0) == 1.0 and t.decay_rate(123.0) == 0.0


CURVES: list[DecayCurve] = [
    FlatDecay(),
    ExponentialDecay(30.0),
    ExponentialDecay(12.0, floor=0.3),
    PowerLawDecay(10.0, 0.7),
    PowerLawDecay(5.0, 2.0, floor=0.05),
    TableDecay([0.0, 5.0, 10.0, 30.0], [1.0, 0.9, 0.2, 0.01]),
    TableDecay([0.0, 5.0, 10.0, 30.0], [1.0, 0.9, 0.2, 0.0], interpolation="linear"),
]


@pytest.mark.parametrize("curve", CURVES, ids=lambda c: repr(c))
@pytest.mark.parametrize("age", [0.5, 7.0, 17.0, 29.0])
def test_decay_rate_matches_finite_difference(curve: DecayCurve, age: float) -> None:
    # decay_rate must really be -d/dt ln f (value_index routing relies on it); ages avoid kinks.
    h = 1e-6
    numeric = -(math.log(curve(age + h)) - math.log(curve(age))) / h
    assert curve.decay_rate(age) == pytest.approx(numeric, rel=1e-4, abs=1e-9)


# ---------------------------------------------------------------- vectorization


@pytest.mark.parametrize("curve", CURVES, ids=lambda c: repr(c))
def test_array_in_array_out_matches_scalar_calls(curve: DecayCurve) -> None:
    # The engine mixes batch and per-attempt calls; both paths must agree.
    ages = np.array([[0.0, 2.5, 5.0, 7.5], [10.0, 29.0, 30.0, 1e4], [1e7, math.inf, 3.0, 0.0]])
    for method in (curve.__call__, curve.decay_rate):
        out = method(ages)
        assert isinstance(out, np.ndarray) and out.shape == ages.shape
        expected = np.array([method(float(a)) for a in ages.ravel()]).reshape(ages.shape)
        np.testing.assert_allclose(out, expected, rtol=1e-13, atol=0.0)


def test_scalar_types() -> None:
    # Python/numpy scalars and 0-d arrays give a float; lists give an array.
    e = ExponentialDecay(30.0)
    for age in (30, 30.0, np.float64(30.0), np.float32(30.0), np.int64(30), np.array(30.0)):
        out = e(age)
        assert type(out) is float and out == pytest.approx(0.5)
        assert type(e.decay_rate(age)) is float
    out_list = e([0, 30])
    assert isinstance(out_list, np.ndarray)
    np.testing.assert_allclose(out_list, [1.0, 0.5])


@pytest.mark.parametrize("curve", CURVES, ids=lambda c: repr(c))
def test_negative_or_nan_age_rejected(curve: DecayCurve) -> None:
    # A negative age is a bug upstream; the message must show the offending value and position.
    with pytest.raises(ValueError, match=r"age_minutes\(=-1\.5\) must be >= 0"):
        curve(-1.5)
    with pytest.raises(ValueError, match=r"age_minutes\[1, 0\]\(=-2\.0\) must be >= 0"):
        curve(np.array([[1.0, 2.0], [-2.0, 3.0]]))
    with pytest.raises(ValueError, match=r"age_minutes\[0\]\(=nan\)"):
        curve.decay_rate([math.nan])


# ---------------------------------------------------------------- properties

_fracs = st.floats(min_value=0.0, max_value=1.0, exclude_max=True)
_pos = st.floats(min_value=1e-3, max_value=1e5)


@st.composite
def _tables(draw: st.DrawFn) -> TableDecay:
    interpolation = draw(st.sampled_from(["log", "linear"]))
    n = draw(st.integers(min_value=1, max_value=6))
    gaps = draw(st.lists(st.floats(min_value=1e-3, max_value=1e4), min_size=n - 1, max_size=n - 1))
    low = 1e-4 if interpolation == "log" else 0.0
    ratios = draw(st.lists(st.floats(min_value=low, max_value=1.0), min_size=n - 1, max_size=n - 1))
    ages, factors = [0.0], [1.0]
    for gap, ratio in zip(gaps, ratios, strict=True):
        ages.append(ages[-1] + gap)
        factors.append(factors[-1] * ratio)
    return TableDecay(ages, factors, interpolation)  # type: ignore[arg-type]


curves = st.one_of(
    st.just(FlatDecay()),
    st.builds(ExponentialDecay, _pos, _fracs),
    st.builds(PowerLawDecay, _pos, st.floats(min_value=1e-3, max_value=20.0), _fracs),
    _tables(),
)
age_lists = st.lists(st.floats(min_value=0.0, max_value=1e6), min_size=1, max_size=30)


@given(curve=curves, ages=age_lists)
def test_curve_properties(curve: DecayCurve, ages: list[float]) -> None:
    # Every valid curve is a multiplier: f(0) = 1, 0 <= f <= 1, non-increasing, hazard >= 0.
    assert curve(0.0) == 1.0
    sorted_ages = np.sort(np.asarray(ages))
    f = curve(sorted_ages)
    assert isinstance(f, np.ndarray)
    assert np.all((f >= 0.0) & (f <= 1.0))
    # Allow rounding at the last few ulps (e.g. e + floor*(1-e) is not exactly monotone).
    assert np.all(np.diff(f) <= 1e-15)
    rate = curve.decay_rate(sorted_ages)
    assert np.all(rate >= 0.0) and np.all(np.isfinite(rate))


@given(half_life=_pos, age=st.floats(min_value=0.0, max_value=1e9))
def test_exponential_rate_is_theta(half_life: float, age: float) -> None:
    # Without a floor the exponential hazard is constant, even where f underflows to 0.
    e = ExponentialDecay(half_life)
    assert e.decay_rate(age) == e.theta


@given(curve=curves, ages=age_lists)
def test_spec_round_trip(curve: DecayCurve, ages: list[float]) -> None:
    # to_spec must survive JSON (scenario files) and rebuild the same curve.
    spec = json.loads(json.dumps(curve.to_spec()))
    rebuilt = curve_from_spec(spec)
    assert rebuilt == curve and type(rebuilt) is type(curve)
    np.testing.assert_array_equal(rebuilt(np.asarray(ages)), curve(np.asarray(ages)))


# ---------------------------------------------------------------- invalid input


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda: ExponentialDecay(0.0), "half_life_minutes(=0.0)"),
        (lambda: ExponentialDecay(-3.0), "half_life_minutes(=-3.0)"),
        (lambda: ExponentialDecay(math.nan), "half_life_minutes(=nan)"),
        (lambda: ExponentialDecay(10.0, floor=1.0), "floor(=1.0) must be in [0, 1)"),
        (lambda: ExponentialDecay(10.0, floor=-0.1), "floor(=-0.1)"),
        (lambda: PowerLawDecay(10.0, 0.0), "exponent(=0.0) must be finite and > 0"),
        (lambda: PowerLawDecay(-1.0, 1.0), "scale_minutes(=-1.0)"),
        (lambda: PowerLawDecay(10.0, 1.0, floor=1.5), "floor(=1.5)"),
        (
            lambda: TableDecay([0.0, 10.0, 10.0], [1.0, 0.5, 0.2]),
            "ages_minutes[2](=10.0) must be > ages_minutes[1](=10.0)",
        ),
        (lambda: TableDecay([5.0, 10.0], [1.0, 0.5]), "ages_minutes[0](=5.0) must be 0"),
        (lambda: TableDecay([0.0, math.inf], [1.0, 0.5]), "ages_minutes[1](=inf) must be finite"),
        (lambda: TableDecay([0.0, 10.0], [1.0, 1.2]), "factors[1](=1.2) must be in (0, 1]"),
        (lambda: TableDecay([0.0, 10.0], [0.9, 0.5]), "factors[0](=0.9) must be 1"),
        (
            lambda: TableDecay([0.0, 5.0, 10.0], [1.0, 0.2, 0.5]),
            "factors[2](=0.5) must be <= factors[1](=0.2) (curve must be non-increasing)",
        ),
        (lambda: TableDecay([0.0, 5.0], [1.0, 0.0]), "factors[1](=0.0) must be in (0, 1]"),
        (
            lambda: TableDecay([0.0, 5.0], [1.0, -0.1], "linear"),
            "factors[1](=-0.1) must be in [0, 1]",
        ),
        (
            lambda: TableDecay([0.0, 5.0, 10.0], [1.0, 0.5]),
            "ages_minutes has 3 points but factors has 2",
        ),
        (lambda: TableDecay([], []), "at least one point"),
        (lambda: TableDecay([0.0], [1.0], "cubic"), "interpolation(='cubic')"),  # type: ignore[arg-type]
    ],
)
def test_invalid_parameters_name_the_bad_value(make: object, fragment: str) -> None:
    # Users fix scenario files from the message alone, so it must contain the bad value.
    with pytest.raises(ValueError) as info:
        make()  # type: ignore[operator]
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ({"kind": "exponentail", "half_life_minutes": 5}, "Did you mean 'exponential'?"),
        ({"half_life_minutes": 5}, "kind(=None)"),
        ({"kind": "exponential", "half_life": 5}, "unknown key 'half_life'"),
        ({"kind": "exponential"}, "needs 'half_life_minutes'"),
        ({"kind": "exponential", "half_life_minutes": "5"}, "half_life_minutes(='5') must be a"),
        ({"kind": "table", "ages_minutes": "0,5", "factors": [1.0]}, "ages_minutes(='0,5')"),
        ({"kind": "table", "ages_minutes": [0, 5], "factors": [1, True]}, "factors[1](=True)"),
        ({"kind": "flat", "provenance": 3}, "provenance(=3)"),
    ],
)
def test_curve_from_spec_rejects_bad_specs(spec: dict[str, object], fragment: str) -> None:
    # Typos and wrong types in scenario files must fail loudly, not fall back to defaults.
    with pytest.raises(ValueError) as info:
        curve_from_spec(spec)
    assert fragment in str(info.value)
