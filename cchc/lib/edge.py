"""Hostile input refused at the edge, before any view or database sees it.

Some inputs crash deeper layers in ways no view can guard against one by one:

- a NUL character (`%00`, `\\u0000`) in any text: PostgreSQL refuses to store or even compare
  it, SQLite stores it. Refused here for the path, the query string, form fields, upload
  file names and JSON bodies, so that both databases behave alike. File contents are not
  text and are not looked at;
- a body over `DATA_UPLOAD_MAX_MEMORY_SIZE` (Django's RequestDataTooBig): 413;
- a multipart body Django cannot parse (no boundary, say): 400;
- an integer beyond 64 bits, which SQLite's driver cannot bind (OverflowError).

Under /api/ every answer is JSON, including the 404 of an unknown URL and any error page
Django would render as HTML; elsewhere the user gets a page with a Vietnamese message.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _

NUL = "\x00"
# The largest id either database can hold (the documented maximum of every id in the API).
MAX_ID = 2**63 - 1
FORM_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _nul_refusal() -> Refused:
    return Refused(
        400,
        _(
            "Dữ liệu gửi lên có ký tự NUL (mã 0), ký tự không được phép trong văn bản. "
            "Hãy xoá ký tự đó rồi gửi lại; không có gì thay đổi."
        ),
    )


def _too_big() -> Refused:
    return Refused(413, _("Dữ liệu gửi lên quá lớn; không có gì thay đổi."))


def _unreadable() -> Refused:
    return Refused(
        400,
        _(
            "Không đọc được dữ liệu gửi lên: nội dung multipart/form-data thiếu hoặc sai "
            "ranh giới (boundary)."
        ),
    )


def _too_large_number() -> Refused:
    return Refused(422, _("Một số trong yêu cầu vượt quá giới hạn cho phép."))


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _check_querydict(data: QueryDict) -> None:
    for key, values in data.lists():
        if NUL in key or any(NUL in str(value) for value in values):
            raise _nul_refusal()


def _check_body(request: HttpRequest) -> None:
    content_type = request.content_type or ""
    if request.method == "POST" and content_type in FORM_TYPES:
        try:
            post, files = request.POST, request.FILES
        except RequestDataTooBig:
            raise _too_big() from None
        except (MultiPartParserError, TooManyFieldsSent, SuspiciousOperation):
            raise _unreadable() from None
        _check_querydict(post)
        for uploads in files.lists():
            if any(NUL in (upload.name or "") for upload in uploads[1]):
                raise _nul_refusal()
        return
    if content_type == "multipart/form-data":
        # A multipart PUT or PATCH: ninja parses it; its files are not text.
        return
    try:
        body = request.body
    except RequestDataTooBig:
        raise _too_big() from None
    if not body:
        return
    if content_type == "application/x-www-form-urlencoded":
        _check_querydict(QueryDict(body, encoding=request.encoding))
        return
    if "json" in content_type or content_type.startswith("text/"):
        if NUL.encode() in body:
            raise _nul_refusal()
        # Cheap test first: a NUL in JSON text is always written as the escape \u0000.
        if b"\\u0000" in body:
            try:
                parsed = json.loads(body)
            except ValueError:
                return  # not JSON after all: the view refuses it in its own words
            if _has_nul(parsed):
                raise _nul_refusal()


def _beyond_ids(part: str) -> bool:
    # Length first: int() refuses strings of more than 4,300 digits with a ValueError.
    return part.isascii() and part.isdigit() and (len(part) > 19 or int(part) > MAX_ID)


def _check(request: HttpRequest) -> None:
    if NUL in request.path or NUL in request.path_info:
        raise _nul_refusal()
    if any(_beyond_ids(part) for part in request.path_info.split("/")):
        # An id beyond 64 bits names nothing on either database (SQLite cannot even bind it).
        raise Refused(404, _("Không có địa chỉ hoặc dữ liệu này."))
    _check_querydict(request.GET)
    if request.method in BODY_METHODS:
        _check_body(request)


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _api_message(status: int) -> str:
    messages = {
        400: _("Yêu cầu không hợp lệ."),
        401: _("Chưa xác thực: thiếu hoặc sai khóa API."),
        403: _("Bạn không có quyền thực hiện thao tác này."),
        404: _("Không có địa chỉ hoặc dữ liệu này trong API."),
        405: _("Phương thức này không được hỗ trợ ở địa chỉ này."),
        413: _("Dữ liệu gửi lên quá lớn; không có gì thay đổi."),
    }
    return messages.get(status) or (
        _("Lỗi hệ thống; vui lòng thử lại sau.") if status >= 500 else _("Yêu cầu không hợp lệ.")
    )


def _answer(request: HttpRequest, refused: Refused) -> HttpResponse:
    if is_api(request):
        return JsonResponse(
            {"detail": refused.message},
            status=refused.status,
            json_dumps_params={"ensure_ascii": False},
        )
    # A page: 422 is an API notion; a person gets 400 with the same words.
    status = 400 if refused.status == 422 else refused.status
    if status == 404:
        return render(request, "404.html", status=404)
    return render(request, "refused.html", {"message": refused.message}, status=status)


class EdgeMiddleware:
    """Place after the language and authentication middleware (so the message is in the
    user's language and the page has its header) and before anything reads the body in
    a view; CSRF reads it in process_view, which runs after this."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            _check(request)
        except Refused as refused:
            return _answer(request, refused)
        response = self.get_response(request)
        if (
            is_api(request)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
            and not getattr(response, "streaming", False)
        ):
            # Django's own pages (an unknown URL's 404, a 400 from a broken request, a 500)
            # are HTML; an API client gets JSON with the same status.
            json_response = JsonResponse(
                {"detail": _api_message(response.status_code)},
                status=response.status_code,
                json_dumps_params={"ensure_ascii": False},
            )
            for header in ("Allow", "WWW-Authenticate", "Retry-After"):
                if header in response:
                    json_response[header] = response[header]
            return json_response
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OverflowError):
            return _answer(request, _too_large_number())
        if isinstance(exception, RequestDataTooBig):
            return _answer(request, _too_big())
        if isinstance(exception, MultiPartParserError):
            return _answer(request, _unreadable())
        return None
