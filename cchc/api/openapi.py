"""The API object's OpenAPI description, made to say what the URLs really accept and answer.

Routes such as `/plans/{int:plan_id}` use Django's `int` converter, which matches only
digits: a negative id never reaches the view and gets the site's HTML 404. The schema
says so (minimum 0), and caps ids at the database's 64-bit range, so that clients and
the fuzzing in tests/test_schemathesis.py send what the server can answer in JSON.

Every operation may also answer 401 (no valid token or session), 403 (the permission
table says no) and 422 (a parameter that does not validate: ninja's list of problems, or
one message); one that takes input may answer 400 too, when `cchc.lib.edge` refuses it
before the view (a NUL character, a body it cannot read). Those answers are documented on
every operation that can give them.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from cchc.api.lists import HEADERS, PAGED

MAX_ID = 2**63 - 1

_DETAIL = {
    "type": "object",
    "properties": {
        "detail": {
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "object"}}],
            "title": "Detail",
        }
    },
    "required": ["detail"],
}
COMMON_RESPONSES: dict[str, str] = {
    "401": "Chưa xác thực: thiếu hoặc sai khóa API.",
    "403": "Không có quyền thực hiện thao tác này.",
    "422": "Tham số không hợp lệ.",
    "400": "Dữ liệu bị từ chối trước khi xử lý (ví dụ có ký tự NUL); không có gì thay đổi.",
}


def _string_keys(operation: dict[str, Any]) -> dict[str, Any]:
    """The operation's responses keyed by strings, as JSON keys are.

    ninja keys the responses an operation declares by int (403), while the ones added here
    are strings ("403"): both in one dict serialise as two "403" keys, which YAML-based
    readers such as Swagger UI refuse outright ("duplicated mapping key"). What the
    operation itself declares wins.
    """
    responses: dict[str, Any] = {}
    for status, response in operation.get("responses", {}).items():
        responses.setdefault(str(status), response)
    operation["responses"] = responses
    return responses


def _document(operation: dict[str, Any], status: str, description: str) -> None:
    responses = _string_keys(operation)
    if status not in responses:
        responses[status] = {
            "description": description,
            "content": {"application/json": {"schema": _DETAIL}},
        }


class CchcAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                responses = _string_keys(operation)
                if operation.pop(PAGED, False) and "200" in responses:
                    # The list endpoints of `cchc.api.lists`: the page's headers.
                    responses["200"]["headers"] = HEADERS
                for parameter in operation.get("parameters", []):
                    spec = parameter.get("schema", {})
                    if parameter.get("in") == "path" and spec.get("type") == "integer":
                        spec.setdefault("minimum", 0)
                        spec.setdefault("maximum", MAX_ID)
                if operation.get("security"):
                    _document(operation, "401", COMMON_RESPONSES["401"])
                    _document(operation, "403", COMMON_RESPONSES["403"])
                if operation.get("parameters") or operation.get("requestBody"):
                    _document(operation, "422", COMMON_RESPONSES["422"])
                    _document(operation, "400", COMMON_RESPONSES["400"])
        return schema
