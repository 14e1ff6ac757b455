"""Login throttling: a delay that grows with each failure, counted per account across
every address, never a lock (cchc/accounts/throttle.py, docs/security.md).

Time is moved by replacing `throttle.now`; nothing sleeps.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from cchc.accounts import throttle
from cchc.accounts.models import User
from tests.factories import PASSWORD

START = datetime(2022, 7, 10, 8, 0, 0, tzinfo=UTC).timestamp()
WAIT = re.compile(r"Hãy thử lại sau (?:(\d+) phút ?)?(?:(\d+) giây)? \(lúc (\d\d:\d\d:\d\d)\)")


class Clock:
    def __init__(self) -> None:
        self.at = START

    def __call__(self) -> float:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(throttle, "now", fake)
    return fake


def _client(address: str = "203.0.113.7") -> Client:
    return Client(REMOTE_ADDR=address)


def _post(client: Client, username: str, password: str = "sai") -> Any:  # noqa: S107
    return client.post(reverse("login"), {"username": username, "password": password})


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _wait_said(response: Any) -> tuple[int, str] | None:
    """The wait the page states, in seconds, and the time it names."""
    match = WAIT.search(response.content.decode())
    if not match:
        return None
    minutes, seconds = int(match.group(1) or 0), int(match.group(2) or 0)
    return 60 * minutes + seconds, match.group(3)


def _wait_through(client: Client, username: str, clock: Clock) -> None:
    """One more failure, after whatever wait is running."""
    said = _wait_said(_post(client, username))
    if said:
        clock.advance(said[0])
        assert _wait_said(_post(client, username)) is None


def _logout_keeping_cookies(client: Client) -> None:
    # The test client's logout drops every cookie; a browser's keeps all but the session.
    kept = {k: v.value for k, v in client.cookies.items() if k == throttle.KNOWN_COOKIE}
    client.logout()
    for name, value in kept.items():
        client.cookies[name] = value


def _fail(client: Client, username: str, times: int) -> None:
    for _ in range(times):
        response = _post(client, username)
        assert response.status_code == 200
        assert _wait_said(response) is None, "a free failure must not be made to wait"


def test_after_five_failures_even_the_right_password_waits_then_gets_in(
    clock: Clock, personas: dict[str, User]
) -> None:
    client = _client()
    _fail(client, "officer_a", 5)
    response = _post(client, "officer_a", PASSWORD)
    assert response.status_code == 200
    assert not _logged_in(client)
    html = response.content.decode()
    assert "Tên đăng nhập hoặc mật khẩu không đúng" not in html
    assert "Tài khoản không bị khóa" in html
    local = datetime.fromtimestamp(START + 1, tz=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert _wait_said(response) == (1, local.strftime("%H:%M:%S"))
    assert "Hãy thử lại sau 1 giây (lúc" in html
    clock.advance(1)
    response = _post(client, "officer_a", PASSWORD)
    assert response.status_code == 302
    assert _logged_in(client)


def test_the_wait_doubles_with_each_failure_up_to_fifteen_minutes(
    clock: Clock, personas: dict[str, User]
) -> None:
    client = _client()
    _fail(client, "officer_a", 5)
    waits = []
    for _ in range(12):
        response = _post(client, "officer_a")
        waits.append((_wait_said(response) or (0, ""))[0])
        clock.advance(waits[-1])
        # Now the attempt is judged: the wrong password is a failure like any other.
        assert _wait_said(_post(client, "officer_a")) is None
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
    assert "Hãy thử lại sau 15 phút (lúc" in response.content.decode()
    # Never a lock: after the longest wait, the right password still gets in.
    clock.advance(900)
    assert _post(client, "officer_a", PASSWORD).status_code == 302


def test_attempts_during_the_wait_are_not_counted(clock: Clock, personas: dict[str, User]) -> None:
    client = _client()
    _fail(client, "officer_a", 5)
    _wait_through(client, "officer_a", clock)
    _wait_through(client, "officer_a", clock)
    assert _wait_said(_post(client, "officer_a"))[0] == 4  # type: ignore[index]
    # Pressing the button again and again does not make the wait longer.
    for _ in range(16):
        clock.advance(0.125)
        assert _wait_said(_post(client, "officer_a", PASSWORD)) is not None
    clock.advance(2)
    assert _post(client, "officer_a", PASSWORD).status_code == 302


def test_guesses_spread_over_many_addresses_are_counted_for_the_account(
    clock: Clock, personas: dict[str, User]
) -> None:
    for n in range(5):
        _fail(_client(f"198.51.100.{n}"), "officer_a", 1)
    response = _post(_client("198.51.100.200"), "officer_a", PASSWORD)
    assert _wait_said(response) is not None
    # The same account in other spellings is the same account.
    assert _wait_said(_post(_client("198.51.100.201"), "  OFFICER_A ")) is not None


def test_a_success_ends_the_count(clock: Clock, personas: dict[str, User]) -> None:
    client = _client()
    _fail(client, "officer_a", 4)
    assert _post(client, "officer_a", PASSWORD).status_code == 302
    client.logout()
    _fail(client, "officer_a", 4)
    assert _post(client, "officer_a", PASSWORD).status_code == 302


def test_a_count_is_forgotten_after_a_day_without_failures(
    clock: Clock, personas: dict[str, User]
) -> None:
    client = _client()
    _fail(client, "officer_a", 5)
    _wait_through(client, "officer_a", clock)
    # A day less a second later the count is still there: this failure makes it 7 …
    clock.advance(24 * 3600 - 1)
    assert _wait_said(_post(client, "officer_a")) is None
    assert _wait_said(_post(client, "officer_a"))[0] == 4  # type: ignore[index]
    # … a day and a second after the last failure it is gone.
    clock.advance(24 * 3600 + 1)
    _fail(client, "officer_a", 4)
    assert _post(client, "officer_a", PASSWORD).status_code == 302


def test_an_attacker_sharing_the_office_address_cannot_keep_the_owner_out(
    clock: Clock, personas: dict[str, User]
) -> None:
    office = "192.0.2.10"
    owner = _client(office)
    assert _post(owner, "officer_a", PASSWORD).status_code == 302
    _logout_keeping_cookies(owner)
    # Someone at the same address (the office's one public address) guesses at it.
    attacker = _client(office)
    _fail(attacker, "officer_a", 5)
    for _ in range(6):
        _wait_through(attacker, "officer_a", clock)
    assert _wait_said(_post(attacker, "officer_a", PASSWORD)) is not None
    # The owner's browser, where the account logged in before, is counted apart.
    response = _post(owner, "officer_a", PASSWORD)
    assert response.status_code == 302
    # A colleague at the same address is not slowed down either.
    colleague = _client(office)
    assert _post(colleague, "head_a", PASSWORD).status_code == 302


def test_a_forged_known_browser_cookie_counts_for_nothing(
    clock: Clock, personas: dict[str, User]
) -> None:
    attacker = _client()
    _fail(attacker, "officer_a", 5)
    attacker.cookies[throttle.KNOWN_COOKIE] = '["' + throttle.account_id("officer_a") + '"]'
    assert _wait_said(_post(attacker, "officer_a", PASSWORD)) is not None
    # A genuine cookie of another account does not vouch for this one either.
    other = _client()
    assert _post(other, "head_a", PASSWORD).status_code == 302
    attacker.cookies[throttle.KNOWN_COOKIE] = other.cookies[throttle.KNOWN_COOKIE].value
    assert _wait_said(_post(attacker, "officer_a", PASSWORD)) is not None


def test_the_known_browser_cookie_is_httponly_and_signed(
    clock: Clock, personas: dict[str, User]
) -> None:
    client = _client()
    response = _post(client, "officer_a", PASSWORD)
    cookie = response.cookies[throttle.KNOWN_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert "officer_a" not in cookie.value


def test_one_address_guessing_across_many_accounts_is_slowed_softly(
    clock: Clock, personas: dict[str, User], settings: Any
) -> None:
    settings.CCHC_LOGIN_ADDRESS_FREE_FAILURES = 6
    sprayer = _client("203.0.113.99")
    for n in range(6):
        _fail(sprayer, f"nguoi-dung-{n}", 1)
    response = _post(sprayer, "nguoi-dung-7")
    assert _wait_said(response)[0] == 1  # type: ignore[index]
    # A delay, not a lock: the wait ends.
    clock.advance(1)
    assert _wait_said(_post(sprayer, "nguoi-dung-8")) is None
    # Other addresses are not slowed, nor a browser the account knows at that address.
    assert _post(_client("203.0.113.100"), "officer_a", PASSWORD).status_code == 302
    known = _client("203.0.113.100")
    assert _post(known, "head_a", PASSWORD).status_code == 302
    _logout_keeping_cookies(known)
    known.defaults["REMOTE_ADDR"] = "203.0.113.99"
    assert _post(known, "head_a", PASSWORD).status_code == 302


def test_the_admin_login_is_throttled_with_the_same_message(
    clock: Clock, personas: dict[str, User]
) -> None:
    client = _client()
    _fail(client, "admin", 5)
    response = client.post(
        reverse("admin:login"), {"username": "admin", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 200
    assert _wait_said(response) is not None
    assert "_auth_user_id" not in client.session


def test_a_client_address_header_is_used_only_when_configured(
    clock: Clock, personas: dict[str, User], settings: Any
) -> None:
    settings.CCHC_LOGIN_ADDRESS_FREE_FAILURES = 2
    settings.CCHC_LOGIN_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    proxy = "10.0.0.1"
    behind = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    _fail(behind, "nguoi-a", 1)
    _fail(behind, "nguoi-b", 1)
    assert _wait_said(_post(behind, "nguoi-c")) is not None
    # Another client behind the same proxy is another address.
    other = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.8")
    assert _wait_said(_post(other, "nguoi-c")) is None
