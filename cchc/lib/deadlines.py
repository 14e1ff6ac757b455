"""Turn a plan's Vietnamese deadline phrase ("Thời gian hoàn thành") into due dates.

Plans state deadlines in free text: "Quý II, Quý III/2022", "Trước ngày 15/01/2022",
"Hằng quý", "Thường xuyên", "Theo quy định". ``parse_deadline`` reads such a phrase for
a plan year and returns a ``Schedule``: the untouched text, what kind of deadline it is,
the due dates that fall out of it, a reporting cadence when it repeats, and whether a
person still has to supply a date.

Semantics (docs/deadlines.md has the full table):

* A day is due on that day: "Ngày X", "đến ngày X", "chậm nhất ngày X", "trong ngày X".
  "Trước (ngày) X" means by the end of the day before X, so it is due on X - 1 day.
* A month, quarter, half year or year is due on its last day ("Quý I" -> 31/03).
  "Trước <period>" is due the day before the period starts ("Trước Quý IV" -> 30/09,
  "Trước tháng 1 năm liền kề" -> 31/12 of the plan year).
* "3/6/9 tháng (đầu năm)" are due on 31/03, 30/06, 30/09; "6 tháng cuối năm" on 31/12.
* A missing year is the plan year; an explicit year is kept even outside the plan year.
  "năm sau" / "năm liền kề" / "năm tiếp theo" / "năm kế tiếp" / "năm tới" is plan year + 1.
* Cadences ("Hằng tháng", "Hằng quý", "6 tháng một lần", "Hằng năm") give kind
  "recurring" and every occurrence in the plan year. "Hằng năm" written next to a
  date ("trước ngày 30/1 hằng năm") only marks that date as annual. A day that repeats
  ("trước ngày 15 hằng tháng", "ngày 20 của tháng cuối quý") is kind "day" with every
  occurrence and its cadence.
* "Thường xuyên" (also "liên tục", "hằng ngày", "hằng tuần") is kind "ongoing": no due
  date, reported every quarter.
* Lists ("Quý II, Quý III", "Tháng 5 và tháng 11") give one date per item; ranges
  ("Tháng 1-3", "từ quý II đến quý III") give the end of the range only.
* Parts of different kinds give kind "multiple"; ``recurring`` is then the finest
  cadence found. A phrase with nothing datable (or only invalid dates such as
  "30/02/2022", "Quý V", "Tháng 13") is kind "undated" and ``needs_date`` is True.
* Document citations ("Nghị định 32/2020/NĐ-CP", "số 15/KH-UBND ngày 12/3/2021") and
  text in brackets are not read as deadlines, unless brackets hold the only date.

Matching runs on a folded copy of the text (no diacritics, "đ" -> "d", lower case,
single spaces), so "Quy II", "QUÝ 2" and "quý  ii" read the same. ``parse_deadline``
never raises.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

from unidecode import unidecode

KINDS = (
    "day",
    "month",
    "quarter",
    "half_year",
    "year",
    "recurring",
    "ongoing",
    "multiple",
    "undated",
)

CADENCES = ("monthly", "quarterly", "semiannual", "annual")


@dataclass(frozen=True)
class Schedule:
    text: str
    kind: str
    due_dates: tuple[date, ...]
    recurring: str | None
    needs_date: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "kind": self.kind,
            "due_dates": [due.isoformat() for due in self.due_dates],
            "recurring": self.recurring,
            "needs_date": self.needs_date,
        }


def parse_deadline(text: str, year: int) -> Schedule:
    """Read ``text`` as a deadline within plan ``year``; never raises."""
    try:
        return _parse(text, year)
    except Exception:
        # A deadline phrase is user data: an unforeseen shape must leave the row
        # flagged for a person, not break an import or a page.
        return _undated(text if isinstance(text, str) else "")


# --- internals -------------------------------------------------------------------


@dataclass
class _Part:
    kind: str
    dates: tuple[date, ...]
    cadence: str | None
    start: int
    end: int
    # "Trước 20/6 và 20/12": a day read with "trước", which the next listed day shares.
    before: bool = False


_Handler = Callable[[re.Match[str], int], "_Part | None"]

_ROMAN = {
    "i": 1,
    "ii": 2,
    "iii": 3,
    "iv": 4,
    "v": 5,
    "vi": 6,
    "vii": 7,
    "viii": 8,
    "ix": 9,
    "x": 10,
    "xi": 11,
    "xii": 12,
}

# A quarter or month number. Arabic numbers must not run on into more digits (so the
# "20" of "2022" is never a month) nor be the day of a "d/m" date.
_NUM = r"(?:[ivx]+(?![a-z0-9])|\d{1,2}(?!\d)(?![/.]\d{1,2}(?!\d)))"
_NEXT_YEAR = r"(?:sau|lien ke|tiep theo|ke tiep|toi)"
# A year after a month or quarter: "/2022", "-2022", "năm 2022", "năm sau".
_YEAR_SUFFIX = (
    r"(?:\s*[/.-]\s*(?P<y>\d{4})(?!\d)"
    r"|\s*,?\s*(?:cua\s+)?nam\s+(?P<y2>\d{4})(?!\d)"
    rf"|\s*(?:cua\s+)?nam\s+(?P<nx>{_NEXT_YEAR})\b)?"
)
_LIST_SEP = r"(?:,|;|&|\+|\bva\b|\bhoac\b)"
_RANGE_SEP = r"(?:-|\bden\b|\btoi\b)"
_CADENCE_ORDER = {name: rank for rank, name in enumerate(CADENCES)}


def _fold(text: str) -> str:
    # unidecode turns "đ" into "d" and drops tone marks; NFC first so that text typed
    # with combining marks folds the same as precomposed text.
    folded = " ".join(unidecode(unicodedata.normalize("NFC", text)).lower().split())
    # "Quí" is the older spelling of "quý" and still written; same length, so positions
    # in the folded text stay those of the cell.
    return _OLD_QUY.sub("quy", folded)


_OLD_QUY = re.compile(r"(?<![a-z0-9])qui(?![a-z0-9])")
_LETTER_PREFIX = re.compile(r"(?<![a-z0-9])[qt](?=\d)")


def _number(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    return _ROMAN.get(token)


def _numbers(chunk: str) -> list[int | None]:
    chunk = _LETTER_PREFIX.sub(" ", chunk)  # "Q3, Q4", "T5, T11"
    return [
        _number(tok) for tok in re.findall(r"(?<![a-z0-9])(?:[ivx]+|\d{1,2})(?![a-z0-9])", chunk)
    ]


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except (ValueError, OverflowError):
        return None


def _day_before(day: date | None) -> date | None:
    if day is None:
        return None
    try:
        return day - timedelta(days=1)
    except OverflowError:
        return None


def _month_end(y: int, m: int) -> date | None:
    if not 1 <= m <= 12:
        return None
    first_of_next = _safe_date(y + 1, 1, 1) if m == 12 else _safe_date(y, m + 1, 1)
    if first_of_next is None:
        # Year 9999 has no next January; its December still ends on the 31st.
        return _safe_date(y, 12, 31) if m == 12 else None
    return _day_before(first_of_next)


def _quarter_end(y: int, q: int) -> date | None:
    return _month_end(y, q * 3) if 1 <= q <= 4 else None


def _quarter_start(y: int, q: int) -> date | None:
    return _safe_date(y, q * 3 - 2, 1) if 1 <= q <= 4 else None


def _suffix_year(match: re.Match[str], year: int) -> int:
    groups = match.groupdict()
    explicit = groups.get("y") or groups.get("y2")
    if explicit:
        return int(explicit)
    if groups.get("nx"):
        return year + 1
    return year


def _two_digit_year(token: str) -> int:
    # "15/01/22" in a plan written in the 2020s means 2022.
    return 2000 + int(token) if len(token) == 2 else int(token)


def _dates(values: list[date | None]) -> tuple[date, ...]:
    return tuple(sorted({value for value in values if value is not None}))


def _part(
    match: re.Match[str], kind: str, values: list[date | None], cadence: str | None = None
) -> _Part:
    return _Part(kind, _dates(values), cadence, match.start(), match.end())


# Each handler reads one match. Returning None leaves the text for later patterns;
# returning a part with no dates consumes the text as an invalid (undatable) part.


def _ongoing(match: re.Match[str], year: int) -> _Part:
    # Work done continuously is still reported each reporting period, i.e. quarterly.
    return _part(match, "ongoing", [], "quarterly")


def _monthly_day(match: re.Match[str], year: int) -> _Part:
    day = int(match["d"])
    values: list[date | None] = []
    if 1 <= day <= 31:
        for month in range(1, 13):
            end = _month_end(year, month)
            # "ngày 31 hằng tháng" falls on the last day of shorter months.
            due = _safe_date(year, month, min(day, end.day)) if end else None
            values.append(_day_before(due) if match["pre"] else due)
    return _part(match, "day", values, "monthly")


def _quarterly_day(match: re.Match[str], year: int) -> _Part:
    day = int(match["d"])
    values: list[date | None] = []
    for month in (3, 6, 9, 12):
        due = _safe_date(year, month, day)
        values.append(_day_before(due) if match["pre"] else due)
    return _part(match, "day", values, "quarterly")


def _day_numeric(match: re.Match[str], year: int) -> _Part | None:
    has_ngay = bool(match["ngay"])
    sep = match["s1"]
    raw_year = match["yr"]
    core = match.group("core")
    if not has_ngay:
        # Without "ngày", "2.5" or "1-3" are more likely amounts or ranges than dates,
        # and spaced-out numbers are not a date either.
        if sep in ".-" and not raw_year:
            return None
        if any(ch.isspace() for ch in core):
            return None
        # "tháng 01-02/2022" is a span of months, read by the month pattern ("6 tháng
        # trước 15/6" is not: "trước" stands between).
        if not match["pre"] and re.search(r"\b(?:thang|quy)\s*$", match.string[: match.start()]):
            return None
    day_year = _two_digit_year(raw_year) if raw_year else _suffix_year(match, year)
    due = _safe_date(day_year, int(match["m"]), int(match["d"]))
    return _before(_part(match, "day", [_day_before(due) if match["pre"] else due]), match)


def _before(part: _Part, match: re.Match[str]) -> _Part:
    part.before = bool(match["pre"])
    return part


def _day_words(match: re.Match[str], year: int) -> _Part:
    month = _number(match["m"])
    due = _safe_date(_suffix_year(match, year), month, int(match["d"])) if month else None
    return _before(_part(match, "day", [_day_before(due) if match["pre"] else due]), match)


def _cadence(name: str) -> _Handler:
    def handler(match: re.Match[str], year: int) -> _Part:
        return _part(match, "recurring", _cadence_dates(name, year), name)

    return handler


def _cadence_dates(name: str, year: int) -> list[date | None]:
    months = {
        "monthly": range(1, 13),
        "quarterly": (3, 6, 9, 12),
        "semiannual": (6, 12),
        "annual": (12,),
    }[name]
    return [_month_end(year, month) for month in months]


def _period(match: re.Match[str], year: int) -> _Part:
    months = int(match["n"])
    period_year = _suffix_year(match, year)
    tail = match["w"] == "cuoi"
    kinds = {3: "quarter", 6: "half_year", 9: "quarter", 12: "year"}
    if months not in kinds:
        # "trong 2 tháng" is a duration, not a reporting period: nothing to date.
        return _part(match, "month", [])
    due = _month_end(period_year, 12 if tail else months)
    return _part(match, kinds[months], [due])


def _half(match: re.Match[str], year: int) -> _Part:
    due = _month_end(year, 12 if match["w"] == "cuoi" else 6)
    return _part(match, "half_year", [due])


def _listed(match: re.Match[str]) -> list[int | None]:
    numbers = _numbers(match["first"] + " " + match["rest"])
    if match["last"]:
        # A range is finished when its last period ends; "trước" a range means
        # before its first period starts.
        return [numbers[0]] if match["pre"] else [_number(match["last"])]
    return numbers


def _quarter(match: re.Match[str], year: int) -> _Part:
    quarter_year = _suffix_year(match, year)
    numbers = _listed(match)
    values: list[date | None] = []
    for number in numbers:
        if number is None:
            continue
        if match["pre"]:
            values.append(_day_before(_quarter_start(quarter_year, number)))
        else:
            values.append(_quarter_end(quarter_year, number))
    return _part(match, "quarter", values)


def _month(match: re.Match[str], year: int) -> _Part:
    month_year = _suffix_year(match, year)
    numbers = _listed(match)
    values: list[date | None] = []
    for number in numbers:
        if number is None or not 1 <= number <= 12:
            continue
        if match["pre"]:
            values.append(_day_before(_safe_date(month_year, number, 1)))
        else:
            values.append(_month_end(month_year, number))
    return _part(match, "month", values)


def _month_cell(match: re.Match[str], year: int) -> _Part:
    # A cell holding only "12/2022" is a month; inside a longer phrase such a pair is
    # more often a document number ("32/2020"), so only a whole cell is read.
    month, month_year = int(match["m"]), int(match["y"])
    if not 1 <= month <= 12:
        return _part(match, "month", [])
    if match["pre"]:
        return _part(match, "month", [_day_before(_safe_date(month_year, month, 1))])
    return _part(match, "month", [_month_end(month_year, month)])


def _year(match: re.Match[str], year: int) -> _Part:
    groups = match.groupdict()
    if groups.get("yy"):
        target = int(groups["yy"])
    elif groups.get("nx"):
        target = year + 1
    else:
        target = year
    if groups.get("pre"):
        return _part(match, "year", [_day_before(_safe_date(target, 1, 1))])
    return _part(match, "year", [_month_end(target, 12)])


def _years(match: re.Match[str], year: int) -> _Part | None:
    # A span of years holding the plan year is this year's share of a longer task: due
    # at the plan year's end. Any other span is due when it ends, as other ranges are.
    first, last = int(match["y1"]), int(match["y2"])
    if first > last:
        return None
    target = year if first <= year <= last else last
    return _part(match, "year", [_month_end(target, 12)])


_Q_WORD = r"(?:(?<![a-z0-9])quy\s*|(?<![a-z0-9])q(?=\d))"
# "T12/2022", "T6": the abbreviation officers write in a tight cell, as "Q3" for a quarter.
_M_WORD = r"(?:(?<![a-z0-9])(?<!\d\s)thang\s*|(?<![a-z0-9])t(?=\d))"


def _listed_pattern(word: str) -> str:
    return (
        rf"(?:(?P<pre>truoc)\s+)?{word}(?P<first>{_NUM})"
        rf"(?P<rest>(?:\s*{_LIST_SEP}\s*(?:{word})?{_NUM}(?!\s*(?:thang|quy|ngay)\b))*)"
        rf"(?:\s*{_RANGE_SEP}\s*(?:{word})?(?P<last>{_NUM}))?"
        rf"{_YEAR_SUFFIX}"
    )


_PATTERNS: tuple[tuple[re.Pattern[str], _Handler], ...] = tuple(
    (re.compile(pattern), handler)
    for pattern, handler in (
        (r"\b(?:thuong xuyen|lien tuc|hang ngay|moi ngay|hang tuan|moi tuan)\b", _ongoing),
        (
            r"(?:(?P<pre>truoc)\s+)?\bngay\s*(?P<d>\d{1,2})(?!\d)"
            r"\s*(?:cua\s+)?(?:hang|moi)\s+thang\b",
            _monthly_day,
        ),
        (
            # "Hằng tháng, trước ngày 25", "Hằng tháng (chậm nhất ngày 20)": a day of no
            # month after the monthly cadence is that day of every month.
            r"\b(?:hang|moi|dinh ky)\s+thang\s*[,:]?\s*"
            r"(?:(?P<pre>truoc)\s+|(?:cham nhat|vao|den|trong)\s+)?\bngay\s*(?P<d>\d{1,2})"
            r"(?!\d)(?!\s*[/.-]\s*\d)(?!\s*(?:cua\s+)?thang)",
            _monthly_day,
        ),
        (
            r"(?:(?P<pre>truoc)\s+)?\bngay\s*(?P<d>\d{1,2})(?!\d)"
            r"\s*(?:cua\s+)?thang\s+cuoi\s+(?:cua\s+)?(?:moi\s+|hang\s+)?quy\b",
            _quarterly_day,
        ),
        (
            r"(?:(?P<pre>truoc)\s+)?(?:\b(?P<ngay>ngay)\s*)?(?<![0-9/.-])"
            r"(?P<core>(?P<d>\d{1,2})\s*(?P<s1>[/.-])\s*(?P<m>\d{1,2})(?!\d)"
            r"(?:\s*(?P=s1)\s*(?P<yr>\d{4}|\d{2})(?!\d))?)(?![/.-]?\d)"
            rf"(?:\s+(?:cua\s+)?nam\s+(?P<nx>{_NEXT_YEAR})\b)?",
            _day_numeric,
        ),
        (
            r"(?:(?P<pre>truoc)\s+)?\bngay\s*(?P<d>\d{1,2})(?!\d)\s*thang\s*"
            rf"(?P<m>\d{{1,2}}(?!\d)|[ivx]+(?![a-z0-9])){_YEAR_SUFFIX}",
            _day_words,
        ),
        (
            r"(?:\b(?:hang|moi|dinh ky)\s+thang\b|\b(?:1|mot)\s+thang\s*(?:/|mot|1)\s*lan\b)",
            _cadence("monthly"),
        ),
        (
            r"(?:\b(?:hang|moi|dinh ky)\s+quy\b(?!\s*(?:[ivx]+|\d)(?![a-z0-9]))"
            r"|\b(?:3|ba)\s+thang\s*(?:/|mot|1)\s*lan\b|\bquy\s*(?:/|mot|1)\s*lan\b)",
            _cadence("quarterly"),
        ),
        (
            r"(?:\b(?:6|sau)\s+thang\s*(?:/|mot|1)\s*lan\b"
            r"|\b(?:hang|moi|dinh ky)\s+(?:6|sau)\s+thang\b|\bnua nam\s*(?:/|mot|1)\s*lan\b)",
            _cadence("semiannual"),
        ),
        (
            # "… và các năm tiếp theo": every year from then on, not next year's date.
            r"(?:\b(?:hang|moi|dinh ky)\s+nam\b(?!\s*\d)|\b(?:1|mot)?\s*nam\s*(?:/|mot|1)\s*lan\b"
            rf"|\b(?:cac|nhung)\s+nam\s+{_NEXT_YEAR}\b)",
            _cadence("annual"),
        ),
        (
            r"(?<![0-9/.-])(?<!\d\s)(?P<n>\d{1,2})\s+thang(?:\s+(?P<w>dau|cuoi))?"
            r"(?:\s+nam\b(?:\s+(?P<y2>\d{4})(?!\d))?)?",
            _period,
        ),
        (r"\bnua\s+(?P<w>dau|cuoi)\s+nam\b", _half),
        (_listed_pattern(_Q_WORD), _quarter),
        (_listed_pattern(_M_WORD), _month),
        (
            # "Giai đoạn 2022-2025", "Năm 2022 - 2025", "Từ năm 2022 đến năm 2025": at the
            # start of the cell only. Further on, a span names a programme ("Theo Chương
            # trình tổng thể CCHC giai đoạn 2021-2030"), not a deadline.
            r"^\s*(?:(?:giai doan|gd|tu|trong|cac)\s+)?(?:nam\s+)?"
            r"(?P<y1>(?:19|20)\d\d)\s*(?:-|\bden\b|\btoi\b)\s*(?:nam\s+)?"
            r"(?P<y2>(?:19|20)\d\d)(?![0-9/.-])",
            _years,
        ),
        (
            # "Đầu năm 2022", "giữa năm 2022" are as vague as "đầu năm": no date.
            r"(?:(?P<pre>truoc)\s+)?(?:\b(?:trong|ca|cuoi|het|quanh|suot)\s+)?(?<!dau )(?<!giua )"
            r"\bnam\s*"
            rf"(?:(?P<yy>\d{{4}})(?!\d)|(?P<nx>{_NEXT_YEAR})\b)",
            _year,
        ),
        (r"\b(?:ca|trong|cuoi|het|quanh|suot)\s+nam(?:\s+nay)?\b|\bnam nay\b", _year),
        (r"^\s*(?:(?P<pre>truoc)\s+)?(?P<m>\d{1,2})\s*[/.-]\s*(?P<y>\d{4})\s*$", _month_cell),
        # A cell holding only a year ("2022") is that year, as "Năm 2022".
        (r"^\s*(?:(?P<pre>truoc)\s+)?(?P<yy>(?:19|20)\d\d)\s*$", _year),
    )
)

# Words that may sit in front of a bare "quý"/"tháng"/"năm" in a list such as
# "Báo cáo quý, 6 tháng, năm".
_LIST_FILLER = re.compile(r"^(?:bao cao\s+|dinh ky\s+|theo\s+|ky\s+)*")
_BARE = {"quy": "quarterly", "thang": "monthly"}

# Document references ("Nghị định 32/2020/NĐ-CP", "số 123/QĐ-UBND ngày 12/3/2021") hold
# numbers and dates that are not deadlines.
_REFERENCES = re.compile(
    r"(?:\b(?:nghi dinh|nghi quyet|quyet dinh|thong tu|chi thi|cong van|luat|nd|qd|tt"
    r"|ke hoach so|so)\s+(?:so\s+)?\d+(?:/\d+)*(?:/[a-z][a-z0-9-]*)?"
    r"|(?<![0-9/.-])\d+(?:/\d+)*/(?:[a-z]{1,8}(?:-[a-z0-9]+)+|(?:nd|qd|tt|kh|ct|nq|cv|tb|bc)\b))"
    r"(?:\s*,?\s*ngay\s+\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{4})?"
)
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")


def _undated(text: str) -> Schedule:
    return Schedule(text=text, kind="undated", due_dates=(), recurring=None, needs_date=True)


def _collect(folded: str, year: int) -> list[_Part]:
    work = _REFERENCES.sub(lambda m: " " * len(m.group()), folded)
    parts: list[_Part] = []
    for pattern, handler in _PATTERNS:
        for match in list(pattern.finditer(work)):
            part = handler(match, year)
            if part is None:
                continue
            parts.append(part)
            # Blank the text out, keeping offsets, so later patterns cannot reread it.
            work = work[: match.start()] + " " * (match.end() - match.start()) + work[match.end() :]
    parts.extend(_bare_tokens(work, year))
    parts.sort(key=lambda part: part.start)
    _share_before(folded, parts)
    return _attach_annual(folded, _named_days(folded, _collapse_ranges(folded, parts)))


def _share_before(folded: str, parts: list[_Part]) -> None:
    # "Trước 20/6 và 20/12", "trước ngày 15/6, ngày 15/12": the "trước" of the first day
    # is said once for the list.
    for previous, part in pairwise(parts):
        if (
            previous.before
            and part.kind == "day"
            and part.cadence is None
            and not part.before
            and part.dates
            and re.fullmatch(r"\s*(?:,|;|\bva\b|\bhoac\b)\s*", folded[previous.end : part.start])
        ):
            part.dates = _dates([_day_before(due) for due in part.dates])
            part.before = True


def _collapse_ranges(folded: str, parts: list[_Part]) -> list[_Part]:
    # "Tháng 10/2022 - tháng 12/2022", "từ ngày 1/3 đến ngày 31/3": work over a span is
    # due when the span ends.
    kept: list[_Part] = []
    for part in parts:
        previous = kept[-1] if kept else None
        if (
            previous is not None
            and previous.kind == part.kind
            and part.kind in _SPECIFIC
            and re.fullmatch(r"\s*(?:-|den|toi)\s*", folded[previous.end : part.start])
        ):
            kept[-1] = part
            continue
        kept.append(part)
    return kept


_SPAN_MONTHS = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}


def _within(period: _Part, day: date) -> bool:
    """Whether `day` falls in one of the periods that end on `period`'s dates."""
    months = _SPAN_MONTHS[period.kind]
    for end in period.dates:
        first_month = end.month - months + 1
        first = date(end.year - (first_month <= 0), (first_month - 1) % 12 + 1, 1)
        if first <= day <= end:
            return True
    return False


