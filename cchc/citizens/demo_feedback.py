"""Demo feedback (15 items in every state) and the built-in plan's indicators with their
measured values, for `cchc load_demo`.

The indicators are those the loaded 2022 plan of Quảng Trị carries (`plans.Indicator`:
≥ 50 % of dossiers settled online at a high level, ≥ 30 % at level 4, ≥ 30 % of agencies
inspected, 100 % of public investment disbursed, −10 % staffing by 2025 against 2021, and
the reporting system's ≥ 30 %), tracked as `citizens.Indicator`. The targets are the
plan's; the baselines the plan does not give and every measured value are synthetic, and
their source says so. Senders are invented people of
example.invalid. A second run adds nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from cchc.agencies.models import Agency
from cchc.citizens.feedback import due_date, new_code
from cchc.citizens.indicators import indicator_from_plan
from cchc.citizens.models import Feedback, FeedbackType, Measurement
from cchc.lib import calendar
from cchc.plans.models import Indicator as PlanIndicator
from cchc.plans.models import Plan

DEMO_SOURCE = "Số liệu mẫu của bản trình diễn, không phải số liệu thật"


# For each indicator of the built-in plan (by its code in the plan): the agency
# responsible, a synthetic baseline (year, value) where the plan gives none, and
# synthetic values (period, date, value).
DEMO_VALUES: dict[str, tuple[str, int, str, tuple[tuple[str, date, str], ...]]] = {
    "online-high": (
        "Văn phòng UBND tỉnh",
        2021,
        "28",
        (("Quý I/2022", date(2022, 3, 31), "33.5"), ("Quý II/2022", date(2022, 6, 30), "41.2")),
    ),
    "online-level4": (
        "Văn phòng UBND tỉnh",
        2021,
        "12",
        (("Quý I/2022", date(2022, 3, 31), "14.8"), ("Quý II/2022", date(2022, 6, 30), "17.6")),
    ),
    "inspection-coverage": (
        "Sở Nội vụ",
        2021,
        "0",
        (("Quý I/2022", date(2022, 3, 31), "5"), ("Quý II/2022", date(2022, 6, 30), "16.7")),
    ),
    "public-investment-disbursement": (
        "Sở Kế hoạch và Đầu tư",
        2021,
        "0",
        (("Quý I/2022", date(2022, 3, 31), "12.4"), ("Quý II/2022", date(2022, 6, 30), "31")),
    ),
    "nonbusiness-staffing-cut": (
        "Sở Nội vụ",
        2021,
        "0",
        (
            ("Năm 2021", date(2021, 12, 31), "0"),
            ("6 tháng đầu năm 2022", date(2022, 6, 30), "-1.8"),
        ),
    ),
    "reporting-system-rate": (
        "Sở Thông tin và Truyền thông",
        2021,
        "10",
        (("Quý I/2022", date(2022, 3, 31), "12"), ("Quý II/2022", date(2022, 6, 30), "22")),
    ),
}


def _agency(name: str) -> Agency | None:
    return Agency.objects.filter(name=name, closed_on__isnull=True).first()


@transaction.atomic
def demo_indicators_fill(today: date, plan: Plan | None = None) -> tuple[int, int]:
    """Track every indicator of the plan (its name, unit, direction, target and due date
    as the plan states them), with synthetic baselines and values up to `today`."""
    indicators = measurements = 0
    rows = PlanIndicator.objects.select_related("plan").order_by("plan_id", "position")
    if plan is not None:
        rows = rows.filter(plan=plan)
    for row in rows:
        agency_name, base_year, base_value, values = DEMO_VALUES.get(
            row.code, ("Văn phòng UBND tỉnh", 2021, "0", ())
        )
        agency = _agency(agency_name) or _agency("Văn phòng UBND tỉnh")
        if agency is None or row.due_on is None:
            continue
        indicator, _created = indicator_from_plan(
            row,
            agency=agency,
            baseline_year=row.baseline_year or base_year,
            baseline_value=row.baseline if row.baseline is not None else Decimal(base_value),
        )
        indicators += 1
        for period, day, value in values:
            if day > today:
                continue
            _m, made = Measurement.objects.get_or_create(
                indicator=indicator,
                measured_on=day,
                defaults={"period": period, "value": Decimal(value), "source": DEMO_SOURCE},
            )
            measurements += made
    return indicators, measurements


# (regulation, content, state, agency name, days before today received)
FEEDBACK = (
    (
        "Thủ tục cấp phiếu lý lịch tư pháp",
        "Đề nghị cho nộp hồ sơ trực tuyến không cần bản giấy.",
        "published",
        "Sở Tư pháp",
        60,
    ),
    (
        "Thủ tục chứng thực bản sao từ bản chính",
        "Phí chứng thực ở xã khác với ở huyện.",
        "published",
        "Sở Tư pháp",
        45,
    ),
    (
        "Thủ tục cấp giấy phép xây dựng nhà ở riêng lẻ",
        "Thành phần hồ sơ yêu cầu bản vẽ quá chi tiết.",
        "answered",
        "Sở Xây dựng",
        30,
    ),
    (
        "Thủ tục đăng ký khai sinh",
        "Đề nghị liên thông khai sinh với cấp thẻ bảo hiểm y tế.",
        "answered",
        "Sở Tư pháp",
        20,
    ),
    (
        "Thủ tục cấp giấy phép xây dựng có thời hạn",
        "Thời gian giải quyết ghi trên cổng khác với thực tế.",
        "handling",
        "Sở Xây dựng",
        40,
    ),
    (
        "Quy định về hồ sơ đăng ký kinh doanh hộ cá thể",
        "Yêu cầu nộp thêm giấy tờ không có trong quy định.",
        "handling",
        "Sở Kế hoạch và Đầu tư",
        8,
    ),
    (
        "Thủ tục đăng ký lại khai sinh",
        "Xin hướng dẫn rõ trường hợp mất bản chính.",
        "routed",
        "Sở Tư pháp",
        35,
    ),
    (
        "Thủ tục cấp chứng chỉ hành nghề xây dựng",
        "Không rõ cơ quan nào tiếp nhận hồ sơ.",
        "routed",
        "Sở Xây dựng",
        5,
    ),
    (
        "Thủ tục cấp phép khai thác nước dưới đất",
        "Quy trình thẩm định kéo dài.",
        "routed",
        "Sở Tài nguyên và Môi trường",
        3,
    ),
    (
        "Thủ tục đăng ký kết hôn có yếu tố nước ngoài",
        "Đề nghị giảm số lần phải đến trực tiếp.",
        "received",
        "",
        2,
    ),
    (
        "Quy định thu phí thẩm định hồ sơ đất đai",
        "Mức phí niêm yết không thống nhất giữa các huyện.",
        "received",
        "",
        1,
    ),
    (
        "Thủ tục cấp giấy chứng nhận quyền sử dụng đất lần đầu",
        "Hồ sơ bị trả lại nhiều lần, mỗi lần một lý do.",
        "received",
        "",
        25,
    ),
    ("Giá vé xe buýt nội tỉnh", "Phản ánh giá vé tăng.", "rejected", "", 15),
    (
        "Thủ tục cấp bản sao trích lục hộ tịch",
        "Đề nghị cho nhận kết quả qua bưu điện.",
        "published",
        "Sở Tư pháp",
        70,
    ),
    (
        "Thủ tục cấp giấy phép xây dựng sửa chữa",
        "Đề nghị đơn giản hóa hồ sơ sửa chữa nhỏ.",
        "answered",
        "Sở Xây dựng",
        12,
    ),
)
ANSWER = (
    "Cơ quan đã tiếp thu phản ánh, kiến nghị và có văn bản hướng dẫn thực hiện thống nhất "
    "trên địa bàn tỉnh; nội dung chi tiết đăng trên Cổng dịch vụ công của tỉnh."
)
REJECTED = "Nội dung không thuộc phạm vi quy định hành chính (giá dịch vụ vận tải)."


@transaction.atomic
def demo_feedback_fill(today: date) -> int:
    """Fifteen feedback items received before `today`, in every state."""
    if Feedback.objects.exists():
        return 0
    types = list(FeedbackType.objects.order_by("position"))
    if not types:
        return 0
    working = calendar.WorkingCalendar()
    made = 0
    for number, (regulation, content, state, agency_name, days) in enumerate(FEEDBACK, start=1):
        feedback_type = types[number % len(types)]
        received_on = today - timedelta(days=days)
        agency = _agency(agency_name) if agency_name else None
        if agency_name and agency is None:
            continue
        due_on = due_date(received_on, feedback_type)
        item = Feedback(
            code=new_code(),
            type=feedback_type,
            regulation=regulation,
            content=content,
            sender_name=f"Người gửi mẫu số {number}",
            sender_phone=f"0900 000 {number:03d}",
            sender_email=f"nguoi-gui-{number}@example.invalid",
            received_at=timezone.make_aware(datetime.combine(received_on, time(9, 0))),
            received_on=received_on,
            due_on=due_on,
            agency=agency,
            status=state,
        )
        if agency is not None:
            item.routed_at = item.received_at + timedelta(days=1)
        if state in ("answered", "published"):
            # Most are answered in time; the oldest published one was late.
            answered = working.add_working_days(received_on, feedback_type.deadline_days - 2)
            if number == 14:
                answered = working.add_working_days(due_on, 3)
            item.answered_on = min(answered, today)
            item.answer = ANSWER
        if state == "published":
            item.published_on = item.answered_on
        if state == "rejected":
            item.rejection_reason = REJECTED
        item.save()
        made += 1
    return made
