"""``--grid PATH=VALUES``: ranges, lists, the product, and every mistake named (exit 2)."""

from __future__ import annotations

import pytest

from slasim.errors import InputError
from slasim.scenario.grid import MAX_GRID_POINTS, GridAxis, grid_points, parse_grid


@pytest.mark.parametrize(
    ("item", "values", "texts"),
    [
        ("team.shifts[0].sellers=4..10", (4, 5, 6, 7, 8, 9, 10), None),
        ("team.shifts[0].sellers=4..20..4", (4, 8, 12, 16, 20), None),
        ("team.shifts[0].sellers = 4 .. 6", (4, 5, 6), None),
        ("team.shifts[0].sellers=5..5", (5,), None),
        # The step does not reach the end: the end is left out, as range() would.
        ("team.shifts[0].sellers=1..10..4", (1, 5, 9), None),
        # Counted in decimal: 0.8 + 3 x 0.05 is 0.95, not 0.9500000000000001.
        ("sla.confidence=0.8..0.95..0.05", (0.8, 0.85, 0.9, 0.95), ("0.8", "0.85", "0.9", "0.95")),
        ("team.shrinkage=0..0.3..0.1", (0.0, 0.1, 0.2, 0.3), None),
        ("routing.policy=fifo,tier_priority", ("fifo", "tier_priority"), ("fifo", "tier_priority")),
        ("sla.confidence=0.8, 0.9", (0.8, 0.9), ("0.8", "0.9")),
        ("routing.policy=fifo", ("fifo",), None),
        # Commas inside brackets and quotes belong to the value.
        ('team.shifts[0].days=["mon","tue"],["wed"]', (["mon", "tue"], ["wed"]),
         ('["mon","tue"]', '["wed"]')),
        ('name="a,b",c', ("a,b", "c"), ('"a,b"', "c")),
        ("x=true,false", (True, False), None),
    ],
)
def test_ranges_and_lists_parse_to_the_values_set_would_give(
    item: str, values: tuple[object, ...], texts: tuple[str, ...] | None
) -> None:
    axis = parse_grid(item)
    assert axis.path == item.partition("=")[0].strip()
    assert axis.values == values
    assert [type(v) for v in axis.values] == [type(v) for v in values]
    if texts is not None:
        assert axis.texts == texts


def test_numeric_axes_are_told_apart_from_ordered_ones() -> None:
    assert parse_grid("a=1..3").numeric
    assert parse_grid("a=0.5,2").numeric
    assert not parse_grid("a=fifo,tier_priority").numeric
    assert not parse_grid("a=true,false").numeric  # booleans have no scale


@pytest.mark.parametrize(
    ("item", "field", "words"),
    [
        ("team.shifts[0].sellers", "team.shifts[0].sellers", ["expected PATH=VALUES"]),
        ("=1,2", "=1,2", ["expected PATH=VALUES"]),
        ("team.shifts[0].sellers=", "team.shifts[0].sellers", ["got no values", "a..b"]),
        ("team.shifts[0].sellers=10..4", "team.shifts[0].sellers", ["'10..4'", "a <= b", "4..10"]),
        ("sla.confidence=0.8..0.9", "sla.confidence", ["'0.8..0.9'", "expected a step", "0.8..0.9..0.01"]),
        ("team.shifts[0].sellers=1..5..0", "team.shifts[0].sellers", ["'1..5..0'", "step > 0"]),
        ("team.shifts[0].sellers=1..5..-1", "team.shifts[0].sellers", ["'1..5..-1'", "step > 0"]),
        ("routing.policy=fifo,fifo", "routing.policy", ["'fifo'", "appears twice"]),
        ("routing.policy=fifo,,tier_priority", "routing.policy", ["empty value", "comma list"]),
        ('team.shifts[0].days=["mon",["tue"]', "team.shifts[0].days", ["unclosed bracket"]),
        ('name="a,b', "name", ["unclosed quote"]),
        ("team..sellers=1,2", "team..sellers", ["part 2", "empty"]),
        ("team.shifts[x].sellers=1,2", "team.shifts[x].sellers", ["bad index"]),
        ("a=1..100000", "a", ["100,000 values", f"at most {MAX_GRID_POINTS:,}"]),
        # decimal.Overflow once crashed these (exit 1, "internal error"):
        ("a=0..1e9999999999..1", "a", [f"more than {MAX_GRID_POINTS:,} values"]),
        ("a=0.8..0.9..1e-9999999999", "a", [f"more than {MAX_GRID_POINTS:,} values"]),
        # Equal values are one point: the scenario would be the same twice.
        ("a=4,4.0", "a", ["the values '4' and '4.0' are the same", "each value once"]),
        ("a=true,1", "a", ["the values 'true' and '1' are the same"]),
        ("a=[1],[1]", "a", ["the value '[1]' appears twice"]),
    ],
)
def test_a_bad_grid_names_the_flag_the_path_the_value_and_what_was_expected(
    item: str, field: str, words: list[str]
) -> None:
    with pytest.raises(InputError) as caught:
        parse_grid(item)
    (problem,) = caught.value.problems
    assert problem.source == "--grid"
    assert problem.field == field
    for word in words:
        assert word in problem.message


