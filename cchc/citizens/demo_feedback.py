"""Demo feedback (15 items in every state) and the built-in plan's indicators with their
measured values, for `cchc load_demo`.

The indicators are the targets the 2022 plan of Quảng Trị states in its body (Nhiệm vụ
trọng tâm): ≥ 50 % of dossiers settled online at a high level and ≥ 30 % at level 4
(section 3), ≥ 30 % of agencies inspected (part III, Sở Nội vụ's duties), 100 % of public investment
disbursed (section 6), −10 % staffing of public service units by 2025 against 2021
(section 5, Nghị quyết 76/NQ-CP). The targets are the plan's; the baselines and every
measured value are synthetic, and their source says so. Senders are invented people of
example.invalid. A second run adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from cchc.agencies.models import Agency
from cchc.citizens.feedback import due_date, new_code
from cchc.citizens.models import Feedback, FeedbackType, Indicator, Measurement
from cchc.lib import calendar

DEMO_SOURCE = "Số liệu mẫu của bản trình diễn, không phải số liệu thật"


@dataclass(frozen=True)
class BuiltIn:
    code: str
    name: str
    unit: str
    direction: str
    baseline_year: int
    baseline: str
    target: str
    due_on: date
    agency: str  # a name of the province's agency list
    source: str
    # Synthetic values: (period, date, value)
    values: tuple[tuple[str, date, str], ...]


BUILT_IN = (
    BuiltIn(
        "ho-so-truc-tuyen-muc-do-cao",
        "Tỷ lệ hồ sơ giải quyết trực tuyến mức độ cao (mức độ 3, 4)",
        "%",
        "up",
        2021,
        "28",
        "50",
        date(2022, 12, 31),
        "Văn phòng UBND tỉnh",
        "Kế hoạch CCHC năm 2022, mục II.3: tỷ lệ hồ sơ giải quyết trực tuyến mức độ cao "
        "đạt tối thiểu 50%",
        (
            ("Quý I/2022", date(2022, 3, 31), "33.5"),
            ("Quý II/2022", date(2022, 6, 30), "41.2"),
        ),
    ),
    BuiltIn(
        "ho-so-truc-tuyen-muc-do-4",
        "Tỷ lệ hồ sơ giải quyết trực tuyến mức độ 4",
        "%",
        "up",
        2021,
        "12",
        "30",
        date(2022, 12, 31),
        "Văn phòng UBND tỉnh",
        "Kế hoạch CCHC năm 2022, mục II.3: tỷ lệ hồ sơ giải quyết trực tuyến mức độ 4 đạt "
        "tối thiểu 30%",
        (
            ("Quý I/2022", date(2022, 3, 31), "14.8"),
            ("Quý II/2022", date(2022, 6, 30), "17.6"),
        ),
    ),
    BuiltIn(
        "kiem-tra-cchc",
        "Tỷ lệ cơ quan, địa phương được kiểm tra công tác CCHC",
        "%",
        "up",
        2021,
        "0",
        "30",
        date(2022, 12, 31),
        "Sở Nội vụ",
        "Kế hoạch CCHC năm 2022, mục III (nhiệm vụ của Sở Nội vụ): kiểm tra ít nhất 30% số "
        "cơ quan, địa phương",
        (
            ("Quý I/2022", date(2022, 3, 31), "5"),
            ("Quý II/2022", date(2022, 6, 30), "16.7"),
        ),
    ),
    BuiltIn(
        "giai-ngan-dau-tu-cong",
        "Tỷ lệ giải ngân vốn đầu tư công theo kế hoạch năm",
        "%",
        "up",
        2021,
        "0",
        "100",
        date(2022, 12, 31),
        "Sở Kế hoạch và Đầu tư",
        "Kế hoạch CCHC năm 2022, mục II.6: giải ngân 100% vốn đầu tư công theo kế hoạch năm",
        (
            ("Quý I/2022", date(2022, 3, 31), "12.4"),
            ("Quý II/2022", date(2022, 6, 30), "31.0"),
        ),
    ),
    BuiltIn(
        "tinh-gian-bien-che-su-nghiep",
        "Biên chế sự nghiệp hưởng lương từ ngân sách nhà nước so với năm 2021",
        "%",
        "down",
        2021,
        "0",
        "-10",
        date(2025, 12, 31),
        "Sở Nội vụ",
        "Kế hoạch CCHC năm 2022, mục II.5: đến năm 2025 giảm 10% biên chế sự nghiệp hưởng "
        "lương từ ngân sách nhà nước so với năm 2021 (Nghị quyết 76/NQ-CP)",
        (("Năm 2021", date(2021, 12, 31), "0"), ("6 tháng đầu năm 2022", date(2022, 6, 30), "-1.8")),
    ),
)


def _agency(name: str) -> Agency | None:
    return Agency.objects.filter(name=name, closed_on__isnull=True).first()


@transaction.atomic
def demo_indicators_fill(today: date) -> tuple[int, int]:
    """The built-in indicators and their synthetic values up to `today`."""
    indicators = measurements = 0
    for spec in BUILT_IN:
        agency = _agency(spec.agency)
        if agency is None:
            continue
        indicator, _created = Indicator.objects.get_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "unit": spec.unit,
                "direction": spec.direction,
                "baseline_year": spec.baseline_year,
                "baseline_value": Decimal(spec.baseline),
                "target_value": Decimal(spec.target),
                "due_on": spec.due_on,
                "agency": agency,
                "source": spec.source,
            },
        )
        indicators += 1
        for period, day, value in spec.values:
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
    ("Thủ tục cấp phiếu lý lịch tư pháp", "Đề nghị cho nộp hồ sơ trực tuyến không cần bản giấy.", "published", "Sở Tư pháp", 60),
    ("Thủ tục chứng thực bản sao từ bản chính", "Phí chứng thực ở xã khác với ở huyện.", "published", "Sở Tư pháp", 45),
    ("Thủ tục cấp giấy phép xây dựng nhà ở riêng lẻ", "Thành phần hồ sơ yêu cầu bản vẽ quá chi tiết.", "answered", "Sở Xây dựng", 30),
    ("Thủ tục đăng ký khai sinh", "Đề nghị liên thông khai sinh với cấp thẻ bảo hiểm y tế.", "answered", "Sở Tư pháp", 20),
    ("Thủ tục cấp giấy phép xây dựng có thời hạn", "Thời gian giải quyết ghi trên cổng khác với thực tế.", "handling", "Sở Xây dựng", 40),
    ("Quy định về hồ sơ đăng ký kinh doanh hộ cá thể", "Yêu cầu nộp thêm giấy tờ không có trong quy định.", "handling", "Sở Kế hoạch và Đầu tư", 8),
    ("Thủ tục đăng ký lại khai sinh", "Xin hướng dẫn rõ trường hợp mất bản chính.", "routed", "Sở Tư pháp", 35),
    ("Thủ tục cấp chứng chỉ hành nghề xây dựng", "Không rõ cơ quan nào tiếp nhận hồ sơ.", "routed", "Sở Xây dựng", 5),
    ("Thủ tục cấp phép khai thác nước dưới đất", "Quy trình thẩm định kéo dài.", "routed", "Sở Tài nguyên và Môi trường", 3),
    ("Thủ tục đăng ký kết hôn có yếu tố nước ngoài", "Đề nghị giảm số lần phải đến trực tiếp.", "received", "", 2),
    ("Quy định thu phí thẩm định hồ sơ đất đai", "Mức phí niêm yết không thống nhất giữa các huyện.", "received", "", 1),
    ("Thủ tục cấp giấy chứng nhận quyền sử dụng đất lần đầu", "Hồ sơ bị trả lại nhiều lần, mỗi lần một lý do.", "received", "", 25),
    ("Giá vé xe buýt nội tỉnh", "Phản ánh giá vé tăng.", "rejected", "", 15),
    ("Thủ tục cấp bản sao trích lục hộ tịch", "Đề nghị cho nhận kết quả qua bưu điện.", "published", "Sở Tư pháp", 70),
    ("Thủ tục cấp giấy phép xây dựng sửa chữa", "Đề nghị đơn giản hóa hồ sơ sửa chữa nhỏ.", "answered", "Sở Xây dựng", 12),
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
