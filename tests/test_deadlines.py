"""Deadline phrases from the plan ("Thời gian hoàn thành") read as due dates."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from unidecode import unidecode

from cchc.lib.deadlines import KINDS, Schedule, parse_deadline

YEAR = 2022
QUARTER_ENDS = (date(2022, 3, 31), date(2022, 6, 30), date(2022, 9, 30), date(2022, 12, 31))


def month_end(year: int, month: int) -> date:
    first_of_next = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return first_of_next - timedelta(days=1)


MONTH_ENDS = tuple(month_end(2022, month) for month in range(1, 13))
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


def dates(*isos: str) -> tuple[date, ...]:
    return tuple(date.fromisoformat(iso) for iso in isos)


def outcome(schedule: Schedule) -> tuple[str, tuple[date, ...], str | None, bool]:
    return schedule.kind, schedule.due_dates, schedule.recurring, schedule.needs_date


# Every phrase of the real plan, with what it must give for plan year 2022.
PLAN_PHRASES = [
    ("Quý I", "quarter", dates("2022-03-31"), None),
    ("Quý IV", "quarter", dates("2022-12-31"), None),
    ("Quý II, Quý III/2022", "quarter", dates("2022-06-30", "2022-09-30"), None),
    ("Quý II, Quý III", "quarter", dates("2022-06-30", "2022-09-30"), None),
    ("Quý III, Quý IV", "quarter", dates("2022-09-30", "2022-12-31"), None),
    ("Tháng 01/2022", "month", dates("2022-01-31"), None),
    ("KH ban hành trong tháng 01/2022", "month", dates("2022-01-31"), None),
    ("Trước 25/12/2022", "day", dates("2022-12-24"), None),
    ("Trước ngày 15/01/2022", "day", dates("2022-01-14"), None),
    ("Trước ngày 18/11/2022", "day", dates("2022-11-17"), None),
    ("Trước ngày 31/01/2023", "day", dates("2023-01-30"), None),
    ("Trước ngày 30/01/2022", "day", dates("2022-01-29"), None),
    ("Trước ngày 10/12/2022", "day", dates("2022-12-09"), None),
    ("Tháng 5 và tháng 11", "month", dates("2022-05-31", "2022-11-30"), None),
    ("Hằng quý", "recurring", QUARTER_ENDS, "quarterly"),
    ("Hàng quý", "recurring", QUARTER_ENDS, "quarterly"),
    ("Năm 2022", "year", dates("2022-12-31"), None),
    ("Hoàn thành trước Quý IV", "quarter", dates("2022-09-30"), None),
    ("Hoàn thành trước tháng 1 năm liền kề", "month", dates("2022-12-31"), None),
    ("Thường xuyên", "ongoing", (), "quarterly"),
    ("Theo quy định", "undated", (), None),
    ("Theo Kế hoạch phê duyệt", "undated", (), None),
    ("Theo quy định về nội dung, mốc thời gian báo cáo", "undated", (), None),
]


@pytest.mark.parametrize(("text", "kind", "due", "recurring"), PLAN_PHRASES)
def test_it_reads_every_phrase_of_the_plan(
    text: str, kind: str, due: tuple[date, ...], recurring: str | None
) -> None:
    schedule = parse_deadline(text, YEAR)
    assert schedule == Schedule(text, kind, due, recurring, kind == "undated")


@pytest.mark.parametrize(("text", "kind", "due", "recurring"), PLAN_PHRASES)
def test_it_reads_the_plan_phrases_without_diacritics_in_upper_case_and_spread_out(
    text: str, kind: str, due: tuple[date, ...], recurring: str | None
) -> None:
    for variant in (
        unidecode(text),
        text.upper(),
        unidecode(text).upper(),
        "  " + "\n ".join(text.split()) + "\t",
    ):
        assert outcome(parse_deadline(variant, YEAR)) == (kind, due, recurring, kind == "undated")


def test_it_dates_a_quarter_to_its_last_day() -> None:
    for number, end in enumerate(QUARTER_ENDS, start=1):
        assert parse_deadline(f"Quý {ROMAN[number - 1]}", YEAR).due_dates == (end,)
        assert parse_deadline(f"Quý {number}", YEAR).due_dates == (end,)
        assert parse_deadline(f"quy 0{number}/2022", YEAR).due_dates == (end,)


def test_it_dates_a_month_to_its_last_day() -> None:
    assert parse_deadline("Tháng 2", 2024).due_dates == dates("2024-02-29")
    assert parse_deadline("Tháng 2", YEAR).due_dates == dates("2022-02-28")
    assert parse_deadline("tháng XII", YEAR).due_dates == dates("2022-12-31")
    assert parse_deadline("Tháng 12-2022", YEAR).due_dates == dates("2022-12-31")
    assert parse_deadline("Tháng 3.2022", YEAR).due_dates == dates("2022-03-31")
    assert parse_deadline("tháng 1 năm 2023", YEAR).due_dates == dates("2023-01-31")


def test_it_dates_trước_ngày_to_the_day_before() -> None:
    assert parse_deadline("Trước ngày 15/01/2022", YEAR).due_dates == dates("2022-01-14")
    assert parse_deadline("trước ngày 1/1/2023", YEAR).due_dates == dates("2022-12-31")
    assert parse_deadline("Trước ngày 1-3-2024", YEAR).due_dates == dates("2024-02-29")


def test_it_dates_ngày_đến_ngày_chậm_nhất_ngày_to_that_day() -> None:
    for text in (
        "Ngày 15/01/2022",
        "đến ngày 15/01/2022",
        "Chậm nhất ngày 15/01/2022",
        "trong ngày 15.01.2022",
        "Ngày 15 tháng 01 năm 2022",
        "15/1/2022",
    ):
        assert outcome(parse_deadline(text, YEAR)) == ("day", dates("2022-01-15"), None, False)


def test_it_gives_a_day_without_year_the_plan_year() -> None:
    assert parse_deadline("Trước 25/12", YEAR).due_dates == dates("2022-12-24")
    assert parse_deadline("Trước 25/12", 2030).due_dates == dates("2030-12-24")
    annual = parse_deadline("trước ngày 30/1 hằng năm", YEAR)
    assert outcome(annual) == ("day", dates("2022-01-29"), "annual", False)


def test_it_keeps_an_explicit_year_outside_the_plan_year() -> None:
    assert parse_deadline("Trước ngày 31/01/2023", YEAR).due_dates == dates("2023-01-30")
    assert parse_deadline("Quý I/2023", YEAR).due_dates == dates("2023-03-31")
    assert parse_deadline("Quý 4 năm sau", YEAR).due_dates == dates("2023-12-31")


def test_it_dates_trước_a_period_to_the_day_before_it_starts() -> None:
    assert parse_deadline("Trước tháng 6", YEAR).due_dates == dates("2022-05-31")
    assert parse_deadline("Hoàn thành trước Quý IV", YEAR).due_dates == dates("2022-09-30")
    assert parse_deadline("Trước tháng 1 năm sau", YEAR).due_dates == dates("2022-12-31")
    assert parse_deadline("Trước năm 2023", YEAR).due_dates == dates("2022-12-31")


def test_it_dates_half_years_and_nine_months() -> None:
    assert outcome(parse_deadline("6 tháng đầu năm", YEAR)) == (
        "half_year",
        dates("2022-06-30"),
        None,
        False,
    )
    assert parse_deadline("6 tháng cuối năm", YEAR).due_dates == dates("2022-12-31")
    assert parse_deadline("Nửa cuối năm", YEAR).due_dates == dates("2022-12-31")
    assert outcome(parse_deadline("9 tháng", YEAR)) == ("quarter", dates("2022-09-30"), None, False)


def test_it_dates_a_whole_year_to_its_last_day() -> None:
    for text in ("Năm 2022", "Trong năm 2022", "Cả năm", "cuối năm"):
        assert outcome(parse_deadline(text, YEAR)) == ("year", dates("2022-12-31"), None, False)


def test_it_reads_a_report_list_as_multiple_dates() -> None:
    schedule = parse_deadline("Quý, 6 tháng, năm", YEAR)
    assert outcome(schedule) == ("multiple", QUARTER_ENDS, "quarterly", False)


def test_it_reads_a_mix_of_kinds_as_multiple() -> None:
    schedule = parse_deadline("Quý II và tháng 11", YEAR)
    assert outcome(schedule) == ("multiple", dates("2022-06-30", "2022-11-30"), None, False)


def test_it_gives_every_occurrence_of_a_cadence() -> None:
    assert outcome(parse_deadline("Hằng tháng", YEAR)) == (
        "recurring",
        MONTH_ENDS,
        "monthly",
        False,
    )
    assert outcome(parse_deadline("6 tháng một lần", YEAR)) == (
        "recurring",
        dates("2022-06-30", "2022-12-31"),
        "semiannual",
        False,
    )
    assert outcome(parse_deadline("Hằng năm", YEAR)) == (
        "recurring",
        dates("2022-12-31"),
        "annual",
        False,
    )


def test_it_reads_ongoing_work_as_reported_quarterly_without_a_date() -> None:
    for text in ("Thường xuyên", "Hoàn thành thường xuyên", "THUONG XUYEN"):
        assert outcome(parse_deadline(text, YEAR)) == ("ongoing", (), "quarterly", False)


@pytest.mark.parametrize(
    "text",
    [
        "Theo quy định",
        "Theo quy dinh",
        "THEO QUY ĐỊNH",
        "Theo Kế hoạch phê duyệt",
        "Theo quy định về nội dung, mốc thời gian báo cáo",
        "Theo yêu cầu",
        "",
        "   \n ",
        "xyzzy ### 12",
        "Quy trình",
    ],
)
def test_it_flags_theo_quy_dinh_as_needing_a_date(text: str) -> None:
    assert parse_deadline(text, YEAR) == Schedule(text, "undated", (), None, True)


def test_it_reads_quy_without_diacritics_as_a_quarter_only_before_a_numeral() -> None:
    assert parse_deadline("quy I", YEAR).due_dates == dates("2022-03-31")
    assert parse_deadline("Theo quy dinh", YEAR).kind == "undated"


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("Quí III", dates("2022-09-30")),
        ("Trong quí IV năm 2022", dates("2022-12-31")),
        ("QUÍ II", dates("2022-06-30")),
        ("T12/2022", dates("2022-12-31")),
        ("T6", dates("2022-06-30")),
        ("T5, T11", dates("2022-05-31", "2022-11-30")),
        ("Trước T10/2022", dates("2022-09-30")),
        ("Q3, Q4", dates("2022-09-30", "2022-12-31")),
    ],
)
def test_it_reads_the_old_spelling_qui_and_months_written_t12(
    text: str, due: tuple[date, ...]
) -> None:
    schedule = parse_deadline(text, YEAR)
    assert (schedule.due_dates, schedule.needs_date) == (due, False)


def test_t_before_a_number_inside_a_word_or_code_is_not_a_month() -> None:
    assert parse_deadline("Theo TT 01/2022/TT-BNV", YEAR).kind == "undated"
    assert parse_deadline("Quy trình", YEAR).kind == "undated"
    assert parse_deadline("Đợt 3", YEAR).kind == "undated"


def test_it_does_not_read_a_decree_number_as_a_date() -> None:
    text = "Trước ngày 30/01/2022 (Nghị định 32/2020/NĐ-CP về quản lý)"
    assert parse_deadline(text, YEAR).due_dates == dates("2022-01-29")
    assert parse_deadline("Theo NĐ 32/2020", YEAR).kind == "undated"
    cited = "Tháng 12/2022 (Kế hoạch số 15/KH-UBND ngày 12/3/2021)"
    assert parse_deadline(cited, YEAR).due_dates == dates("2022-12-31")


@pytest.mark.parametrize("text", ["30/02/2022", "Quý V", "Tháng 13", "Trước ngày 32/1"])
def test_it_treats_an_invalid_date_as_undatable(text: str) -> None:
    assert outcome(parse_deadline(text, YEAR)) == ("undated", (), None, True)


def test_it_keeps_the_valid_part_next_to_an_invalid_one() -> None:
    assert outcome(parse_deadline("Quý V, tháng 11", YEAR)) == (
        "month",
        dates("2022-11-30"),
        None,
        False,
    )


def test_it_dates_a_range_to_its_end() -> None:
    assert parse_deadline("Tháng 1-3", YEAR).due_dates == dates("2022-03-31")
    assert parse_deadline("tháng 01-02/2022", YEAR).due_dates == dates("2022-02-28")
    assert parse_deadline("từ quý II đến quý III", YEAR).due_dates == dates("2022-09-30")
    assert parse_deadline("Tháng 10/2022 - tháng 12/2022", YEAR).due_dates == dates("2022-12-31")


def test_it_reads_a_day_repeated_each_month_or_quarter() -> None:
    monthly = parse_deadline("Trước ngày 15 hằng tháng", YEAR)
    assert monthly.kind == "day" and monthly.recurring == "monthly"
    assert monthly.due_dates == tuple(date(2022, month, 14) for month in range(1, 13))
    quarterly = parse_deadline("Trước ngày 20 của tháng cuối quý", YEAR)
    assert outcome(quarterly) == (
        "day",
        dates("2022-03-19", "2022-06-19", "2022-09-19", "2022-12-19"),
        "quarterly",
        False,
    )


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Hằng tháng, trước ngày 25", 24),
        ("Hàng tháng (trước ngày 25)", 24),
        ("Hằng tháng, chậm nhất ngày 20", 20),
        ("Định kỳ hằng tháng vào ngày 5", 5),
    ],
)
def test_it_reads_a_day_written_after_the_monthly_cadence(text: str, day: int) -> None:
    schedule = parse_deadline(text, YEAR)
    assert schedule.kind == "day" and schedule.recurring == "monthly"
    assert schedule.due_dates == tuple(date(2022, month, day) for month in range(1, 13))


def test_a_day_of_another_month_after_the_cadence_is_not_every_months_day() -> None:
    # "ngày 5 tháng sau" is not the 5th of the same month; the cadence's month ends stay.
    assert parse_deadline("Hằng tháng, ngày 5 tháng sau", YEAR).due_dates == MONTH_ENDS


def test_it_reads_hang_nam_next_to_a_date_as_that_date_every_year() -> None:
    for text in (
        "Trước ngày 15/12 hằng năm",
        "Hằng năm, trước ngày 15/12",
        "Hằng năm (trước 15/12)",
        "Hằng năm [trước ngày 15/12]",
    ):
        assert outcome(parse_deadline(text, YEAR)) == ("day", dates("2022-12-14"), "annual", False)
    # A bracket that cites a source still does not date the cadence.
    cited = parse_deadline("Hằng quý (Nghị định 32/2020/NĐ-CP)", YEAR)
    assert outcome(cited) == ("recurring", QUARTER_ENDS, "quarterly", False)


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("Trước 20/6 và 20/12", dates("2022-06-19", "2022-12-19")),
        ("Trước ngày 15/6, ngày 15/12", dates("2022-06-14", "2022-12-14")),
        ("Trước ngày 25 tháng 6 và ngày 25 tháng 12", dates("2022-06-24", "2022-12-24")),
        ("Trước ngày 15/6; ngày 31/12", dates("2022-06-14", "2022-12-30")),
        # a "trước" later in the list, or none at all, applies to what follows it only
        ("Ngày 15/6 và trước ngày 15/12", dates("2022-06-15", "2022-12-14")),
        ("Ngày 15/6 và 15/12", dates("2022-06-15", "2022-12-15")),
    ],
)
def test_one_trước_is_said_for_a_list_of_days(text: str, due: tuple[date, ...]) -> None:
    assert outcome(parse_deadline(text, YEAR)) == ("day", due, None, False)


@pytest.mark.parametrize("text", ["Năm 2022 và các năm tiếp theo", "Năm 2022 và những năm sau"])
def test_the_years_that_follow_are_every_year_not_next_years_date(text: str) -> None:
    assert outcome(parse_deadline(text, YEAR)) == ("multiple", dates("2022-12-31"), "annual", False)
    # One following year is still that year.
    assert parse_deadline("Quý I năm sau", YEAR).due_dates == dates("2023-03-31")


@pytest.mark.parametrize("text", ["Đầu năm", "Đầu năm 2022", "Giữa năm 2022", "giua nam 2022"])
def test_the_start_or_middle_of_a_year_needs_a_date(text: str) -> None:
    # Not the year's last day: an activity due "đầu năm" would be eleven months late.
    assert outcome(parse_deadline(text, YEAR)) == ("undated", (), None, True)


def test_it_reads_a_cell_holding_only_month_and_year() -> None:
    assert parse_deadline("12/2022", YEAR).due_dates == dates("2022-12-31")
    assert parse_deadline("Trước 12/2022", YEAR).due_dates == dates("2022-11-30")


def test_it_serialises_a_schedule_to_plain_values() -> None:
    assert parse_deadline("Quý II, Quý III", YEAR).as_dict() == {
        "text": "Quý II, Quý III",
        "kind": "quarter",
        "due_dates": ["2022-06-30", "2022-09-30"],
        "recurring": None,
        "needs_date": False,
    }


# --- properties --------------------------------------------------------------------

VOCABULARY = [
    "Quý", "quy", "I", "IV", "V", "2", "tháng", "01", "13", "/", "-", ".", ",", "và", "năm",
    "2022", "trước", "ngày", "30/01", "32/2020", "hằng", "hàng", "6", "9", "đầu", "cuối",
    "thường xuyên", "theo", "định", "(", ")", "NĐ-CP", "liền kề", "sau", "một lần", "\n",
]  # fmt: skip

texts = st.one_of(
    st.text(),
    st.lists(st.sampled_from(VOCABULARY), max_size=12).map(" ".join),
    st.lists(st.sampled_from(VOCABULARY), max_size=12).map("".join),
)
years = st.integers(min_value=1990, max_value=2100)


@settings(max_examples=100, deadline=None)
@given(text=texts, year=years)
def test_it_never_raises_and_always_returns_a_consistent_schedule(text: str, year: int) -> None:
    schedule = parse_deadline(text, year)
    assert schedule.text == text
    assert schedule.kind in KINDS
    assert list(schedule.due_dates) == sorted(set(schedule.due_dates))
    assert schedule.needs_date == (schedule.kind == "undated")
    if schedule.kind == "undated":
        assert schedule.due_dates == () and schedule.recurring is None


def casing(draw: st.DrawFn, text: str) -> str:
    return draw(st.sampled_from([text, text.lower(), text.upper(), text.title()]))


def spacing(draw: st.DrawFn) -> str:
    return draw(st.sampled_from([" ", "  ", "\n", " \t "]))


def numeral(draw: st.DrawFn, number: int) -> str:
    return draw(st.sampled_from([ROMAN[number - 1], str(number), f"{number:02d}"]))


def year_suffix(draw: st.DrawFn, year: int | None) -> str:
    if year is None:
        return ""
    return draw(st.sampled_from(["/", "-", ".", " năm ", "/ "])) + str(year)


@st.composite
def periods(draw: st.DrawFn) -> tuple[str, date]:
    """A quarter, month or day phrase in a random form, and the date it must give."""
    year = draw(st.none() | st.integers(min_value=1995, max_value=2095))
    target_year = YEAR if year is None else year
    kind = draw(st.sampled_from(["quarter", "month", "day"]))
    if kind == "quarter":
        number = draw(st.integers(min_value=1, max_value=4))
        word = draw(st.sampled_from(["Quý", "Quy"]))
        text = casing(draw, word) + spacing(draw) + numeral(draw, number) + year_suffix(draw, year)
        return text, month_end(target_year, number * 3)
    if kind == "month":
        number = draw(st.integers(min_value=1, max_value=12))
        word = draw(st.sampled_from(["Tháng", "Thang"]))
        text = casing(draw, word) + spacing(draw) + numeral(draw, number) + year_suffix(draw, year)
        return text, month_end(target_year, number)
    due = draw(st.dates(min_value=date(target_year, 1, 1), max_value=date(target_year, 12, 31)))
    separator = draw(st.sampled_from(["/", "-", "."]))
    day = draw(st.sampled_from([str(due.day), f"{due.day:02d}"]))
    month = draw(st.sampled_from([str(due.month), f"{due.month:02d}"]))
    text = casing(draw, draw(st.sampled_from(["Ngày", "Ngay", "Đến ngày", "Chậm nhất ngày"])))
    text += spacing(draw) + day + separator + month
    if year is not None:
        text += separator + str(year)
    return text, due


@settings(max_examples=100, deadline=None)
@given(case=periods())
def test_it_dates_generated_quarters_months_and_days_in_any_form(case: tuple[str, date]) -> None:
    text, due = case
    schedule = parse_deadline(text, YEAR)
    assert schedule.due_dates == (due,), text
    assert not schedule.needs_date


@settings(max_examples=100, deadline=None)
@given(case=periods(), prefix=st.sampled_from(["", "Hoàn thành ", "Trước ", "KH ban hành trong "]))
def test_folding_diacritics_never_changes_the_result(case: tuple[str, date], prefix: str) -> None:
    text = prefix + case[0]
    assert outcome(parse_deadline(unidecode(text), YEAR)) == outcome(parse_deadline(text, YEAR))


@settings(max_examples=100, deadline=None)
@given(
    due=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
    separator=st.sampled_from(["/", "-", "."]),
    plan_year=years,
)
def test_trước_ngày_is_always_the_day_before_ngày(
    due: date, separator: str, plan_year: int
) -> None:
    written = separator.join([str(due.day), str(due.month), str(due.year)])
    on_the_day = parse_deadline(f"ngày {written}", plan_year)
    before = parse_deadline(f"Trước ngày {written}", plan_year)
    assert on_the_day.due_dates == (due,)
    assert before.due_dates == (due - timedelta(days=1),)


QUARTER_14THS = ("2022-03-14", "2022-06-14", "2022-09-14", "2022-12-14")
HALF_AND_YEAR = ("2022-06-14", "2022-12-14")


@pytest.mark.parametrize(
    ("text", "kind", "due", "recurring"),
    [
        ("Báo cáo 6 tháng trước 15/6; báo cáo năm trước 15/12", "day", HALF_AND_YEAR, None),
        (
            "Báo cáo 6 tháng: trước ngày 15/6, báo cáo năm: trước ngày 15/12",
            "day",
            HALF_AND_YEAR,
            None,
        ),
        ("6 tháng trước 15/6", "day", ("2022-06-14",), None),
        ("Năm 2022, trước 15/12", "day", ("2022-12-14",), None),
        ("Quý I, trước ngày 20/3", "day", ("2022-03-19",), None),
        ("Báo cáo quý trước ngày 15 tháng cuối quý", "day", QUARTER_14THS, "quarterly"),
        ("Báo cáo quý trước 15/3, 15/6, 15/9, 15/12", "day", QUARTER_14THS, "quarterly"),
        ("Hằng năm trước ngày 15/6 và 15/12", "day", HALF_AND_YEAR, "annual"),
    ],
)
def test_a_report_named_before_its_day_is_due_on_that_day_only(
    text: str, kind: str, due: tuple[str, ...], recurring: str | None
) -> None:
    # Not the half year's or the year's last day as well: the report is due on its day.
    assert outcome(parse_deadline(text, YEAR)) == (kind, dates(*due), recurring, False)


@pytest.mark.parametrize(
    ("text", "due"),
    [
        # A day outside the period before it is a second deadline, not the period's.
        ("Quý I, 15/6", ("2022-03-31", "2022-06-15")),
        ("Tháng 6, ngày 15/7", ("2022-06-30", "2022-07-15")),
    ],
)
def test_a_day_outside_the_period_before_it_is_another_deadline(
    text: str, due: tuple[str, ...]
) -> None:
    assert parse_deadline(text, YEAR).due_dates == dates(*due)


@pytest.mark.parametrize(
    ("text", "plan_year", "due"),
    [
        ("Giai đoạn 2022-2025", 2022, "2022-12-31"),
        ("2022 - 2025", 2023, "2023-12-31"),
        ("Năm 2021-2025", 2024, "2024-12-31"),
        ("Từ năm 2022 đến năm 2025", 2025, "2025-12-31"),
        # A span that ended before the plan year, or starts after it, is due when it ends.
        ("2020-2021", 2022, "2021-12-31"),
        ("Giai đoạn 2023 - 2025", 2022, "2025-12-31"),
        ("2022", 2022, "2022-12-31"),
        ("Quanh năm", 2022, "2022-12-31"),
        ("Suốt năm 2023", 2022, "2023-12-31"),
    ],
)
def test_a_span_of_years_is_this_years_share_and_a_bare_year_is_that_year(
    text: str, plan_year: int, due: str
) -> None:
    assert outcome(parse_deadline(text, plan_year)) == ("year", dates(due), None, False)


@pytest.mark.parametrize(
    "text", ["Quyết định 2022-2025", "2025-2022", "Theo Đề án 2021-2025/QĐ-UBND"]
)
def test_a_number_that_is_not_a_span_of_years_stays_undated(text: str) -> None:
    assert parse_deadline(text, YEAR).needs_date
