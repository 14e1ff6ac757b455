"""Vietnamese text helpers: diacritic-free search keys and Vietnamese sort order.

Search folds diacritics so that "cai cach" finds "cải cách". Sorting follows the
Vietnamese alphabet (a ă â b c d đ e ê … o ô ơ … u ư …), which neither byte order nor
the database's default collation gives: both put "Đ" after "Z".
"""

import re
import unicodedata

from unidecode import unidecode


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class _Ascii(dict[int, str]):
    """Each character's ASCII transliteration, looked up once: unidecode works character by
    character, so translating through this table gives exactly what unidecode gives, at
    the speed of `str.translate` (an import folds every title and name it reads)."""

    def __missing__(self, codepoint: int) -> str:
        value = self[codepoint] = unidecode(chr(codepoint))
        return value


_ASCII = _Ascii()


def fold(text: str) -> str:
    """Lower case, no diacritics, single spaces: the key that search compares."""
    text = nfc(text or "")
    if not text.isascii():
        text = text.translate(_ASCII)
    return " ".join(text.lower().split())


_ALPHABET = "aăâbcdđeêfghiîjklmnoôơpqrstuưvwxyz"
_LETTER_RANK = {letter: index for index, letter in enumerate(_ALPHABET)}
# Tone marks sort after the base letter, in the order dictionaries use:
# none, huyền, sắc, hỏi, ngã, nặng.
_TONES = {"\u0300": 1, "\u0301": 2, "\u0309": 3, "\u0303": 4, "\u0323": 5}
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter


def _split(char: str) -> tuple[str, int]:
    decomposed = unicodedata.normalize("NFD", char.lower())
    base = decomposed[0]
    tone = 0
    for mark in decomposed[1:]:
        if mark in _TONES:
            tone = _TONES[mark]
        elif mark in _LETTER_MARKS:
            base += mark
    return unicodedata.normalize("NFC", base), tone


def sort_key(text: str) -> str:
    """A string whose plain ordering is Vietnamese alphabetical order of `text`.

    Letters compare first (đ after d, ơ after ô …); tones break ties, as in dictionaries.
    It is a string so that it can be stored in a column and ordered by the database.
    """
    primary = []
    tones = []
    for char in nfc(text or ""):
        base, tone = _split(char)
        rank = _LETTER_RANK.get(base)
        if rank is not None:
            primary.append(chr(0x100 + rank))
        elif base.isdigit():
            primary.append(chr(0x30 + int(base)) if base.isascii() else base)
        elif base.isspace():
            primary.append(" ")
        elif base.isalnum():
            primary.append(base)
        else:
            continue  # punctuation does not decide order
        tones.append(chr(0x41 + tone))
    return "".join(primary) + "\x01" + "".join(tones)


# A list item's bullet at the start of a line: never a wrapped line's continuation.
LINE_BULLETS = "-+•–—*·◦▪►➢❖"
# A line that ends like this is cut in the middle of a name or a list ("Sở Kế hoạch và",
# "UBND các huyện, thị xã,", "Sở Lao động -").
_CUT_AT = re.compile(r"(?:[,(&/–-]|(?<!\S)(?:và|các|cấp|của|thuộc|với|cùng))$", re.IGNORECASE)


_OWN_ITEM = re.compile(r"(?:các|những|tất cả)\s", re.IGNORECASE)


def join_wrapped_lines(text: str) -> str:
    """Join the lines of a table cell that an officer broke inside one name or one list,
    because the column is narrow: a line that starts in lower case or with a bracket
    ("pháp", "thị xã, thành phố", "(Ban Thi đua - Khen thưởng)"), or follows a line cut
    at a comma, a dash or a joining word. A line that starts with a capital or a bullet
    after a complete one is a new item, as in "Sở Nội vụ" over "Sở Tư pháp"."""
    if "\n" not in text:
        return text
    lines: list[str] = []
    for line in text.split("\n"):
        if lines and continues(lines[-1], line):
            lines[-1] = f"{lines[-1].rstrip()} {line.strip()}"
        else:
            lines.append(line)
    return "\n".join(lines)


def continues(previous: str, line: str) -> bool:
    """Whether `line` goes on with `previous` in a cell (see `join_wrapped_lines`)."""
    previous, line = previous.rstrip(), line.strip()
    if not previous or not line or line[0] in LINE_BULLETS:
        return False
    if _CUT_AT.search(previous) or line[0] == "(":
        return True
    # "các cơ quan liên quan" on a line of its own names a group, even in lower case.
    return line[0].islower() and not _OWN_ITEM.match(line)
