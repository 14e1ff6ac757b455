"""Satisfaction surveys (SIPAS): the public form, its protections, the index, the results,
the sample-size helper, the export and the QR codes."""

from __future__ import annotations

import io
import random
from datetime import date

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from cchc.agencies.models import Agency
from cchc.citizens import index
from cchc.citizens.models import (
    Counter,
    SamplePopulation,
    SurveyAnswer,
    SurveyDefinition,
    SurveyElement,
    SurveyQuestion,
    SurveyResponse,
    SurveyTally,
)
from cchc.citizens.services import (
    DEVICE_COOKIE,
    AlreadyAnswered,
    Place,
    active_definition,
    new_device_token,
    response_submit,
    sign_device_token,
)
from cchc.jobs.models import Job

CODES = ["tiep-can", "thu-tuc", "cong-chuc", "ket-qua", "gop-y"]


def _questions() -> dict[str, list[SurveyQuestion]]:
    found: dict[str, list[SurveyQuestion]] = {}
    for q in (
        SurveyQuestion.objects.filter(element__definition=active_definition())
        .select_related("element")
        .order_by("element__position", "position")
    ):
        found.setdefault(q.element.code, []).append(q)
    return found


def _respond(
    agency: Agency, values: dict[str, list[int]], counter: Counter | None = None
) -> SurveyResponse:
    """One response: per element code, the values of its first questions."""
    questions = _questions()
    answers = {}
    for code, items in values.items():
        for question, value in zip(questions[code], items, strict=False):
            answers[question.pk] = value
    return response_submit(
        place=Place(agency, counter),
        definition=active_definition(),
        token=new_device_token(),
        answers=answers,
    )


def _form(client: Client, url: str) -> dict[str, str]:
    """Open the survey (which gives the device its cookie) and fill every question."""
    page = client.get(url)
    assert page.status_code == 200
    data = {"definition": str(active_definition().pk), "comment": ""}
    for i, q in enumerate(SurveyQuestion.objects.filter(element__definition=active_definition())):
        data[f"q{q.pk}"] = str(4 + i % 2)
    return data


# ---------------------------------------------------------------------------
# The definition


def test_the_default_definition_is_sipas_2023_with_5_elements_and_19_items(db):
    definition = active_definition()
    elements = list(definition.elements.order_by("position"))
    assert [e.code for e in elements] == CODES
    assert [e.questions.count() for e in elements] == [4, 4, 5, 3, 3]
    assert definition.illustrative and "Minh họa" in definition.note
    assert "1001/QĐ-BNV" in definition.source
    assert definition.scale == [
        "Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"
    ]  # fmt: skip


def test_a_response_keeps_the_version_it_answered(agencies):
    old = _respond(agencies["a"], {"tiep-can": [5]})
    v1 = active_definition()
    v1.is_active = False
    v1.save()
    v2 = SurveyDefinition.objects.create(
        code="sipas", version=2, title="Phiếu mới", scale=v1.scale, is_active=True
    )
    element = SurveyElement.objects.create(
        definition=v2, position=1, code="tiep-can", title="Tiếp cận"
    )
    question = SurveyQuestion.objects.create(element=element, position=1, text="Câu mới")
    new = response_submit(
        place=Place(agencies["a"]),
        definition=active_definition(),
        token=new_device_token(),
        answers={question.pk: 2},
    )
    old.refresh_from_db()
    assert old.definition == v1 and new.definition == v2
    # Read together by element code: one satisfied answer of two.
    codes = index.element_codes()
    figure = index.overall_figure(
        SurveyResponse.objects.all(), index.method_for(None), ["tiep-can"], codes
    )
    assert figure.elements["tiep-can"] == 50.0 and figure.responses == 2


# ---------------------------------------------------------------------------
# The index


