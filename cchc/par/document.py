"""A criteria set as a plain document, between files (XLSX, the shipped JSON) and the
database, and the checks every set passes whatever its origin.

`validate_nodes` is the one validation: the import, the shipped defaults, the copy and the
tree page all ask it, so a set that imports is a set the tree page finds nothing wrong with.
Each problem names the node (its code) and, for a file, the row it came from.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from cchc.par.computed import key_problem

CODE = re.compile(r"^[1-9]\d?(\.[1-9]\d?){0,2}$")
METHODS = ("self", "survey", "computed")
KEY = re.compile(r"^[a-z][a-z0-9_]{1,59}$")
MAX_TITLE = 500
MAX_TEXT = 5000
MAX_NODES = 2000
MAX_POINTS = Decimal("1000")


@dataclass
class NodeRow:
    code: str
    title: str
    max_points: Decimal
    method: str = ""
    computation_key: str = ""
    points_known: bool = True
    points_note: str = ""
    max_differs_reason: str = ""
    guidance: str = ""
    row: int | None = None  # where it came from in a file, for the messages

    @property
    def level(self) -> int:
        return self.code.count(".") + 1

    @property
    def parent_code(self) -> str | None:
        return self.code.rsplit(".", 1)[0] if "." in self.code else None


@dataclass
class SetDocument:
    title: str = ""
    year: int | None = None
    group_code: str = ""
    step: Decimal = Decimal("0.25")
    source_note: str = ""
    nodes: list[NodeRow] = field(default_factory=list)


@dataclass(frozen=True)
class Problem:
    code: str  # the node's code; "" for the set as a whole
    message: str
    row: int | None = None


def fmt_points(value: Decimal) -> str:
    """Points as a Vietnamese table writes them: 2,5 and 20 (no trailing zeros)."""
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def bad_text(text: str) -> bool:
    """Control characters (NUL included) a pasted text may carry; line breaks are fine."""
    return any(unicodedata.category(ch) == "Cc" and ch not in "\n\t\r" for ch in text)


def children_of(nodes: list[NodeRow]) -> dict[str, list[NodeRow]]:
    children: dict[str, list[NodeRow]] = {}
    for node in nodes:
        if node.parent_code is not None:
            children.setdefault(node.parent_code, []).append(node)
    return children


def validate_nodes(nodes: list[NodeRow], step: Decimal) -> list[Problem]:
    """Every problem of a tree, node by node, in Vietnamese."""
    problems: list[Problem] = []

    def add(node: NodeRow | None, message: str) -> None:
        problems.append(Problem(node.code if node else "", message, node.row if node else None))

    if step <= 0:
        add(None, _("Bước điểm phải lớn hơn 0."))
        step = Decimal("0.01")
    if not nodes:
        add(None, _("Bộ tiêu chí chưa có lĩnh vực nào."))
        return problems
    if len(nodes) > MAX_NODES:
        add(None, _("Bộ tiêu chí có quá %(n)s tiêu chí.") % {"n": MAX_NODES})
        return problems
    seen: dict[str, NodeRow] = {}
    for node in nodes:
        if not CODE.match(node.code):
            add(
                node,
                _(
                    "Mã «%(code)s» không đúng dạng: lĩnh vực là một số (1), tiêu chí hai số "
                    "(1.1), tiêu chí thành phần ba số (1.1.1)."
                )
                % {"code": node.code[:30]},
            )
            continue
        if node.code in seen:
            add(node, _("Mã %(code)s bị trùng.") % {"code": node.code})
            continue
        seen[node.code] = node
    children = children_of(list(seen.values()))
    for node in seen.values():
        if node.parent_code is not None and node.parent_code not in seen:
            add(
                node,
                _("Không có mục %(parent)s chứa tiêu chí %(code)s.")
                % {"parent": node.parent_code, "code": node.code},
            )
        if not node.title.strip():
            add(node, _("Thiếu tên."))
        elif len(node.title) > MAX_TITLE:
            add(node, _("Tên dài quá %(n)s ký tự.") % {"n": MAX_TITLE})
        for text in (node.title, node.guidance, node.points_note, node.max_differs_reason):
            if bad_text(text):
                add(node, _("Có ký tự điều khiển không hợp lệ (ví dụ ký tự NUL); hãy xoá đi."))
                break
            if len(text) > MAX_TEXT:
                add(node, _("Một nội dung dài quá %(n)s ký tự.") % {"n": MAX_TEXT})
                break
        if node.max_points < 0 or node.max_points > MAX_POINTS:
            add(
                node,
                _("Điểm tối đa %(max)s phải từ 0 đến %(limit)s.")
                % {"max": fmt_points(node.max_points), "limit": fmt_points(MAX_POINTS)},
            )
        elif node.max_points % step != 0:
            add(
                node,
                _("Điểm tối đa %(max)s không phải bội số của bước điểm %(step)s.")
                % {"max": fmt_points(node.max_points), "step": fmt_points(step)},
            )
        kids = children.get(node.code, [])
        if kids:
            if node.method:
                add(
                    node,
                    _(
                        "Mục có tiêu chí con thì không chấm trực tiếp: bỏ cách chấm, điểm là "
                        "tổng của các tiêu chí con."
                    ),
                )
            total = sum((k.max_points for k in kids), Decimal(0))
            if total != node.max_points and not node.max_differs_reason.strip():
                add(
                    node,
                    _(
                        "Điểm tối đa %(max)s khác tổng điểm các tiêu chí con (%(sum)s). Sửa "
                        "điểm, hoặc ghi lý do được phép khác."
                    )
                    % {"max": fmt_points(node.max_points), "sum": fmt_points(total)},
                )
        else:
            if node.method not in METHODS:
                add(
                    node,
                    _(
                        "Tiêu chí không có tiêu chí con phải có cách chấm: tự đánh giá, điều "
                        "tra xã hội học hoặc tính từ dữ liệu."
                    ),
                )
        if node.method == "computed":
            if not KEY.match(node.computation_key):
                add(
                    node,
                    _(
                        "Tiêu chí tính từ dữ liệu cần mã phép tính (chữ thường không dấu, số, "
                        "gạch dưới; ví dụ lead_activities_on_time)."
                    ),
                )
            else:
                problem = key_problem(node.method, node.computation_key)
                if problem:
                    add(node, problem)
        elif node.method == "survey" and node.computation_key:
            # A survey criterion may take the citizens' index instead of a typed number.
            problem = key_problem(node.method, node.computation_key)
            if problem:
                add(node, problem)
        elif node.computation_key:
            add(
                node,
                _("Chỉ tiêu chí tính từ dữ liệu hoặc điều tra xã hội học mới có mã phép tính."),
            )
    areas = [n for n in seen.values() if n.level == 1]
    if not areas:
        add(None, _("Bộ tiêu chí chưa có lĩnh vực nào."))
    elif sum((a.max_points for a in areas), Decimal(0)) <= 0:
        add(None, _("Tổng điểm tối đa của bộ tiêu chí phải lớn hơn 0."))
    return problems
