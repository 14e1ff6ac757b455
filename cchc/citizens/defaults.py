"""The default survey: the 5 SIPAS elements and the 19 items of Part II of the 2023–2026
questionnaire (1001/QĐ-BNV), as read in a transcription that is not the official annex.

The questions are worded here from that transcription, so the definition is marked
illustrative: a province checks them against the official annex and, if they differ,
publishes a new version (responses keep the version they answered).
"""

from __future__ import annotations

CODE = "sipas"
TITLE = "Khảo sát mức độ hài lòng về sự phục vụ hành chính"
SOURCE = (
    "Phương pháp đo lường SIPAS giai đoạn 2023–2026 (Quyết định 1001/QĐ-BNV ngày "
    "11/12/2023 của Bộ Nội vụ), Phần II: dịch vụ hành chính công, 5 yếu tố, 19 tiêu chí."
)
NOTE = (
    "Minh họa: câu hỏi được diễn đạt lại từ một bản chép 19 tiêu chí, không phải phụ lục "
    "chính thức của Quyết định 1001/QĐ-BNV. Cần đối chiếu với phụ lục chính thức trước khi "
    "công bố kết quả."
)
SCALE = ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"]

ELEMENTS: list[tuple[str, str, list[str]]] = [
    (
        "tiep-can",
        "Tiếp cận dịch vụ",
        [
            "Thông tin về nơi tiếp nhận, giờ làm việc được cung cấp đầy đủ, dễ tìm",
            "Biển chỉ dẫn, sơ đồ nơi tiếp nhận và trả kết quả rõ ràng",
            "Nơi tiếp nhận và trả kết quả sạch sẽ, thoáng mát",
            "Trang thiết bị phục vụ người dân (ghế ngồi, máy tra cứu…) đầy đủ, dùng được",
        ],
    ),
    (
        "thu-tuc",
        "Thủ tục hành chính",
        [
            "Thủ tục hành chính được niêm yết công khai, đầy đủ",
            "Thành phần hồ sơ phải nộp đúng như quy định được công khai",
            "Phí, lệ phí phải nộp đúng như quy định được công khai",
            "Thời hạn giải quyết đúng như quy định được công khai",
        ],
    ),
    (
        "cong-chuc",
        "Công chức trực tiếp giải quyết công việc",
        [
            "Công chức có thái độ lịch sự khi tiếp nhận và trả kết quả",
            "Công chức tiếp nhận, giải quyết hồ sơ kịp thời",
            "Công chức hướng dẫn kê khai hồ sơ một lần, đầy đủ, dễ hiểu",
            "Công chức tuân thủ đúng quy định trong giải quyết công việc",
            "Công chức tận tình, chu đáo",
        ],
    ),
    (
        "ket-qua",
        "Kết quả giải quyết thủ tục hành chính",
        [
            "Kết quả được trả đúng hạn",
            "Kết quả có thông tin đầy đủ, chính xác",
            "Kết quả giải quyết công bằng",
        ],
    ),
    (
        "gop-y",
        "Tiếp nhận, giải quyết góp ý, phản ánh, kiến nghị",
        [
            "Dễ dàng gửi góp ý, phản ánh, kiến nghị",
            "Góp ý, phản ánh, kiến nghị được tiếp nhận, xử lý đúng quy định",
            "Góp ý, phản ánh, kiến nghị được trả lời kịp thời",
        ],
    ),
]


def create_default(apps: object = None) -> object:
    """Create version 1 of the default definition (active) unless it exists; returns it.

    `apps` is a migration's app registry, or None for the live models."""
    if apps is None:
        from cchc.citizens import models as live

        definitions, elements, questions = (
            live.SurveyDefinition,
            live.SurveyElement,
            live.SurveyQuestion,
        )
    else:
        definitions = apps.get_model("citizens", "SurveyDefinition")  # type: ignore[attr-defined]
        elements = apps.get_model("citizens", "SurveyElement")  # type: ignore[attr-defined]
        questions = apps.get_model("citizens", "SurveyQuestion")  # type: ignore[attr-defined]
    found = definitions.objects.filter(code=CODE).order_by("version").first()
    if found is not None:
        return found
    definition = definitions.objects.create(
        code=CODE,
        version=1,
        title=TITLE,
        source=SOURCE,
        illustrative=True,
        note=NOTE,
        scale=SCALE,
        is_active=True,
    )
    for position, (code, title, items) in enumerate(ELEMENTS, start=1):
        element = elements.objects.create(
            definition=definition, position=position, code=code, title=title
        )
        questions.objects.bulk_create(
            [
                questions(element=element, position=number, text=text)
                for number, text in enumerate(items, start=1)
            ]
        )
    return definition