def test_index_exact_on_a_hand_built_set(agencies):
    a, b = agencies["a"], agencies["b"]
    _respond(a, {"tiep-can": [5, 4, 3, 2], "thu-tuc": [4], "cong-chuc": [1, 1], "ket-qua": [5]})
    _respond(a, {"tiep-can": [4], "thu-tuc": [3], "gop-y": [5, 5, 5]})
    _respond(b, {"tiep-can": [1], "thu-tuc": [2], "cong-chuc": [3], "ket-qua": [4], "gop-y": [5]})
    codes = index.element_codes()
    share = index.method_for("ty-le-hai-long")
    by_agency = index.figures(SurveyResponse.objects.all(), ["agency_id"], share, CODES, codes)
    fa = by_agency[a.pk]
    # tiếp cận: 5,4,3,2,4 → 3 satisfied of 5; thủ tục: 4,3 → 1 of 2; công chức 0 of 2;
    # kết quả 1 of 1; góp ý 3 of 3.
    assert fa.responses == 2
    assert fa.elements == {
        "tiep-can": 60.0, "thu-tuc": 50.0, "cong-chuc": 0.0, "ket-qua": 100.0, "gop-y": 100.0
    }  # fmt: skip
    assert fa.overall == pytest.approx(62.0)
    fb = by_agency[b.pk]
    assert fb.elements == {
        "tiep-can": 0.0, "thu-tuc": 0.0, "cong-chuc": 0.0, "ket-qua": 100.0, "gop-y": 100.0
    }  # fmt: skip
    assert fb.overall == pytest.approx(40.0)
    overall = index.overall_figure(SurveyResponse.objects.all(), share, CODES, codes)
    assert overall.responses == 3
    assert overall.elements["tiep-can"] == pytest.approx(50.0)  # 3 of 6
    assert overall.elements["gop-y"] == 100.0
    # The other method, on the same answers: mean points mapped to 0..100.
    mean = index.method_for("diem-trung-binh")
    fm = index.figures(SurveyResponse.objects.all(), ["agency_id"], mean, CODES, codes)[a.pk]
    assert fm.elements["tiep-can"] == pytest.approx(100 * (18 / 5 - 1) / 4)
    assert fm.elements["cong-chuc"] == 0.0


def test_an_element_without_answers_has_no_index_and_is_left_out_of_the_mean(agencies):
    _respond(agencies["a"], {"tiep-can": [5]})
    codes = index.element_codes()
    figure = index.overall_figure(
        SurveyResponse.objects.all(), index.method_for(None), CODES, codes
    )
    assert figure.elements["gop-y"] is None
    assert figure.overall == 100.0


def test_required_sample_follows_n_over_1_plus_n_e2():
    assert index.required_sample(10_000, 0.05) == 385
    assert index.required_sample(100, 0.05) == 80
    assert index.required_sample(0, 0.05) == 0


values = st.lists(st.integers(min_value=1, max_value=5), max_size=60)


@given(
    st.lists(values, min_size=1, max_size=5), st.sampled_from(sorted(index.METHODS)), st.randoms()
)
@settings(max_examples=200, deadline=None)
def test_every_index_is_between_0_and_100_and_ignores_the_order(elements, code, rng):
    method = index.METHODS[code]
    first = [method.element(index.Tally.of(items)) for items in elements]
    shuffled = []
    for items in elements:
        items = list(items)
        rng.shuffle(items)
        shuffled.append(method.element(index.Tally.of(items)))
    assert first == shuffled
    for value in first:
        assert value is None or 0 <= value <= 100
    present = [v for v in first if v is not None]
    overall = method.overall(present)
    reordered = method.overall(list(reversed(present)))
    assert (overall is None) == (not present)
    if overall is not None:
        assert 0 <= overall <= 100
        assert overall == pytest.approx(reordered)