def _named_days(folded: str, parts: list[_Part]) -> list[_Part]:
    # "Báo cáo 6 tháng trước 15/6", "báo cáo năm: trước 15/12", "Báo cáo quý trước ngày
    # 15 tháng cuối quý": a period followed by a day inside it names that day's report;
    # the day alone is due, not the period's end as well. A cadence followed by days
    # ("Hằng năm, trước ngày 15/12", "Báo cáo quý trước 15/3, 15/6, 15/9, 15/12") is due
    # on those days, at that cadence.
    dropped: set[int] = set()
    for index, (period, day) in enumerate(pairwise(parts)):
        if day.kind != "day" or not day.dates or folded[period.end : day.start].strip(" ,:"):
            continue
        if period.kind == "recurring":
            names_it = period.cadence is not None
            if names_it:
                cadence = day.cadence or period.cadence
                # The days listed with the first share its cadence.
                for listed in parts[index + 1 :]:
                    if listed.kind != "day" or listed.cadence not in (None, cadence):
                        break
                    listed.cadence = cadence
        else:
            names_it = (
                period.kind in _SPAN_MONTHS
                and period.cadence is None
                and bool(period.dates)
                and all(_within(period, due) for due in day.dates)
            )
        if names_it:
            dropped.add(index)
    return [part for index, part in enumerate(parts) if index not in dropped]