def test_points_are_the_product_with_the_first_axis_slowest() -> None:
    axes = [parse_grid("a=1..2"), parse_grid("b=x,y,z")]
    assert grid_points(axes) == [(1, "x"), (1, "y"), (1, "z"), (2, "x"), (2, "y"), (2, "z")]


def test_the_same_path_twice_and_a_grid_too_large_are_refused() -> None:
    with pytest.raises(InputError, match="given twice"):
        grid_points([parse_grid("a=1,2"), parse_grid("a=3,4")])
    # Spelled differently, the same field: the path is compared (and named) canonically.
    other = parse_grid("team.shifts[00] .sellers=7,8")
    assert other.path == "team.shifts[0].sellers"
    with pytest.raises(InputError, match=r"team\.shifts\[0\]\.sellers: given twice"):
        grid_points([parse_grid("team.shifts[0].sellers=4,5"), other])
    big = GridAxis("b", tuple(range(200)), tuple(str(i) for i in range(200)))
    with pytest.raises(InputError) as caught:
        grid_points([big, GridAxis("c", tuple(range(60)), tuple(str(i) for i in range(60)))])
    assert "200 x 60 = 12,000 points" in str(caught.value)
    with pytest.raises(InputError, match="no axis"):
        grid_points([])


def test_a_quoted_key_survives_the_axis_path() -> None:
    # parse_grid rewrote 'sla.tiers."a=b".quota' as sla.tiers.a=b.quota (quotes dropped), which
    # the sweep then could not read back: "part 'a=b' … is not a key".
    from slasim.scenario.overrides import format_loc, override_key, parse_path

    for item, path in (('sla.tiers."a=b".quota=30,80', 'sla.tiers."a=b".quota'),
                       ('sla.tiers."paid search".quota=1..2', 'sla.tiers."paid search".quota'),
                       ("team.shifts[00].sellers=4,5", "team.shifts[0].sellers")):
        axis = parse_grid(item)
        assert axis.path == path
        assert format_loc(parse_path(axis.path, item)) == axis.path
        assert override_key(f"{axis.path}={axis.texts[0]}") == parse_path(path, item)


@pytest.mark.parametrize(("spec", "example"), [
    ("x=4...6", "e.g. 4..6..0.2"),  # it echoed '4...6..0.05'
    ("x=1..1e9", "e.g. 1..1000000000..99999999.9"),  # it suggested 2e10 points
    ("x=0.9..0.5", "e.g. 0.5..0.9..0.04"),
])
def test_a_decimal_range_without_a_step_suggests_ten_plain_steps(spec: str, example: str) -> None:
    with pytest.raises(InputError, match="expected a step for a range of decimals") as info:
        parse_grid(spec)
    assert str(info.value).endswith(example)