@given(st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=12), st.randoms())
@settings(max_examples=15, deadline=None)
def test_the_sql_index_does_not_depend_on_the_order_responses_came_in(
    django_db_blocker, answers, rng
):
    with django_db_blocker.unblock():
        from django.db import transaction

        results = []
        for order in (list(answers), rng.sample(answers, len(answers))):
            with transaction.atomic():
                agency = Agency.objects.create(name="UBND xã Thử", kind=Agency.Kind.COMMUNE)
                for value in order:
                    _respond(agency, {"tiep-can": [value]})
                figure = index.overall_figure(
                    SurveyResponse.objects.filter(agency=agency),
                    index.method_for(None),
                    CODES,
                    index.element_codes(),
                )
                results.append(figure.elements["tiep-can"])
                transaction.set_rollback(True)
        assert results[0] == results[1]
        assert 0 <= results[0] <= 100
        assert results[0] == pytest.approx(100 * sum(v >= 4 for v in answers) / len(answers))


# ---------------------------------------------------------------------------
# The public survey and its protections


def test_a_citizen_answers_without_an_account(agencies, client):
    url = f"/khao-sat/{agencies['a'].pk}/"
    page = client.get(url)
    body = page.content.decode()
    assert "Sở Tư pháp" in body and "Tiếp cận dịch vụ" in body and "Rất hài lòng" in body
    assert DEVICE_COOKIE in page.cookies
    data = _form(client, url)
    data["comment"] = "Cán bộ hướng dẫn tận tình."
    answer = client.post(url, data)
    assert answer.status_code == 302 and answer["Location"] == "/khao-sat/cam-on/"
    thanks = client.get(answer["Location"])
    assert "Cảm ơn ông/bà" in thanks.content.decode()
    response = SurveyResponse.objects.get()
    assert response.agency == agencies["a"] and response.counter is None
    assert response.answers.count() == 19
    assert response.definition == active_definition()
    # Nothing that identifies the device or the network is stored in the clear.
    token = client.cookies[DEVICE_COOKIE].value
    assert token not in response.device_hash and len(response.device_hash) == 64


def test_a_counter_link_records_the_counter(agencies, client):
    counter = Counter.objects.create(
        agency=agencies["d1"], name="Bộ phận một cửa UBND huyện Đakrông"
    )
    url = f"/khao-sat/quay/{counter.pk}/"
    assert counter.name in client.get(url).content.decode()
    assert client.post(url, _form(client, url)).status_code == 302
    assert SurveyResponse.objects.get().counter == counter


def test_the_same_survey_sent_twice_from_one_device_is_refused(agencies, client):
    url = f"/khao-sat/{agencies['a'].pk}/"
    data = _form(client, url)
    assert client.post(url, data).status_code == 302
    again = client.post(url, data)
    assert again.status_code == 409
    assert "đã gửi phiếu đánh giá" in again.content.decode()
    assert SurveyResponse.objects.count() == 1
    # Opening the link again says so rather than offering the form.
    page = client.get(url).content.decode()
    assert "đã gửi phiếu đánh giá" in page and "Gửi đánh giá" not in page
    # Another agency is another survey.
    other = f"/khao-sat/{agencies['b'].pk}/"
    assert client.post(other, _form(client, other)).status_code == 302


def test_the_database_refuses_a_second_response_from_a_device_too(agencies):
    from cchc.citizens.services import AlreadyAnswered

    token = new_device_token()
    question = SurveyQuestion.objects.filter(element__definition=active_definition()).first()
    place = Place(agencies["a"])
    response_submit(
        place=place, definition=active_definition(), token=token, answers={question.pk: 5}
    )
    with pytest.raises(AlreadyAnswered):
        response_submit(
            place=place, definition=active_definition(), token=token, answers={question.pk: 5}
        )
    assert SurveyResponse.objects.count() == 1 and SurveyAnswer.objects.count() == 1


def test_a_flood_from_one_address_gets_429_with_a_vietnamese_message(agencies, settings):
    # A day-long window: a minute-long one can turn over between two posts on a busy machine.
    settings.CCHC_SURVEY_RATE = "5/d"
    url = f"/khao-sat/{agencies['a'].pk}/"
    statuses = []
    for _ in range(8):
        client = Client()  # a new device each time: only the address is shared
        statuses.append(client.post(url, _form(client, url)).status_code)
    assert statuses[:5] == [302] * 5
    assert statuses[5:] == [429] * 3
    flooded = Client()
    refused = flooded.post(url, _form(flooded, url))
    assert refused.status_code == 429
    assert "Quá nhiều phiếu gửi cùng lúc" in refused.content.decode()
    assert SurveyResponse.objects.count() == 5
    # Another address is not held back.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post(url, _form(other, url)).status_code == 302


