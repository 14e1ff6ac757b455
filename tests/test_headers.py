"""Every response carries the security headers, static files included, and the cookies
are what docs/security.md says they are."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import get_commands
from django.test import Client
from django.urls import reverse

from cchc.accounts.models import User
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
SECURITY_DOC = (ROOT / "docs" / "security.md").read_text()


def _assert_security_headers(response: Any) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp


@pytest.mark.parametrize(
    "path",
    [
        "/static/cchc/app.css",
        "/static/cchc/favicon.svg",
        "/static/vendor/htmx/htmx-2.0.11.min.js",
        "/static/ninja/swagger-ui-init.js",
    ],
)
def test_static_files_carry_the_same_security_headers_as_pages(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    _assert_security_headers(response)
    # A page for comparison: the same headers.
    _assert_security_headers(client.get(reverse("login")))


def test_an_svg_served_as_static_cannot_run_script_on_its_own(client: Client) -> None:
    # Opened directly, an SVG is a document: the policy forbids inline script in it.
    response = client.get("/static/cchc/favicon.svg")
    assert response["Content-Type"].startswith("image/svg+xml")
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_a_missing_static_file_is_a_404_with_the_headers(client: Client) -> None:
    response = client.get("/static/cchc/khong-co.css")
    assert response.status_code == 404
    _assert_security_headers(response)


def test_runserver_serves_static_files_through_the_middleware() -> None:
    # Django's own runserver answers /static/ before any middleware, so without headers;
    # WhiteNoise's takes that away and lets the middleware above answer.
    assert get_commands()["runserver"] == "whitenoise.runserver_nostatic"


def _doc_says_httponly(cookie: str) -> bool:
    """Whether docs/security.md lists `cookie` (session, CSRF, language) among the
    HttpOnly cookies."""
    match = re.search(r"HttpOnly[^.]*?cookies", SECURITY_DOC.replace("\n", " "))
    assert match, "docs/security.md no longer says which cookies are HttpOnly"
    return cookie in match.group(0)


def test_the_csrf_cookie_is_what_the_security_document_says(client: Client) -> None:
    response = client.get(reverse("login"))
    cookie = response.cookies["csrftoken"]
    assert bool(cookie["httponly"]) == _doc_says_httponly("CSRF")
    assert cookie["samesite"] == "Lax"


def test_the_session_and_language_cookies_are_what_the_document_says(
    personas: dict[str, User], settings: Any
) -> None:
    client = Client()
    response = client.post(reverse("login"), {"username": "officer_a", "password": PASSWORD})
    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert bool(session["httponly"]) == _doc_says_httponly("session")
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    language = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert bool(language["httponly"]) == _doc_says_httponly("language")


def test_no_script_of_ours_reads_a_cookie() -> None:
    # What makes an HttpOnly CSRF cookie safe here: nothing needs to read it.
    scripts = [p for p in (ROOT / "cchc").rglob("*.js") if "vendor" not in p.parts]
    templates = list((ROOT / "cchc").rglob("*.html"))
    for path in scripts + templates:
        assert "document.cookie" not in path.read_text(errors="replace"), path
