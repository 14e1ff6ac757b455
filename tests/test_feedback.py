"""Feedback on regulations: the public form and its protections, the tracking code, the
path received → routed → handling → answered → published (or rejected), the deadline in
working days, the audit, who may do what, privacy of the sender, the read functions, the
dashboard and the digest."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail
from django.test import Client

from cchc.audit.models import AuditRecord
from cchc.citizens import feedback as service
from cchc.citizens.feedback import (
    FeedbackError,
    feedback_answer,
    feedback_publish,
    feedback_reject,
    feedback_route,
    feedback_stats,
    feedback_submit,
    format_code,
    normalize_code,
)
from cchc.citizens.models import Feedback, FeedbackAttachment, FeedbackType
from cchc.lib import calendar

NAME = "Nguyễn Thị Bí Mật"
PHONE = "0912 345 678"
EMAIL = "bi.mat@example.invalid"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.CCHC_DATA_DIR = tmp_path


def _form(**extra: str) -> dict[str, str]:
    kind = FeedbackType.objects.get(code="phan-anh")
    return {
        "type": str(kind.pk),
        "regulation": "Thủ tục cấp phiếu lý lịch tư pháp",
        "content": f"Tôi là {NAME}, hồ sơ bị yêu cầu bản giấy.",
        "sender_name": NAME,
        "sender_phone": PHONE,
        "sender_email": EMAIL,
        **extra,
    }


def _item(**kwargs) -> Feedback:  # type: ignore[no-untyped-def]
    return feedback_submit(
        feedback_type=FeedbackType.objects.get(code="phan-anh"),
        regulation=kwargs.get("regulation", "Thủ tục chứng thực"),
        content=f"Nội dung của {NAME}",
        sender_name=NAME,
        sender_phone=PHONE,
        sender_email=EMAIL,
    )


def test_the_public_form_gives_a_code_that_the_lookup_finds(agencies, client: Client) -> None:
    form = client.get("/phan-anh/")
    assert form.status_code == 200 and "Phản ánh, kiến nghị" in form.content.decode()
    sent = client.post("/phan-anh/", _form())
    assert sent.status_code == 200
    item = Feedback.objects.get()
    page = sent.content.decode()
    assert format_code(item.code) in page
    assert len(item.code) == 10 and set(item.code) <= set(service.ALPHABET)
    # Typed loosely (lower case, spaces, O for 0): still found.
    typed = format_code(item.code).lower().replace("-", " ").replace("0", "o")
    found = client.get("/phan-anh/tra-cuu/", {"ma": typed})
    assert found.status_code == 200
    assert "Thủ tục cấp phiếu lý lịch tư pháp" in found.content.decode()
    assert "Đã tiếp nhận" in found.content.decode()


def test_the_deadline_counts_working_days_of_the_type(agencies, settings) -> None:
    settings.CCHC_TODAY = date(2022, 4, 29)  # Friday before 30/4 and 1/5 (and the day in lieu)
    kind = FeedbackType.objects.get(code="phan-anh")
    kind.deadline_days = 3
    kind.save()
    item = _item()
    assert item.received_on == date(2022, 4, 29)
    assert item.due_on == calendar.add_working_days(date(2022, 4, 29), 3)
    assert calendar.working_days_between(item.received_on, item.due_on) == 3
    assert item.due_on == date(2022, 5, 6)  # 2 and 3 May are days off in lieu


def test_bad_input_gets_vietnamese_errors_and_saves_nothing(agencies, client: Client) -> None:
    answer = client.post("/phan-anh/", _form(sender_phone="", sender_email="", content=""))
    assert answer.status_code == 400
    text = answer.content.decode()
    assert "Hãy ghi nội dung phản ánh, kiến nghị." in text
    answer = client.post("/phan-anh/", _form(sender_phone="", sender_email=""))
    assert "Hãy ghi số điện thoại hoặc thư điện tử" in answer.content.decode()
    answer = client.post("/phan-anh/", _form(type="999999"))
    assert answer.status_code == 400
    assert Feedback.objects.count() == 0


def test_attachments_go_through_the_upload_checks(agencies, client: Client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00rest", content_type="application/pdf")
    refused = client.post("/phan-anh/", {**_form(), "attachments": [bad]})
    assert refused.status_code == 400 and "chương trình chạy được" in refused.content.decode()
    assert Feedback.objects.count() == 0
    good = SimpleUploadedFile("ho-so.pdf", PDF, content_type="application/pdf")
    assert client.post("/phan-anh/", {**_form(), "attachments": [good]}).status_code == 200
    attachment = FeedbackAttachment.objects.get()
    assert attachment.filename == "ho-so.pdf"


def test_honeypot_and_flood(agencies, settings) -> None:
    bot = Client()
    answer = bot.post("/phan-anh/", _form(website="http://spam.example"))
    assert answer.status_code == 302 and Feedback.objects.count() == 0
    settings.CCHC_SURVEY_RATE = "3/d"  # a minute can turn over mid-test on a busy machine
    statuses = [Client().post("/phan-anh/", _form()).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert Feedback.objects.count() == 3


def test_the_whole_path_is_audited_and_the_public_page_never_shows_the_sender(
    agencies, personas, client: Client
) -> None:
    item = _item()
    coordinator, officer_a, officer_b = (
        personas["coordinator"],
        personas["officer_a"],
        personas["officer_b"],
    )
    feedback_route(item=item, agency=agencies["a"], actor=coordinator)
    # Another agency cannot answer; the routed agency can.
    with pytest.raises(FeedbackError):
        feedback_answer(item=item, answer="Trả lời", actor=officer_b)
    with pytest.raises(FeedbackError):
        feedback_publish(item=item, actor=coordinator)  # nothing to publish yet
    feedback_answer(item=item, answer="Sở đã hướng dẫn nộp trực tuyến.", actor=officer_a)
    with pytest.raises(FeedbackError):
        feedback_answer(item=item, answer="Lần hai", actor=officer_a)
    lookup = client.get("/phan-anh/tra-cuu/", {"ma": item.code}).content.decode()
    assert "Sở đã hướng dẫn nộp trực tuyến." not in lookup  # not yet published
    feedback_publish(item=item, actor=coordinator)
    item.refresh_from_db()
    assert item.status == Feedback.Status.PUBLISHED
    lookup = client.get("/phan-anh/tra-cuu/", {"ma": item.code}).content.decode()
    assert "Sở đã hướng dẫn nộp trực tuyến." in lookup and "Sở Tư pháp" in lookup
    for secret in (NAME, PHONE, EMAIL, "Bí Mật", "0912345678"):
        assert secret not in lookup
    actions = list(
        AuditRecord.objects.filter(object_type="citizens.feedback", object_id=str(item.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["feedback.route", "feedback.answer", "feedback.publish"]
    for record in AuditRecord.objects.filter(object_type="citizens.feedback"):
        assert NAME not in str(record.before) + str(record.after) + record.object_label


def test_rejected_with_a_reason_the_sender_reads(agencies, personas, client: Client) -> None:
    item = _item()
    with pytest.raises(FeedbackError):
        feedback_reject(item=item, reason="  ", actor=personas["coordinator"])
    feedback_reject(
        item=item, reason="Không thuộc quy định hành chính.", actor=personas["coordinator"]
    )
    lookup = client.get("/phan-anh/tra-cuu/", {"ma": item.code}).content.decode()
    assert "Không tiếp nhận xử lý" in lookup and "Không thuộc quy định hành chính." in lookup


def test_an_answer_that_names_the_sender_is_published_without_it(
    agencies, personas, client: Client
) -> None:
    """The officer writes the sender's name, telephone and e-mail into the answer (and a
    rejection's reason): the public page prints the answer with them taken out, however
    the digits are spaced or the name is cut ("bà Lan"), and keeps the rest."""
    item = _item()
    feedback_route(item=item, agency=agencies["a"], actor=personas["coordinator"])
    given = NAME.split()[-1]
    digits = "".join(c for c in PHONE if c.isdigit())
    spaced = f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"
    feedback_answer(
        item=item,
        answer=(
            f"Kính gửi {NAME.upper()}: Sở đã hướng dẫn nộp trực tuyến. Cán bộ đã gọi bà "
            f"{given} theo số {spaced} và gửi thư tới {EMAIL.upper()}."
        ),
        actor=personas["officer_a"],
    )
    feedback_publish(item=item, actor=personas["coordinator"])
    lookup = client.get("/phan-anh/tra-cuu/", {"ma": item.code}).content.decode()
    assert "Sở đã hướng dẫn nộp trực tuyến." in lookup
    assert "[đã ẩn thông tin người gửi]" in lookup
    for secret in (NAME, NAME.upper(), f"bà {given}", spaced, digits, EMAIL, EMAIL.upper()):
        assert secret not in lookup, secret
    other = _item()
    feedback_reject(
        item=other, reason=f"Ông/bà {NAME} gửi trùng nội dung.", actor=personas["coordinator"]
    )
    lookup = client.get("/phan-anh/tra-cuu/", {"ma": other.code}).content.decode()
    assert "gửi trùng nội dung" in lookup and NAME not in lookup


def test_who_sees_and_does_what_through_the_pages(agencies, personas, login) -> None:
    item = _item()
    url = f"/phan-anh/xu-ly/{item.pk}/"
    officer = login("officer_a")
    assert officer.get(url).status_code == 404  # not routed to A yet
    coordinator = login("coordinator")
    page = coordinator.get(url).content.decode()
    assert NAME in page  # the province reads the sender to contact them
    assert coordinator.post(url, {"action": "route", "agency": agencies["a"].pk}).status_code == 302
    assert coordinator.post(url, {"action": "answer", "answer": "x"}).status_code == 403
    officer_b = login("officer_b")
    assert officer_b.get(url).status_code == 404
    assert officer_b.post(url, {"action": "answer", "answer": "x"}).status_code == 404
    officer = login("officer_a")
    assert officer.post(url, {"action": "route", "agency": agencies["b"].pk}).status_code == 403
    assert officer.post(url, {"action": "start"}).status_code == 302
    empty = officer.post(url, {"action": "answer", "answer": ""})
    assert empty.status_code == 400 and "Hãy ghi nội dung trả lời." in empty.content.decode()
    assert officer.post(url, {"action": "answer", "answer": "Đã xử lý."}).status_code == 302
    item.refresh_from_db()
    assert item.status == Feedback.Status.ANSWERED and item.answered_by == personas["officer_a"]
    listed = officer.get("/phan-anh/xu-ly/?loc=tat-ca").content.decode()
    assert format_code(item.code) in listed


def test_feedback_stats_counts_received_answered_on_time_and_overdue(agencies, personas, settings):
    settings.CCHC_TODAY = date(2022, 3, 1)
    late = _item()
    on_time = _item()
    never = _item()
    other = _item()
    for item in (late, on_time, never):
        feedback_route(item=item, agency=agencies["a"], actor=personas["coordinator"])
    feedback_route(item=other, agency=agencies["b"], actor=personas["coordinator"])
    settings.CCHC_TODAY = date(2022, 3, 3)
    feedback_answer(item=on_time, answer="Đúng hạn", actor=personas["officer_a"])
    settings.CCHC_TODAY = date(2022, 4, 1)
    feedback_answer(item=late, answer="Muộn", actor=personas["officer_a"])
    stats = feedback_stats(agencies["a"], date(2022, 1, 1), date(2022, 4, 30))
    assert (stats.received, stats.answered, stats.on_time, stats.overdue) == (3, 2, 1, 1)
    province = feedback_stats(None, date(2022, 1, 1), date(2022, 4, 30))
    assert (province.received, province.overdue) == (4, 2)
    # As of a day before the late answer: that item was still open and overdue then.
    earlier = feedback_stats(agencies["a"], date(2022, 1, 1), date(2022, 3, 31))
    assert (earlier.answered, earlier.overdue) == (1, 2)
    assert feedback_stats(agencies["a"], date(2023, 1, 1), date(2023, 12, 31)).received == 0


def test_overdue_feedback_is_in_the_agencys_digest_and_on_the_dashboard(
    agencies, personas, plan, settings, login, django_capture_on_commit_callbacks
) -> None:
    from cchc.reminders.services import reminders_plan, reminders_send

    personas["officer_a"].email = "officer_a@cchc.example"
    personas["officer_a"].save()
    settings.CCHC_TODAY = date(2022, 3, 1)
    item = _item(regulation="Thủ tục đăng ký khai sinh")
    feedback_route(item=item, agency=agencies["a"], actor=personas["coordinator"])
    settings.CCHC_TODAY = date(2022, 4, 1)
    plan = reminders_plan(today=date(2022, 4, 1))
    digest = next(d for d in plan.digests if d.agency_id == agencies["a"].pk)
    assert [line.code for line in digest.feedback] == [item.code]
    with django_capture_on_commit_callbacks(execute=True):
        result = reminders_send(today=date(2022, 4, 1))
    assert result.digests >= 1
    body = next(m for m in mail.outbox if "officer_a@cchc.example" in m.to).body
    assert "Thủ tục đăng ký khai sinh" in body and "quá hạn" in body.lower()
    assert NAME not in body
    # Sent once a day.
    assert reminders_plan(today=date(2022, 4, 1)).already_sent >= 1
    dashboard = login("coordinator").get("/dashboard/").content.decode()
    assert format_code(item.code) in dashboard and "Thủ tục đăng ký khai sinh" in dashboard


def test_normalize_code() -> None:
    assert normalize_code(" abcde-fghjk ") == "ABCDEFGHJK"
    assert normalize_code("o1l-I") == "0111"
