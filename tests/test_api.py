"""The REST API: read endpoints, token authentication, import, and the OpenAPI schema."""

import json

import pytest
from django.test import Client

from cchc.accounts.models import ApiToken
from cchc.plans.formats.jsonfmt import write_json
from cchc.plans.models import Activity, Plan, Task
from tests.factories import synthetic_document


@pytest.fixture
def token(personas):
    _token, key = ApiToken.issue(user=personas["coordinator"], name="test")
    return key


def bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_it_rejects_anonymous_requests(client, plan):
    assert client.get("/api/plans").status_code == 401


def test_it_rejects_a_wrong_or_revoked_token(client, plan, token):
    assert client.get("/api/plans", **bearer("cchc_wrong")).status_code == 401
    ApiToken.objects.update(revoked_at="2022-01-01T00:00:00Z")
    assert client.get("/api/plans", **bearer(token)).status_code == 401


def test_a_token_records_when_it_was_last_used_to_within_minutes(client, plan, token):
    """A client calling many times a minute does not write the token's row every time:
    the first call records it, the next ones within `LAST_USED_EVERY` do not, a later
    one does again."""
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cchc.accounts.models import LAST_USED_EVERY

    assert client.get("/api/plans", **bearer(token)).status_code == 200
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/api/plans", **bearer(token)).status_code == 200
    assert not [q for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    assert ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=first - LAST_USED_EVERY - timedelta(seconds=1))
    assert client.get("/api/plans", **bearer(token)).status_code == 200
    again = ApiToken.objects.get().last_used_at
    assert again is not None and again > first


def test_it_lists_plans_with_a_token(client, plan, token):
    response = client.get("/api/plans", **bearer(token))
    assert response.status_code == 200
    [item] = response.json()
    assert item["number"] == "99/KH-UBND"
    assert item["tasks"] == 14


def test_it_serves_the_browser_session_too(login, plan):
    assert login("officer_b").get(f"/api/plans/{plan.pk}").status_code == 200


def test_it_returns_404_for_an_unknown_plan(login, plan):
    assert login("leader").get("/api/plans/999999").status_code == 404


def test_it_lists_tasks_with_their_activities(login, plan):
    response = login("officer_a").get(f"/api/plans/{plan.pk}/tasks?area=I")
    assert response.status_code == 200
    tasks = response.json()
    assert tasks and {t["area_code"] for t in tasks} == {"I"}
    activity = tasks[0]["activities"][0]
    assert activity["lead"][0]["written_name"]
    assert "due_dates" in activity


def test_it_filters_activities_by_agency_including_groups(login, plan, agencies):
    client = login("officer_a")
    response = client.get(f"/api/plans/{plan.pk}/activities?agency={agencies['a'].pk}")
    ids = {a["id"] for a in response.json()}
    direct = set(
        Activity.objects.filter(assignees__agency=agencies["a"]).values_list("pk", flat=True)
    )
    via_group = set(
        Activity.objects.filter(assignees__group__members=agencies["a"]).values_list(
            "pk", flat=True
        )
    )
    assert direct and via_group
    assert ids == direct | via_group


def test_it_rejects_a_month_out_of_range(login, plan):
    response = login("officer_a").get(f"/api/plans/{plan.pk}/activities?due_month=13")
    assert response.status_code == 422


def test_it_imports_a_plan_with_a_token(client, agencies, token):
    data = write_json(synthetic_document(7, number="7/KH-UBND"))
    response = client.post(
        "/api/plans/import",
        {"file": _upload("plan.json", data)},
        **bearer(token),
    )
    # Accepted at once; the job (run at once by the tests' immediate backend) says how it went.
    assert response.status_code == 202, response.content
    job = response.json()
    assert response["Location"] == job["url"] == f"/api/jobs/{job['id']}"
    followed = client.get(job["url"], **bearer(token)).json()
    assert followed["status"] == "done"
    assert "7 nhiệm vụ" in followed["summary"]
    plan = Plan.objects.get(number="7/KH-UBND")
    assert followed["link"] == f"/plans/{plan.pk}/"
    assert plan.tasks.count() == 7


def test_a_failed_import_reports_every_issue_and_changes_nothing(client, agencies, token):
    document = synthetic_document(5, number="5/KH-UBND")
    document.areas[0].tasks[0].activities[0].lead = ["Sở Không Tồn Tại"]
    document.areas[1].tasks[0].activities[0].lead = ["Sở Tư phap"]
    before = Task.objects.count()
    response = client.post(
        "/api/plans/import", {"file": _upload("plan.json", write_json(document))}, **bearer(token)
    )
    assert response.status_code == 202
    body = client.get(response.json()["url"], **bearer(token)).json()
    assert body["status"] == "failed"
    messages = [issue["message"] for issue in body["errors"]]
    assert len(messages) == 1  # "Sở Tư phap" resolves: diacritics are folded
    assert "Sở Không Tồn Tại" in messages[0]
    assert "Không tìm thấy cơ quan" in messages[0]
    assert Task.objects.count() == before
    assert not Plan.objects.filter(number="5/KH-UBND").exists()


@pytest.mark.parametrize("persona", ["officer_a", "head_a", "leader", "appraiser"])
def test_only_coordinators_and_admins_may_import(client, personas, persona):
    _token, key = ApiToken.issue(user=personas[persona], name="t")
    data = write_json(synthetic_document(3, number="3/KH-UBND"))
    response = client.post("/api/plans/import", {"file": _upload("p.json", data)}, **bearer(key))
    assert response.status_code == 403
    assert not Plan.objects.filter(number="3/KH-UBND").exists()


def test_it_exports_a_plan_as_an_attachment(login, plan):
    client = login("leader")
    response = client.get(f"/api/plans/{plan.pk}/export?format=xlsx")
    assert response.status_code == 202
    job = client.get(response["Location"]).json()
    assert job["status"] == "done"
    assert job["file_url"] == f"/api/jobs/{job['id']}/file"
    download = client.get(job["file_url"])
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_file_that_is_no_plan_is_refused_at_once(client, agencies, token):
    response = client.post(
        "/api/plans/import", {"file": _upload("plan.json", b"not a plan")}, **bearer(token)
    )
    assert response.status_code == 400
    assert "không đọc được" in response.json()["issues"][0]["message"]


def test_another_agency_cannot_see_an_import_job(client, agencies, personas, token):
    data = write_json(synthetic_document(2, number="2/KH-UBND"))
    url = client.post("/api/plans/import", {"file": _upload("p.json", data)}, **bearer(token))[
        "Location"
    ]
    _token, officer = ApiToken.issue(user=personas["officer_b"], name="t")
    assert client.get(url, **bearer(officer)).status_code == 404
    assert client.get(url + "/file", **bearer(token)).status_code == 404  # an import has none
    assert (
        client.get("/api/jobs/00000000-0000-0000-0000-000000000000", **bearer(token)).status_code
        == 404
    )


def test_it_describes_itself_in_openapi(client: Client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/plans/import" in schema["paths"]
    assert "/api/plans/{plan_id}/activities" in schema["paths"]


def test_the_docs_page_uses_no_cdn(login, plan):
    html = login("leader").get("/api/docs").content.decode()
    assert "cdn" not in html.lower()


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_json_of_the_api_is_utf8_vietnamese(login, plan):
    response = login("leader").get(f"/api/plans/{plan.pk}/areas")
    assert "Lĩnh vực I" in json.dumps(response.json(), ensure_ascii=False)
