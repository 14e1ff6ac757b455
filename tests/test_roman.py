"""Roman numerals: areas of a plan are numbered with them, read in and written out."""

from __future__ import annotations

import pytest

from cchc.lib.roman import MAX_ROMAN, from_roman, to_roman


@pytest.mark.parametrize(
    ("number", "numeral"),
    [
        (1, "I"),
        (4, "IV"),
        (9, "IX"),
        (14, "XIV"),
        (40, "XL"),
        (90, "XC"),
        (400, "CD"),
        (1994, "MCMXCIV"),
        (3999, "MMMCMXCIX"),
    ],
)
def test_it_writes_and_reads_canonical_numerals(number: int, numeral: str) -> None:
    assert to_roman(number) == numeral
    assert from_roman(numeral) == number
    assert from_roman(numeral.lower()) == number


def test_every_number_round_trips() -> None:
    assert all(from_roman(to_roman(n)) == n for n in range(1, MAX_ROMAN + 1))


@pytest.mark.parametrize(
    "text",
    ["", "   ", "IIII", "VV", "IC", "VX", "IL", "XM", "MMMM", "IIX", "ABC", "1", "I.", "X I"],
)
def test_it_refuses_what_is_not_a_well_formed_numeral(text: str) -> None:
    assert from_roman(text) is None


@pytest.mark.parametrize("number", [0, -1, 4000])
def test_it_has_no_numeral_outside_1_to_3999(number: int) -> None:
    with pytest.raises(ValueError, match="no Roman numeral"):
        to_roman(number)


@pytest.mark.parametrize("value", [1.0, "3", True])
def test_it_takes_only_integers(value: object) -> None:
    with pytest.raises(TypeError):
        to_roman(value)  # type: ignore[arg-type]
