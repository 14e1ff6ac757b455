"""The API's answers to a request it cannot take, in the user's language.

Ninja answers a parameter or body that does not validate with pydantic's messages
("Input should be greater than or equal to 0") and an absent object with "Not Found":
English whatever the user reads. Here each pydantic error keeps its `type` and `loc` for
programs, and its `msg` is said again in Vietnamese (English through the catalogue), with
the limits pydantic reports in `ctx`."""

from __future__ import annotations

from typing import Any, get_args

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import ValidationError
from pydantic_core.core_schema import ErrorType

# pydantic's error types (https://docs.pydantic.dev/latest/errors/validation_errors/), by
# what the user must change; `{name}` is filled from the error's ctx.
MESSAGES: dict[str, Promise] = {
    "missing": gettext_lazy("Thiếu trường bắt buộc này."),
    "greater_than": gettext_lazy("Phải lớn hơn {gt}."),
    "greater_than_equal": gettext_lazy("Phải lớn hơn hoặc bằng {ge}."),
    "less_than": gettext_lazy("Phải nhỏ hơn {lt}."),
    "less_than_equal": gettext_lazy("Phải nhỏ hơn hoặc bằng {le}."),
    "multiple_of": gettext_lazy("Phải là bội số của {multiple_of}."),
    "finite_number": gettext_lazy("Phải là một số hữu hạn."),
    "string_too_short": gettext_lazy("Phải có ít nhất {min_length} ký tự."),
    "string_too_long": gettext_lazy("Không được dài quá {max_length} ký tự."),
    "too_short": gettext_lazy("Phải có ít nhất {min_length} phần tử."),
    "too_long": gettext_lazy("Không được nhiều quá {max_length} phần tử."),
    "string_pattern_mismatch": gettext_lazy("Không đúng định dạng yêu cầu."),
    "literal_error": gettext_lazy("Phải là một trong các giá trị: {expected}."),
    "enum": gettext_lazy("Phải là một trong các giá trị: {expected}."),
    "extra_forbidden": gettext_lazy("Trường này không được nhận."),
    "decimal_max_places": gettext_lazy("Không được quá {decimal_places} chữ số thập phân."),
    "decimal_max_digits": gettext_lazy("Không được quá {max_digits} chữ số."),
    "decimal_whole_digits": gettext_lazy("Phần nguyên không được quá {whole_digits} chữ số."),
}
# Types that only say which kind of value was expected.
KINDS: dict[str, Promise] = {
    "int": gettext_lazy("Phải là một số nguyên."),
    "float": gettext_lazy("Phải là một số."),
    "decimal": gettext_lazy("Phải là một số."),
    "bool": gettext_lazy("Phải là true hoặc false."),
    "string": gettext_lazy("Phải là một chuỗi ký tự."),
    "date": gettext_lazy("Phải là một ngày, dạng YYYY-MM-DD."),
    "datetime": gettext_lazy("Phải là một thời điểm, dạng ISO 8601."),
    "time": gettext_lazy("Phải là một giờ, dạng HH:MM."),
    "uuid": gettext_lazy("Phải là một mã UUID."),
    "list": gettext_lazy("Phải là một danh sách."),
    "dict": gettext_lazy("Phải là một đối tượng JSON."),
    "model": gettext_lazy("Phải là một đối tượng JSON."),
    "json": gettext_lazy("Nội dung JSON không hợp lệ."),
    "url": gettext_lazy("Phải là một địa chỉ URL."),
}


# pydantic's own types; any other was raised by our code (PydanticCustomError) with a
# sentence already in the user's language.
PYDANTIC_TYPES = frozenset(get_args(ErrorType))


def message_of(error: dict[str, Any]) -> str:
    """The Vietnamese (or English) sentence for one pydantic error."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind not in PYDANTIC_TYPES:
        return str(error.get("msg", "")) or _("Giá trị không hợp lệ.")
    if kind in MESSAGES:
        try:
            return str(MESSAGES[kind]).format(**{k: _plain(v) for k, v in ctx.items()})
        except (KeyError, IndexError):
            pass
    if kind in ("value_error", "assertion_error"):
        # Our own validators raise with a sentence already in the user's language.
        text = str(error.get("msg", ""))
        for prefix in ("Value error, ", "Assertion failed, "):
            text = text.removeprefix(prefix)
        return text
    head = kind.split("_", 1)[0]
    if head in KINDS:
        return str(KINDS[head])
    return _("Giá trị không hợp lệ.")


def _plain(value: Any) -> str:
    # ctx holds numbers (1000, 0.5) and pydantic's quoted lists ("'docx', 'xlsx'").
    return str(value)


def install(api: NinjaAPI) -> None:
    def validation_error(request: HttpRequest, exc: Any) -> HttpResponse:
        errors = [
            {**{k: v for k, v in error.items() if k != "ctx"}, "msg": message_of(error)}
            for error in exc.errors
        ]
        return api.create_response(request, {"detail": errors}, status=422)

    def not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return api.create_response(
            request, {"detail": _("Không tìm thấy, hoặc bạn không được xem.")}, status=404
        )

    api.add_exception_handler(ValidationError, validation_error)
    api.add_exception_handler(Http404, not_found)