def test_the_honeypot_is_silently_discarded(agencies, client):
    url = f"/khao-sat/{agencies['a'].pk}/"
    data = _form(client, url)
    data["website"] = "http://spam.example"
    answer = client.post(url, data)
    assert answer.status_code == 302 and answer["Location"] == "/khao-sat/cam-on/"
    assert SurveyResponse.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"q": "7"}, "5 mức của thang đo"),
        ({"q": "abc"}, "5 mức của thang đo"),
        ({"all_empty": True}, "ít nhất một câu hỏi"),
        ({"comment": "Tốt\x00lắm"}, "ký tự NUL"),
        ({"comment": "x" * 1001}, "dài quá 1000 ký tự"),
        ({"no_cookie": True}, "Không nhận ra thiết bị"),
    ],
)
def test_bad_input_gets_a_clear_message_and_saves_nothing(agencies, client, change, message):
    url = f"/khao-sat/{agencies['a'].pk}/"
    data = _form(client, url)
    if "q" in change:
        first = next(k for k in data if k.startswith("q"))
        data[first] = change["q"]
    if change.get("all_empty"):
        data = {k: v for k, v in data.items() if not k.startswith("q")}
    if "comment" in change:
        data["comment"] = change["comment"]
    if change.get("no_cookie"):
        client.cookies.pop(DEVICE_COOKIE)
    answer = client.post(url, data)
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert SurveyResponse.objects.count() == 0 and SurveyAnswer.objects.count() == 0


def test_a_forged_device_cookie_counts_as_none(agencies, client):
    url = f"/khao-sat/{agencies['a'].pk}/"
    data = _form(client, url)
    client.cookies[DEVICE_COOKIE] = "forged:token"
    assert client.post(url, data).status_code == 400
    client.cookies[DEVICE_COOKIE] = sign_device_token(new_device_token())
    assert client.post(url, data).status_code == 302


def test_unknown_or_closed_places_are_not_found(agencies, client):
    assert client.get("/khao-sat/999999999999/").status_code == 404
    assert client.get("/khao-sat/quay/424242/").status_code == 404
    closed = agencies["b"]
    Agency.objects.filter(pk=closed.pk).update(closed_on="2021-01-01")
    assert client.get(f"/khao-sat/{closed.pk}/").status_code == 404


# ---------------------------------------------------------------------------
# Results


def _spread(agencies: dict[str, Agency], count: int, rng: random.Random) -> None:
    counter = Counter.objects.get_or_create(agency=agencies["d1"], name="Quầy một cửa")[0]
    for i in range(count):
        key = ["a", "b", "d1"][i % 3]
        _respond(
            agencies[key],
            {code: [rng.randint(1, 5) for _ in range(3)] for code in CODES},
            counter=counter if key == "d1" else None,
        )


# The results page's queries, whatever the number of responses: session and user, the
# years, the definition and its elements, the tallies (overall, by agency, by counter, by
# quarter), N, the agencies' and counters' names, the agency filter. Pinned: one more
# query is a change to look at, not noise. Was 17: the header's agency and unread count
# now come with the session's user (the login backend).
RESULTS_QUERIES = 15


def test_the_results_page_queries_do_not_grow_with_the_responses(agencies, login):
    client = login("coordinator")
    rng = random.Random(4)
    with override_settings(CCHC_TODAY=date(2022, 2, 15)):
        _spread(agencies, 6, rng)
        client.get("/khao-sat/ket-qua/")  # warm up
        with CaptureQueriesContext(connection) as few:
            assert client.get("/khao-sat/ket-qua/").status_code == 200
        _spread(agencies, 40, rng)
    with override_settings(CCHC_TODAY=date(2022, 5, 15)):
        _spread(agencies, 20, rng)
        with CaptureQueriesContext(connection) as many:
            page = client.get("/khao-sat/ket-qua/")
    assert len(many) == len(few) == RESULTS_QUERIES, [q["sql"] for q in many]
    # The index reads the tallies, never the answers one by one.
    answers = SurveyAnswer._meta.db_table
    assert not [q for q in many if answers in q["sql"]]
    body = page.content.decode()
    assert "66 phiếu trả lời" in body
    assert "Quầy một cửa" in body and "Quý II" in body


