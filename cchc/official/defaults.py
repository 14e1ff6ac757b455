"""The default templates: the quarterly, 6-month, 9-month and annual CCHC reports.

Their sections follow the usual outline of a CCHC report (direction; results per reform
area; documents and satisfaction; assessment; next period; proposals). The data migration
`0002_default_templates` writes them as version 1; the admin edits them into new versions.
Kept as plain data (no gettext): they are the content of a Vietnamese document.
"""

from __future__ import annotations

from typing import Any

NEXT = {
    "quarter": "Phương hướng, nhiệm vụ quý tới",
    "half_year": "Phương hướng, nhiệm vụ 6 tháng cuối năm",
    "nine_months": "Phương hướng, nhiệm vụ quý IV",
    "year": "Phương hướng, nhiệm vụ năm tới",
}
TITLE = "Kết quả thực hiện công tác cải cách hành chính {period}"


def sections(kind: str) -> list[dict[str, Any]]:
    return [
        {
            "title": "Công tác chỉ đạo, điều hành cải cách hành chính",
            "blocks": [],
            "slots": [{"key": "chi-dao", "label": "Công tác chỉ đạo, điều hành"}],
        },
        {
            "title": "Kết quả thực hiện các nhiệm vụ cải cách hành chính",
            "per_area": True,
            "blocks": ["tasks_by_area", "timeliness_by_area"],
            "slots": [{"key": "ket-qua", "label": "Kết quả thực hiện", "prefill": "progress"}],
        },
        {
            "title": "Văn bản đã ban hành, mức độ hài lòng, phản ánh, kiến nghị và chỉ tiêu",
            "blocks": [
                "documents_issued",
                "survey_index",
                "feedback_stats",
                "indicator_values",
                "par_results",
            ],
            "slots": [{"key": "hai-long", "label": "Nhận xét"}],
        },
        {
            "title": "Đánh giá chung",
            "blocks": [],
            "slots": [
                {"key": "uu-diem", "label": "Ưu điểm"},
                {"key": "han-che", "label": "Tồn tại, hạn chế và nguyên nhân"},
            ],
        },
        {
            "title": NEXT[kind],
            "blocks": [],
            "slots": [{"key": "phuong-huong", "label": NEXT[kind]}],
        },
        {
            "title": "Đề xuất, kiến nghị",
            "blocks": [],
            "slots": [{"key": "kien-nghi", "label": "Đề xuất, kiến nghị"}],
        },
    ]


KINDS = ("quarter", "half_year", "nine_months", "year")
