"""The PAR INDEX arithmetic (cchc.par.index): examples, then properties (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cchc.par.index import (
    DEFAULT_BANDS,
    AreaPoints,
    Band,
    IndexComputationError,
    band_problems,
    classify,
    compute_index,
    dense_ranks,
    percent,
)

D = Decimal


def test_index_is_total_over_maximum_with_components_per_area() -> None:
    result = compute_index([AreaPoints("1", D(20), D("17.5")), AreaPoints("2", D(80), D(60))])
    assert result.total == D("77.5")
    assert result.maximum == D(100)
    assert result.index == D("77.50")
    assert result.components == {"1": D("87.50"), "2": D("75.00")}


def test_index_rounds_half_up_to_two_decimals() -> None:
    assert percent(D(2), D(3)) == D("66.67")
    assert percent(D("87.265"), D(100)) == D("87.27")


def test_points_out_of_range_are_refused_in_vietnamese() -> None:
    with pytest.raises(IndexComputationError, match="nằm ngoài khoảng"):
        compute_index([AreaPoints("3", D(10), D("10.25"))])
    with pytest.raises(IndexComputationError, match="lớn hơn 0"):
        percent(D(0), D(0))


def test_dense_ranks_share_ties_and_skip_nothing() -> None:
    ranks = dense_ranks({"a": D("87.26"), "b": D("90"), "c": D("87.26"), "d": D("70")})
    assert ranks == {"b": 1, "a": 2, "c": 2, "d": 3}


@pytest.mark.parametrize(
    ("index", "label"),
    [
        (D(100), "Xuất sắc"),
        (D(90), "Xuất sắc"),
        (D("89.99"), "Tốt"),
        (D(80), "Tốt"),
        (D("79.99"), "Khá"),
        (D(70), "Khá"),
        (D("69.99"), "Trung bình"),
        (D(50), "Trung bình"),
        (D("49.99"), "Yếu"),
        (D(0), "Yếu"),
    ],
)
def test_default_bands_lower_bound_included_upper_excluded(index: Decimal, label: str) -> None:
    band = classify(index, DEFAULT_BANDS)
    assert band is not None and band.label == label
    assert "chưa căn cứ văn bản" in band.regulation


def test_default_bands_cover_zero_to_hundred_once() -> None:
    assert band_problems(DEFAULT_BANDS) == []


def test_band_gaps_and_overlaps_are_named() -> None:
    gap = [Band("A", D(80), None), Band("B", D(0), D(70))]
    assert any("70 đến dưới 80" in p for p in band_problems(gap))
    overlap = [Band("A", D(80), None), Band("B", D(0), D(85))]
    assert any("chồng lên nhau" in p for p in band_problems(overlap))


# ---------------------------------------------------------------------------
# Properties

step = D("0.25")
quarter_points = st.integers(min_value=0, max_value=400).map(lambda n: D(n) * step)


@st.composite
def areas(draw: st.DrawFn) -> list[AreaPoints]:
    count = draw(st.integers(min_value=1, max_value=8))
    result = []
    for number in range(1, count + 1):
        maximum = draw(st.integers(min_value=1, max_value=400).map(lambda n: D(n) * step))
        points = draw(
            st.integers(min_value=0, max_value=int(maximum / step)).map(lambda n: D(n) * step)
        )
        result.append(AreaPoints(str(number), maximum, points))
    return result


@given(areas())
def test_the_index_always_lies_between_0_and_100(data: list[AreaPoints]) -> None:
    result = compute_index(data)
    assert D(0) <= result.index <= D(100)
    assert all(D(0) <= c <= D(100) for c in result.components.values())


@given(areas())
def test_the_components_are_consistent_with_the_total(data: list[AreaPoints]) -> None:
    result = compute_index(data)
    assert result.total == sum(a.points for a in data)
    # Each component × its area's maximum gives back the area's points (to its rounding),
    # so the components weighted by the maxima give back the total and the index.
    rebuilt = sum(result.components[a.code] * a.maximum / 100 for a in data)
    tolerance = sum(a.maximum for a in data) * D("0.005") / 100
    assert abs(rebuilt - result.total) <= tolerance
    assert abs(rebuilt * 100 / result.maximum - result.index) <= D("0.01")
    if all(a.points == a.maximum for a in data):
        assert result.index == D(100)


@given(
    st.dictionaries(
        st.integers(0, 60), quarter_points.map(lambda p: percent(p, D(100))), min_size=1
    )
)
def test_ranks_are_dense_and_tie_correct(values: dict[int, Decimal]) -> None:
    ranks = dense_ranks(values)
    assert set(ranks) == set(values)
    # Dense: the ranks used are exactly 1..number of distinct values.
    assert sorted(set(ranks.values())) == list(range(1, len(set(values.values())) + 1))
    for a in values:
        for b in values:
            if values[a] == values[b]:
                assert ranks[a] == ranks[b]
            elif values[a] > values[b]:
                assert ranks[a] < ranks[b]


@given(st.integers(0, 10000).map(lambda n: D(n) / 100))
def test_every_index_has_exactly_one_default_band(index: Decimal) -> None:
    holding = [
        b for b in DEFAULT_BANDS if b.lower <= index and (b.upper is None or index < b.upper)
    ]
    assert len(holding) == 1
    assert classify(index, DEFAULT_BANDS) == holding[0]