@pytest.mark.parametrize("group_by", [["agency_id"], ["quarter"], ["counter_id"]])
def test_the_tallies_say_what_the_answers_say(agencies, group_by):
    rng = random.Random(7)
    for day in (date(2022, 2, 1), date(2022, 8, 1), date(2023, 1, 5)):
        with override_settings(CCHC_TODAY=day):
            _spread(agencies, 12, rng)
    method = index.method_for(None)
    codes = index.element_codes()
    selections = [
        SurveyResponse.objects.filter(year=2022),
        SurveyResponse.objects.filter(year=2022, quarter__in=[3, 4]),
        SurveyResponse.objects.filter(agency_id__in=[agencies["a"].pk, agencies["d1"].pk]),
        SurveyResponse.objects.filter(counter__isnull=False),
        SurveyResponse.objects.filter(agency=agencies["b"], year=2023),
    ]
    for responses in selections:
        assert index._tally_scope(responses) is not None  # read from the tallies
        fast = index.figures(responses, group_by, method, CODES, codes)
        slow = index.answer_figures(responses, group_by, method, CODES, codes)
        assert fast.keys() == slow.keys()
        for key, figure in fast.items():
            assert figure.responses == slow[key].responses
            assert figure.tallies == slow[key].tallies
            assert figure.elements == slow[key].elements and figure.overall == slow[key].overall
        overall = index.overall_figure(responses, method, CODES, codes)
        assert overall.responses == responses.count()
    # A selection the tallies cannot express is counted from the answers, the same way.
    other = SurveyResponse.objects.filter(comment="")
    assert index._tally_scope(other) is None
    assert (
        index.overall_figure(other, method, CODES, codes).overall
        == index.overall_figure(SurveyResponse.objects.all(), method, CODES, codes).overall
    )


def test_a_refused_response_adds_nothing_to_the_tallies(agencies):
    token = new_device_token()
    place = Place(agencies["a"])
    question = _questions()["tiep-can"][0]
    response_submit(
        place=place, definition=active_definition(), token=token, answers={question.pk: 5}
    )
    before = list(SurveyTally.objects.order_by("pk").values_list("element_key", "value", "count"))
    with pytest.raises(AlreadyAnswered):
        response_submit(
            place=place, definition=active_definition(), token=token, answers={question.pk: 1}
        )
    after = list(SurveyTally.objects.order_by("pk").values_list("element_key", "value", "count"))
    assert before == after == [(0, 0, 1), (question.element_id, 5, 1)]


def test_rebuilding_the_tallies_gives_the_same_counts(agencies):
    _spread(agencies, 9, random.Random(3))
    kept = sorted(
        SurveyTally.objects.values_list(
            "agency_id", "counter_key", "quarter", "element_key", "value", "count"
        )
    )
    SurveyTally.objects.all().delete()
    index.tally_rebuild()
    assert kept == sorted(
        SurveyTally.objects.values_list(
            "agency_id", "counter_key", "quarter", "element_key", "value", "count"
        )
    )


def test_results_show_the_index_with_its_method_and_the_sample_warning(agencies, login):
    _respond(agencies["a"], {"tiep-can": [5, 4], "thu-tuc": [2]})
    SamplePopulation.objects.create(
        agency=agencies["a"], year=SurveyResponse.objects.get().year, quarter=0, population=10_000
    )
    body = login("coordinator").get("/khao-sat/ket-qua/").content.decode()
    assert "Sở Tư pháp" in body
    assert "Chưa đủ mẫu để công bố: cần 385, mới có 1" in body
    assert body.count("Tỷ lệ hài lòng") >= 3  # the method under every table
    assert "minh họa" in body and "1001/QĐ-BNV" in body  # the definition says what it is
    assert "100,00" in body and "50,00" in body  # tiếp cận 100, SIPAS (100 + 0) / 2
    other = login("coordinator").get("/khao-sat/ket-qua/?method=diem-trung-binh").content.decode()
    assert "Điểm trung bình quy về 100" in other


