"""Roman numerals, as plans number their areas (I, II, III …) and annexes print them."""

from __future__ import annotations

import re

_NUMERALS = (
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
)
_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
# Only the canonical form: "IIII", "IC", "VX" or "MMMM" are not numerals a document uses.
_SHAPE = re.compile(r"^M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
MAX_ROMAN = 3999


def to_roman(number: int) -> str:
    """`number` (1 to 3999) in Roman numerals; ValueError outside that range."""
    if isinstance(number, bool) or not isinstance(number, int):
        raise TypeError(f"to_roman() takes an int, not {type(number).__name__}")
    if not 1 <= number <= MAX_ROMAN:
        raise ValueError(f"{number} has no Roman numeral (1 to {MAX_ROMAN})")
    text = []
    for value, letters in _NUMERALS:
        count, number = divmod(number, value)
        text.append(letters * count)
    return "".join(text)


def from_roman(text: str) -> int | None:
    """The value of a well-formed Roman numeral, in either case; None for anything else."""
    text = text.strip().upper()
    if not text or not _SHAPE.match(text):
        return None
    total = 0
    for index, char in enumerate(text):
        value = _VALUES[char]
        following = _VALUES[text[index + 1]] if index + 1 < len(text) else 0
        total += -value if value < following else value
    return total