def _bare_tokens(work: str, year: int) -> list[_Part]:
    parts: list[_Part] = []
    for segment in re.finditer(r"[^,;&+]+", work):
        for piece in re.finditer(r"(?:(?!\bva\b|\bhoac\b).)+", segment.group()):
            word = _LIST_FILLER.sub("", piece.group().strip())
            start = segment.start() + piece.start()
            if word in _BARE:
                cadence = _BARE[word]
                dates = _dates(_cadence_dates(cadence, year))
                parts.append(_Part("recurring", dates, cadence, start, start + len(piece.group())))
            elif word == "nam":
                dates = _dates([_month_end(year, 12)])
                parts.append(_Part("year", dates, None, start, start + len(piece.group())))
    return parts


def _attach_annual(folded: str, parts: list[_Part]) -> list[_Part]:
    # "trước ngày 30/1 hằng năm" and "Hằng năm, trước ngày 15/12" are one annual
    # deadline, not a date plus a year end.
    def joinable(first: _Part, second: _Part) -> bool:
        return re.fullmatch(r"[\s,:]*", folded[first.end : second.start]) is not None

    def specific(part: _Part) -> bool:
        return part.kind in _SPECIFIC and bool(part.dates) and part.cadence is None

    dropped: set[int] = set()
    for index, part in enumerate(parts):
        if part.kind != "recurring" or part.cadence != "annual":
            continue
        before = parts[index - 1] if index > 0 and index - 1 not in dropped else None
        after = parts[index + 1] if index + 1 < len(parts) else None
        if before is not None and specific(before) and joinable(before, part):
            before.cadence = "annual"
        elif after is not None and specific(after) and joinable(part, after):
            after.cadence = "annual"
        else:
            continue
        dropped.add(index)
    return [part for index, part in enumerate(parts) if index not in dropped]