def test_agency_staff_read_only_their_own_agency(agencies, personas, client):
    _respond(agencies["a"], {"tiep-can": [5]})
    _respond(agencies["b"], {"tiep-can": [1]})
    client.force_login(personas["officer_a"])
    own = client.get("/khao-sat/ket-qua/").content.decode()
    assert "Sở Tư pháp" in own and "Sở Xây dựng" not in own
    assert client.get(f"/khao-sat/ket-qua/?agency={agencies['b'].pk}").status_code == 404
    client.force_login(personas["leader"])
    everything = client.get("/khao-sat/ket-qua/").content.decode()
    assert "Sở Tư pháp" in everything and "Sở Xây dựng" in everything
    client.logout()
    assert client.get("/khao-sat/ket-qua/").status_code == 302


def test_the_coordinator_enters_n_and_others_may_not(agencies, personas, client):
    data = {
        "agency": agencies["a"].pk,
        "year": 2022,
        "quarter": 0,
        "population": 2000,
        "next": "/khao-sat/ket-qua/?year=2022",
    }
    client.force_login(personas["officer_a"])
    assert client.post("/khao-sat/ket-qua/so-ho-so/", data).status_code == 403
    client.force_login(personas["coordinator"])
    saved = client.post("/khao-sat/ket-qua/so-ho-so/", data)
    assert saved.status_code == 302 and saved["Location"] == "/khao-sat/ket-qua/?year=2022"
    assert SamplePopulation.objects.get().population == 2000
    bad = client.post("/khao-sat/ket-qua/so-ho-so/", {**data, "population": "-5"}, follow=True)
    assert "Số hồ sơ (N) phải là số nguyên" in bad.content.decode()
    assert SamplePopulation.objects.get().population == 2000
    page = client.get("/khao-sat/ket-qua/?year=2022").content.decode()
    assert "334" in page  # n = 2000 / (1 + 2000 × 0.05²) = 333.3, rounded up


# ---------------------------------------------------------------------------
# Export and privacy


def test_the_export_holds_the_answers_and_nothing_that_identifies_anyone(agencies, login):
    response = _respond(agencies["a"], {"tiep-can": [5, 4]})
    SurveyResponse.objects.filter(pk=response.pk).update(
        comment="Gọi tôi 0912 345 678 hoặc an.nguyen@example.vn nhé"
    )
    client = login("coordinator")
    answer = client.get(f"/khao-sat/ket-qua/xlsx/?year={response.year}")
    assert answer.status_code == 302
    job = Job.objects.get(kind="survey_responses")
    assert job.status == "done", job.errors
    data = client.get(f"/jobs/{job.pk}/file/")
    content = b"".join(data.streaming_content) if data.streaming else data.content
    sheet = load_workbook(io.BytesIO(content)).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    text = " ".join(cells)
    assert (
        "Sở Tư pháp" in text and "[đã ẩn số điện thoại]" in text and "[đã ẩn thư điện tử]" in text
    )
    assert "0912" not in text and "example.vn" not in text
    assert response.device_hash not in text
    header = next(sheet.iter_rows(values_only=True))
    assert header[:7] == (
        "Số phiếu",
        "Cơ quan",
        "Quầy",
        "Năm",
        "Quý",
        "Ngày gửi",
        "Phiên bản phiếu",
    )
    assert header[-1] == "Ý kiến khác" and len(header) == 7 + 19 + 1
    # Agency staff export their own agency's only; another agency's results are hidden.
    officer = login("officer_b")
    assert officer.get(f"/khao-sat/ket-qua/xlsx/?agency={agencies['a'].pk}").status_code == 404


