"""Web hardening: headers, cookies, password hashing, login throttling, sessions, the
deployment check, and stored XSS in every free-text field that pages show."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client
from django.urls import reverse

from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.monitoring.models import Assignment, ProgressReport
from cchc.monitoring.services import (
    DocumentInput,
    report_get_or_create,
    report_review,
    report_save,
    report_submit,
)
from cchc.plans.models import Activity, Indicator, Plan, Task
from cchc.reminders.models import Notification
from tests.factories import PASSWORD
from tests.test_permission_matrix import EXPECTATIONS, fill, objects_for_paths

ROOT = Path(__file__).resolve().parent.parent
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
    "form-action 'self'"
)


def _policy(header: str) -> dict[str, str]:
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in header.split(";")
        if part.strip()
    }


def test_pages_carry_a_content_security_policy_without_inline_script(
    client: Client, personas: dict[str, User], plan: Plan
) -> None:
    client.force_login(personas["officer_a"])
    response = client.get(reverse("plan_detail", args=[plan.pk]))
    assert response.status_code == 200
    assert _policy(response["Content-Security-Policy"]) == _policy(CSP)
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "<script>" not in response.content.decode()


def test_the_api_docs_load_only_bundled_files_under_the_same_policy(client: Client) -> None:
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert _policy(response["Content-Security-Policy"]) == _policy(CSP)
    html = response.content.decode()
    # Swagger UI ships inside django-ninja: no CDN, and its only inline <script> is JSON
    # data (type="application/json"), which a policy does not block because it never runs.
    assert "cdn" not in html.lower()
    assert 'src="/static/ninja/swagger-ui-bundle.js"' in html
    assert 'src="/static/ninja/swagger-ui-init.js"' in html


def test_pages_deny_framing_sniffing_and_leaking_the_referrer(client: Client) -> None:
    response = client.get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def _production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL"}}
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="cchc.example.gov.vn",
        SECURE_SSL="1",
        DJANGO_SETTINGS_MODULE="cchc.settings",
        **extra,
    )
    return env


def test_the_deployment_check_passes_with_production_settings(tmp_path: Path) -> None:
    env = _production_env(CCHC_DATA_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "cchc", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_turn_on_hsts_and_secure_cookies(tmp_path: Path) -> None:
    script = (
        "import json; from django.conf import settings as s; import django; django.setup(); "
        "print(json.dumps({k: getattr(s, k) for k in ['SECURE_HSTS_SECONDS', "
        "'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', "
        "'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_SAMESITE', "
        "'DEBUG', 'X_FRAME_OPTIONS']}))"
    )
    env = _production_env(CCHC_DATA_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    import json

    values = json.loads(result.stdout)
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert values["DEBUG"] is False
    assert values["X_FRAME_OPTIONS"] == "DENY"


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    env = _production_env(CCHC_DATA_DIR=str(tmp_path))
    del env["SECRET_KEY"]
    env.pop("SECRET_KEY_FILE", None)
    result = subprocess.run(
        [sys.executable, "-m", "cchc", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_https_responses_carry_hsts_and_secure_cookies(
    settings: Any, personas: dict[str, User]
) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    client = Client()
    response = client.post(
        reverse("login"), {"username": "officer_a", "password": PASSWORD}, secure=True
    )
    assert response.status_code == 302
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] and cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_passwords_are_hashed_with_argon2(settings: Any, agencies: dict[str, Agency]) -> None:
    # conftest switches tests to MD5 for speed; this one puts the real setting back.
    from cchc import settings as real

    settings.PASSWORD_HASHERS = real.PASSWORD_HASHERS
    user = User(username="moi", role="officer", agency=agencies["a"])
    user.set_password("mật khẩu dài và khó đoán 2022")
    user.save()
    assert user.password.startswith("argon2$argon2id$")
    assert check_password("mật khẩu dài và khó đoán 2022", user.password)


# Login throttling: tests/test_login_throttle.py.


def test_changing_a_password_ends_the_other_sessions(personas: dict[str, User], plan: Plan) -> None:
    browser = Client()
    browser.post(reverse("login"), {"username": "officer_a", "password": PASSWORD})
    assert browser.get(reverse("plan_list")).status_code == 200
    user = User.objects.get(username="officer_a")
    user.set_password("một mật khẩu mới rất dài 2022")
    user.save()
    response = browser.get(reverse("plan_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# ---------------------------------------------------------------------------
# Stored XSS

PROBES = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')


def _plant(plan: Plan, agencies: dict[str, Agency]) -> None:
    probe = " ".join(PROBES)
    plan.title = f"Kế hoạch {probe}"
    plan.save()
    Task.objects.filter(plan=plan).update(title=f"Nhiệm vụ {probe}", notes=f"Ghi chú {probe}")
    for activity in Activity.objects.filter(plan=plan):
        activity.title = f"Hoạt động {probe}"
        activity.outputs = f"Sản phẩm {probe}"
        activity.notes = f"Ghi chú {probe}"
        activity.deadline = f"Quý {probe}"
        activity.save()
    agency = agencies["a"]
    agency.name = f"Sở {probe}"
    agency.short_name = f"STP {probe}"
    agency.save()
    plan.areas.update(title=f"Lĩnh vực {probe}", description=f"Mô tả {probe}")
    Indicator.objects.create(
        plan=plan, code="xss", name=f"Chỉ tiêu {probe}", target=50, source_text=probe
    )
    plan.responsibilities.create(heading=f"Cơ quan {probe}", duties=f"Nhiệm vụ {probe}")


def _plant_reports(
    values: dict[str, Any], personas: dict[str, User], plan: Plan, agencies: dict[str, Agency]
) -> None:
    """Narratives, reasons, output documents, review comments, period names and
    notification titles: one report returned with a comment, one approved (the public
    page shows only approved ones)."""
    probe = " ".join(PROBES)
    officer, head, coordinator = (personas[n] for n in ("officer_a", "head_a", "coordinator"))
    plan.periods.filter(code="q1").update(name=f"Quý I {probe}")
    returned = ProgressReport.objects.get(pk=values["report_id"])
    returned = report_review(
        report=returned,
        actor=coordinator,
        approve=False,
        comment=f"Ý kiến {probe}",
        expected_version=returned.version,
    )
    report_save(
        report=returned,
        actor=officer,
        expected_version=returned.version,
        status="not_done",
        percent=0,
        narrative=f"Kết quả {probe}",
        reason=f"Lý do {probe}",
        documents=[DocumentInput(f"15/{probe}", date(2022, 3, 1), f"Trích yếu {probe}")],
    )
    other = (
        Assignment.objects.filter(activity__plan=plan, agency=agencies["a"])
        .exclude(pk=returned.assignment_id)
        .order_by("pk")
        .first()
    )
    assert other is not None
    approved = report_get_or_create(assignment=other, period=returned.period)
    approved = report_save(
        report=approved,
        actor=officer,
        expected_version=approved.version,
        status="in_progress",
        percent=40,
        narrative=f"Đã làm {probe}",
        documents=[DocumentInput(f"7/{probe}", date(2022, 3, 2), f"Văn bản {probe}")],
    )
    approved = report_submit(report=approved, actor=head, expected_version=approved.version)
    report_review(
        report=approved, actor=coordinator, approve=True, expected_version=approved.version
    )
    for user in (officer, coordinator):
        Notification.objects.create(
            user=user,
            kind=Notification.Kind.DIGEST,
            agency=agencies["a"],
            sent_on=date(2022, 3, 26),
            title=f"Nhắc việc {probe}",
        )


def _unescaped(html: str) -> list[str]:
    found = [probe for probe in PROBES if probe in html]
    if "onerror=alert" in html.replace("onerror=alert(1)&gt;", ""):
        found.append("onerror=alert")
    return found


@pytest.mark.parametrize("persona", ["coordinator", "officer_a"])
def test_no_page_renders_a_planted_script_unescaped(
    persona: str,
    personas: dict[str, User],
    agencies: dict[str, Agency],
    plan: Plan,
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "files"
    _plant(plan, agencies)
    values = objects_for_paths(plan, agencies)
    _plant_reports(values, personas, plan, agencies)
    client = Client()
    client.force_login(personas[persona])
    checked = []
    for key, row in EXPECTATIONS.items():
        method, _, route = key.partition(" ")
        if (
            method != "GET"
            or row.expected(persona) != "ok"
            or route.startswith(("/api/", "admin/"))
        ):
            continue
        url = fill(route, values)
        for query in ("", f"?q={PROBES[0]}", "?q=cai+cach"):
            for headers in ({}, {"HX-Request": "true"}):
                response = client.get(url + query, follow=True, headers=headers)
                if not response["Content-Type"].startswith("text/html"):
                    continue
                found = _unescaped(response.content.decode())
                assert not found, f"{url}{query} renders {found} unescaped"
                checked.append(url + query)
    assert len({c.split("?")[0] for c in checked}) >= 8, checked
    # The probes were really shown, escaped, where each kind of text appears.
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    report_url = reverse("report_detail", args=[values["assignment_id"], values["period_id"]])
    for url, what in [
        (reverse("plan_detail", args=[plan.pk]), "plan"),
        (report_url, "narrative, reason, documents, comment"),
        (reverse("notifications"), "notification"),
    ]:
        page = client.get(url).content.decode()
        assert escaped in page, f"{what}: no escaped probe on {url}"
    report_page = client.get(report_url).content.decode()
    for text in ("Kết quả", "Lý do", "Trích yếu", "Ý kiến"):
        assert f"{text} {escaped}" in report_page, text
    public = Client().get(reverse("public_progress")).content.decode()
    assert not _unescaped(public)
