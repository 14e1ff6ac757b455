"""The API's own description: strict JSON that Swagger UI can read, and the docs page that
shows it in a real browser (Debian's Chromium driven by Playwright)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from cchc.accounts.models import User
from tests import factories


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _value in pairs]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        # YAML readers (Swagger UI's among them) refuse a repeated key outright.
        raise ValueError(f"duplicated keys: {repeated}")
    return dict(pairs)


def _strict(raw: bytes) -> dict[str, Any]:
    return json.loads(raw, object_pairs_hook=_refuse_duplicates)


def test_the_strict_parser_refuses_a_repeated_key() -> None:
    with pytest.raises(ValueError, match="403"):
        _strict(b'{"responses": {"403": {}, "403": {}}}')


@pytest.mark.django_db
def test_the_schema_has_no_repeated_key_and_documents_each_answer_once(client: Client) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = _strict(response.content)
    operations = [op for item in schema["paths"].values() for op in item.values()]
    assert len(operations) > 10
    for operation in operations:
        assert all(isinstance(status, str) for status in operation["responses"])
    # An operation that declares 403 and 422 itself keeps its own description of them.
    put = schema["paths"]["/api/reports/{report_id}"]["put"]
    assert {"200", "401", "403", "404", "409", "422"} <= set(put["responses"])
    # One that declares none still has them documented, once.
    listing = schema["paths"]["/api/plans/{plan_id}/activities"]["get"]
    assert {"401", "403", "422"} <= set(listing["responses"])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_docs_page_lists_the_operations_in_a_browser(
    live_server, browser, shots: Path, personas: dict[str, User]
) -> None:
    context = browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "leader")
    page.fill("#id_password", factories.PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_load_state("networkidle")

    page.goto(f"{live_server.url}/api/docs")
    page.wait_for_selector(".opblock", timeout=15000)
    page.screenshot(path=str(shots / "api-docs.png"), full_page=False)
    body = page.locator("body").inner_text()
    assert "Parser error" not in body
    assert "duplicated mapping key" not in body
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/plans/import" in [p.replace("\u200b", "") for p in paths]
    assert page.locator(".opblock").count() > 10
    assert not errors
    context.close()
