"""The API refuses what does not validate, and answers an absent object, in the user's
language: the field that is wrong, and what it must be, never pydantic's English."""

from __future__ import annotations

import pytest

from cchc.api.errors import message_of
from cchc.plans.models import Plan


def test_a_limit_out_of_range_is_explained_in_vietnamese(login, plan: Plan) -> None:
    client = login("coordinator")
    response = client.get(f"/api/plans/{plan.pk}/activities?limit=5000")
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["msg"] == "Phải nhỏ hơn hoặc bằng 1000."
    assert error["loc"][-1] == "limit" and error["type"] == "less_than_equal"
    words = client.get(f"/api/plans/{plan.pk}/activities?limit=nhiều").json()["detail"]
    assert [e["msg"] for e in words] == ["Phải là một số nguyên."]
    assert "Input should" not in response.content.decode()


def test_a_missing_body_field_names_the_field(login, plan: Plan) -> None:
    client = login("coordinator")
    response = client.post("/api/indicators", {}, content_type="application/json")
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail and all(e["msg"] == "Thiếu trường bắt buộc này." for e in detail)
    assert {e["loc"][-1] for e in detail} >= {"code", "name"}


def test_an_absent_object_is_not_found_in_vietnamese(login, plan: Plan) -> None:
    response = login("coordinator").get("/api/plans/999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Không tìm thấy, hoặc bạn không được xem."}


def test_english_readers_get_english(login, plan: Plan, settings) -> None:  # type: ignore[no-untyped-def]
    client = login("coordinator")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(f"/api/plans/{plan.pk}/activities?limit=5000")
    assert response.json()["detail"][0]["msg"] == "Must be less than or equal to 1000."


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ({"type": "string_too_long", "ctx": {"max_length": 200}}, "Không được dài quá 200 ký tự."),
        ({"type": "date_from_datetime_parsing"}, "Phải là một ngày, dạng YYYY-MM-DD."),
        ({"type": "value_error", "msg": "Value error, Năm không hợp lệ."}, "Năm không hợp lệ."),
        (
            {"type": "literal_error", "ctx": {"expected": "'docx' or 'xlsx'"}},
            "Phải là một trong các giá trị: 'docx' or 'xlsx'.",
        ),
        ({"type": "frozen_field", "msg": "Field is frozen"}, "Giá trị không hợp lệ."),
        # Our own (PydanticCustomError) sentences are kept as they are.
        ({"type": "percent_not_a_number", "msg": "Tỷ lệ phải là số."}, "Tỷ lệ phải là số."),
    ],
)
def test_each_kind_of_error_has_a_sentence(db: None, error: dict, expected: str) -> None:
    assert message_of(error) == expected