_SPECIFIC = ("day", "month", "quarter", "half_year")


def _parse(text: str, year: int) -> Schedule:
    folded = _fold(text)
    # Brackets usually cite sources ("(Nghị định 32/2020/NĐ-CP)"); read them only when
    # the rest of the phrase gives nothing.
    outside = folded
    while True:
        stripped = _BRACKETED.sub(" ", outside)
        if stripped == outside:
            break
        outside = stripped
    parts = [part for part in _collect(outside, year) if part.dates or part.kind == "ongoing"]
    if outside != folded and all(part.kind == "recurring" for part in parts):
        # Nothing outside the brackets, or only a cadence whose day the brackets give:
        # "Hằng năm (trước 15/12)", "Hằng tháng (trước ngày 25)".
        inside = folded.replace("(", " ").replace(")", " ").replace("[", " ").replace("]", " ")
        found = [part for part in _collect(inside, year) if part.dates or part.kind == "ongoing"]
        if not parts or any(part.kind in _SPECIFIC for part in found):
            parts = found
    if not parts:
        return _undated(text)
    kinds = {part.kind for part in parts}
    kind = kinds.pop() if len(kinds) == 1 else "multiple"
    cadences = [part.cadence for part in parts if part.cadence]
    cadence = min(cadences, key=_CADENCE_ORDER.__getitem__) if cadences else None
    due_dates = tuple(sorted({due for part in parts for due in part.dates}))
    return Schedule(text=text, kind=kind, due_dates=due_dates, recurring=cadence, needs_date=False)
