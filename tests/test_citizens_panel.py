"""The citizens' panel of the dashboards, computed once per change (cchc.citizens.stamps,
docs/dashboards.md).

After each kind of change it shows (a survey response, a sample size, feedback sent,
routed, answered or late by the calendar, an indicator and its values, the survey's
definition, an agency moved) the panel the dashboards read from the cache equals the one
computed afresh, and shows the change; a read with nothing changed reads the cache only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.citizens.feedback import (
    feedback_answer,
    feedback_route,
    feedback_submit,
    feedback_types_ensure,
)
from cchc.citizens.indicators import measurement_record
from cchc.citizens.models import (
    CitizensStamp,
    Feedback,
    FeedbackType,
    Indicator,
    SurveyDefinition,
    SurveyElement,
    SurveyQuestion,
)
from cchc.citizens.services import (
    DEVICE_COOKIE,
    Place,
    active_definition,
    new_device_token,
    population_set,
    response_submit,
)
from cchc.citizens.widgets import CitizensPanel, citizens_panel
from cchc.lib import calendar
from cchc.plans.models import Plan
from cchc.reminders.models import CalendarDay


def _seen(panel: CitizensPanel) -> tuple[Any, ...]:
    """What the panel shows, as plain values (model instances compare by their keys)."""
    return (
        panel.year,
        panel.survey_responses,
        panel.sipas,
        panel.method.code,
        panel.below_sample,
        panel.feedback,
        [(line.code, line.regulation, line.working_days_late) for line in panel.overdue],
        [
            (v.indicator.code, v.indicator.name, v.indicator.agency_id, v.value, v.status)
            for v in panel.indicators
        ],
    )


def _respond(agency: Agency, value: int = 5) -> None:
    definition = active_definition()
    questions = SurveyQuestion.objects.filter(element__definition=definition).order_by("pk")
    response_submit(
        place=Place(agency),
        definition=definition,
        token=new_device_token(),
        answers={q.pk: value for q in questions[:4]},
    )


def _feedback(province: Agency) -> Feedback:
    feedback_types_ensure()
    return feedback_submit(
        feedback_type=FeedbackType.objects.order_by("position").first(),  # type: ignore[arg-type]
        regulation="Thủ tục cấp giấy phép xây dựng",
        content="Hồ sơ bị yêu cầu thêm giấy tờ không có trong quy định.",
        sender_name="Nguyễn Văn An",
        sender_phone="0912345678",
        province=province,
    )


def _late(item: Feedback, days: int = 20) -> None:
    item.received_on = calendar.today() - timedelta(days=days + 15)
    item.due_on = calendar.today() - timedelta(days=days)
    item.save()


def _indicator(agency: Agency, code: str = "ty-le-ho-so-truc-tuyen") -> Indicator:
    return Indicator.objects.create(
        code=code,
        name="Tỷ lệ hồ sơ trực tuyến toàn trình",
        unit="%",
        baseline_year=2021,
        baseline_value=Decimal("10"),
        target_value=Decimal("90"),
        due_on=date(calendar.today().year + 1, 12, 31),
        agency=agency,
    )


# Each kind of change: what to do before the first read, then the change.
Change = Callable[[dict[str, Agency], dict[str, User]], None]


def _nothing(agencies: dict[str, Agency], personas: dict[str, User]) -> None:
    pass


def _a_response(agencies: dict[str, Agency], personas: dict[str, User]) -> None:
    _respond(agencies["a"], 2)


def _a_sample_size(agencies: dict[str, Agency], personas: dict[str, User]) -> None:
    population_set(
        agency=agencies["a"],
        year=calendar.today().year,
        quarter=0,
        population=5000,
        actor=personas["coordinator"],
    )


def _feedback_sent(agencies: dict[str, Agency], personas: dict[str, User]) -> None:
    _feedback(agencies["province"])


def _feedback_routed_and_answered(agencies: dict[str, Agency], personas: dict[str, User]) -> None:
    item = Feedback.objects.get()
    item = feedback_route(item=item, agency=agencies["a"], actor=personas["coordinator"])
    feedback_answer(
        item=item, answer="Đã hướng dẫn ông bổ sung hồ sơ.", actor=personas["officer_a"]
    )


def _feedback_late(agencies: dict[str, Agency], personas: dict[str, User]) -> None:
    _late(Feedback.objects.get())


def _feedback_sent_and_late(agencies: dict[str, Agency], personas: dict[str, User]) -> None:
    _late(_feedback(agencies["province"]))


def _a_holiday(agencies: dict[str, Agency], personas: dict[str, User]) -> None:
    # A working day between the deadline and today declared off: one day less late.
    day = calendar.today() - timedelta(days=10)
    while day.weekday() >= 5 or not calendar.WorkingCalendar().is_working_day(day):
        day -= timedelta(days=1)
    CalendarDay.objects.create(date=day, kind=CalendarDay.Kind.HOLIDAY, name="Nghỉ bù")


def _an_indicator_of_a(agencies: dict[str, Agency], personas: dict[str, User]) -> None:
    _indicator(agencies["a"])


def _an_indicator(agencies: dict[str, Agency], personas: dict[str, User]) -> None:
    _indicator(agencies["b"], "chi-tieu-moi")


def _a_measurement(agencies: dict[str, Agency], personas: dict[str, User]) -> None:
    measurement_record(
        indicator=Indicator.objects.get(),
        period="Quý I",
        measured_on=calendar.today() - timedelta(days=1),
        value=Decimal("95"),
        source="Cổng dịch vụ công",
        actor=None,
    )


def _an_indicator_renamed(agencies: dict[str, Agency], personas: dict[str, User]) -> None:
    indicator = Indicator.objects.get()
    indicator.name = "Tỷ lệ hồ sơ được số hóa"
    indicator.save()


def _a_new_definition(agencies: dict[str, Agency], personas: dict[str, User]) -> None:
    # A new version of the survey becomes the active one: the index averages its elements
    # (here one nobody has answered yet).
    old = active_definition()
    old.is_active = False
    old.save()
    new = SurveyDefinition.objects.create(
        code=old.code, version=old.version + 1, title="Phiếu mới", scale=old.scale, is_active=True
    )
    SurveyElement.objects.create(definition=new, position=1, code="moi", title="Yếu tố mới")


def _an_agency_moved(agencies: dict[str, Agency], personas: dict[str, User]) -> None:
    # An agency with responses leaves the province (a reorganisation): not counted any more.
    Agency.objects.filter(pk=agencies["b"].pk).update(province=None, parent=None)
    moved = Agency.objects.get(pk=agencies["b"].pk)
    moved.name = "Sở đã chuyển đi"
    moved.save()


CHANGES: dict[str, tuple[Change, Change]] = {
    "survey response": (_nothing, _a_response),
    "sample size": (_nothing, _a_sample_size),
    "feedback sent": (_nothing, _feedback_sent),
    "feedback routed and answered": (_feedback_sent, _feedback_routed_and_answered),
    "feedback late": (_feedback_sent, _feedback_late),
    "holiday": (_feedback_sent_and_late, _a_holiday),
    "indicator": (_nothing, _an_indicator),
    "measurement": (_an_indicator_of_a, _a_measurement),
    "indicator renamed": (_an_indicator_of_a, _an_indicator_renamed),
    "survey definition": (_nothing, _a_new_definition),
    "agency moved": (_nothing, _an_agency_moved),
}


@pytest.fixture
def leader(personas: dict[str, User], plan: Plan) -> Client:
    client = Client()
    client.force_login(personas["leader"])
    return client


def _shown(client: Client, url: str = "/dashboard/") -> CitizensPanel:
    response = client.get(url)
    assert response.status_code == 200
    return response.context["citizens"]


@pytest.mark.parametrize("kind", list(CHANGES))
def test_the_panel_shows_each_kind_of_change_at_the_next_read(
    kind: str, leader: Client, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    before_change, change = CHANGES[kind]
    _respond(agencies["a"], 5)
    _respond(agencies["b"], 4)
    before_change(agencies, personas)
    province = agencies["province"].pk
    before = _seen(_shown(leader))
    assert before == _seen(citizens_panel(None, calendar.today(), province=province))
    assert _seen(_shown(leader)) == before  # read again: from the cache

    change(agencies, personas)

    after = _seen(_shown(leader))
    assert after == _seen(citizens_panel(None, calendar.today(), province=province))
    assert after != before, kind


def test_an_agencys_panel_shows_a_response_to_it_at_the_next_read(
    agencies: dict[str, Agency], personas: dict[str, User], plan: Plan, province_b: Any
) -> None:
    client = Client()
    client.force_login(personas["officer_a"])
    url = f"/dashboard/agency/{agencies['a'].pk}/?plan={plan.pk}"
    assert _shown(client, url).survey_responses == 0
    _respond(agencies["a"])
    assert _shown(client, url).survey_responses == 1
    # Another province's response: this one's panels stay in the cache.
    _respond(province_b["agencies"]["health"])
    with CaptureQueriesContext(connection) as read:
        assert _shown(client, url).survey_responses == 1
    assert "citizens_surveytally" not in " ".join(q["sql"] for q in read.captured_queries)


def test_a_cached_read_reads_none_of_the_panels_rows(
    leader: Client, agencies: dict[str, Agency]
) -> None:
    _respond(agencies["a"])
    _late(_feedback(agencies["province"]))
    _indicator(agencies["a"])
    _shown(leader)
    with CaptureQueriesContext(connection) as read:
        panel = _shown(leader)
    sql = " ".join(q["sql"] for q in read.captured_queries)
    assert panel.survey_responses == 1 and len(panel.overdue) == 1 and panel.indicators
    for table in (
        "citizens_surveytally",
        "citizens_surveyresponse",
        "citizens_samplepopulation",
        "citizens_feedback",
        "citizens_indicator",
        "citizens_measurement",
    ):
        assert table not in sql
    assert "citizens_citizensstamp" in sql


def test_each_province_has_its_own_stamp(
    leader: Client, agencies: dict[str, Agency], province_b: dict[str, Any]
) -> None:
    """A response in another province changes that province's stamp only: this
    province's panel stays cached (a survey submission writes one row)."""
    _shown(leader)
    mine = CitizensStamp.objects.get(scope=agencies["province"].pk).token
    _respond(province_b["agencies"]["health"])
    assert CitizensStamp.objects.get(scope=agencies["province"].pk).token == mine
    _respond(agencies["a"])
    assert CitizensStamp.objects.get(scope=agencies["province"].pk).token != mine
    assert _shown(leader).survey_responses == 1