def test_public_pages_never_show_other_responses(agencies, client):
    _respond(agencies["a"], {"tiep-can": [5]})
    SurveyResponse.objects.update(comment="Nguyễn Văn Bí 0905123456")
    for url in (f"/khao-sat/{agencies['a'].pk}/", "/khao-sat/cam-on/"):
        body = client.get(url).content.decode()
        assert "Nguyễn Văn Bí" not in body and "0905123456" not in body


# ---------------------------------------------------------------------------
# Links and QR codes


def test_qr_png_and_printable_sheet_for_agency_and_counter(agencies, login, settings):
    settings.SITE_URL = "https://cchc.quangtri.gov.vn"
    counter = Counter.objects.create(agency=agencies["a"], name="Quầy số 1")
    client = login("officer_a")
    png = client.get(f"/khao-sat/ma-qr/{agencies['a'].pk}.png")
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    assert client.get(f"/khao-sat/ma-qr/quay/{counter.pk}.png").content.startswith(b"\x89PNG")
    sheet = client.get(f"/khao-sat/ma-qr/quay/{counter.pk}/in/").content.decode()
    assert f"https://cchc.quangtri.gov.vn/khao-sat/quay/{counter.pk}/" in sheet
    assert "Quầy số 1" in sheet and "Sở Tư pháp" in sheet
    links = client.get("/khao-sat/ma-qr/").content.decode()
    assert f"https://cchc.quangtri.gov.vn/khao-sat/{agencies['a'].pk}/" in links
    assert "Sở Xây dựng" not in links  # another agency's codes are not theirs
    assert client.get(f"/khao-sat/ma-qr/{agencies['b'].pk}.png").status_code == 404


# ---------------------------------------------------------------------------
# Demo data


def test_demo_responses_spread_over_agencies_with_some_below_the_sample(agencies, login):
    from cchc.citizens.demo import demo_surveys_fill

    filled = demo_surveys_fill(2022)
    assert filled is not None
    assert filled.responses == SurveyResponse.objects.filter(year=2022).count() == 400
    assert filled.agencies == 5  # two districts, three departments
    assert 1 <= filled.below < filled.agencies
    assert set(SurveyResponse.objects.values_list("quarter", flat=True)) == {1, 2, 3, 4}
    assert Counter.objects.filter(name="Bộ phận một cửa UBND huyện Đakrông").exists()
    assert demo_surveys_fill(2022) is None  # a second run adds nothing
    page = login("coordinator").get("/khao-sat/ket-qua/?year=2022").content.decode()
    assert "Chưa đủ mẫu để công bố" in page and "400 phiếu trả lời" in page


def test_the_coordinator_adds_a_counter_with_its_own_link(agencies, login):
    client = login("coordinator")
    added = client.post(
        "/khao-sat/ma-qr/them-quay/",
        {"agency": agencies["d2"].pk, "name": "  Bộ phận một cửa   UBND huyện Cam Lộ "},
        follow=True,
    )
    assert "Đã thêm quầy «Bộ phận một cửa UBND huyện Cam Lộ»" in added.content.decode()
    counter = Counter.objects.get()
    assert counter.agency == agencies["d2"]
    assert f"/khao-sat/quay/{counter.pk}/" in added.content.decode()
    again = client.post(
        "/khao-sat/ma-qr/them-quay/",
        {"agency": agencies["d2"].pk, "name": "bộ phận một cửa ubnd huyện cam lộ"},
        follow=True,
    )
    assert "đã có quầy" in again.content.decode() and Counter.objects.count() == 1
    empty = client.post(
        "/khao-sat/ma-qr/them-quay/", {"agency": agencies["d2"].pk, "name": " "}, follow=True
    )
    assert "Hãy nhập tên quầy." in empty.content.decode() and Counter.objects.count() == 1
    assert (
        login("officer_a")
        .post("/khao-sat/ma-qr/them-quay/", {"agency": agencies["a"].pk, "name": "Quầy 2"})
        .status_code
        == 403
    )
    assert Counter.objects.count() == 1