# A survey sent through the public form: the rate limit's count, the device check, the
# response, its answers, its tallies and the panel's stamp (one upsert, the last
# statement), whatever the number of responses before it.
SURVEY_SUBMIT_QUERIES = 16  # was 15 before the stamp


def test_a_survey_submission_costs_the_same_with_many_responses_before_it(
    agencies: dict[str, Agency], client: Client
) -> None:
    url = f"/khao-sat/{agencies['a'].pk}/"
    counts = []
    for before in (0, 20):
        for _n in range(before):
            _respond(agencies["b"])
        client.cookies.pop(DEVICE_COOKIE, None)
        assert client.get(url).status_code == 200
        data = {"definition": str(active_definition().pk), "comment": ""}
        for q in SurveyQuestion.objects.filter(element__definition=active_definition()):
            data[f"q{q.pk}"] = "5"
        with CaptureQueriesContext(connection) as sent:
            # From another address each time: the rate limit's first count of an address.
            answer = client.post(url, data, REMOTE_ADDR=f"192.0.2.{before + 1}")
        assert answer.status_code == 302
        stamps = [q["sql"] for q in sent.captured_queries if "citizensstamp" in q["sql"]]
        assert len(stamps) == 1
        counts.append(len(sent))
    assert counts == [SURVEY_SUBMIT_QUERIES] * 2


def test_rows_written_in_bulk_show_after_rebuild_summaries(
    leader: Client, agencies: dict[str, Agency]
) -> None:
    """Rows written behind the services' back (a bulk loader, SQL by hand) send no signal:
    `cchc rebuild_summaries`, which docs/dashboards.md prescribes after such a write,
    restamps the citizens' panels as well as the plans' figures."""
    from django.core.management import call_command

    item = _feedback(agencies["province"])
    before = _seen(_shown(leader))
    # Made late in bulk: no save, no signal, the cached panel is not told.
    Feedback.objects.filter(pk=item.pk).update(
        received_on=calendar.today() - timedelta(days=60),
        due_on=calendar.today() - timedelta(days=30),
    )
    assert _seen(_shown(leader)) == before
    call_command("rebuild_summaries", stdout=open("/dev/null", "w"))  # noqa: SIM115
    after = _seen(_shown(leader))
    assert after != before
    province = agencies["province"].pk
    assert after == _seen(citizens_panel(None, calendar.today(), province=province))
