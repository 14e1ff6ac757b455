"""Login throttling: a delay that grows with each failure, never a lock.

Failures are counted per account, whatever address they come from, so guesses spread over
many addresses are slowed as much as guesses from one. After `free` failures each further
attempt must wait 1, 2, 4, … seconds (up to a ceiling) after the one before; an attempt
during the wait is refused without the password being checked, and is not counted, so
neither a guesser nor the user pressing "Đăng nhập" again makes the wait longer. There
is no lock: once the wait is over, the right password gets in. A correct password ends
the account's count.

A browser in which the account has logged in before carries a signed cookie saying so;
its attempts are counted apart from everyone else's. An attacker who does not hold that
cookie can slow down guesses at an account, but not the owner on their own browser, nor
the colleagues who share the office's address.

Per address, failures for unknown browsers are counted as well (guessing one password
across many accounts), with more free failures and the same growing delay.

State lives in the cache (settings.CACHES: the database table by default, shared by every
app server; Redis when configured), as the count and the time of the last failure, read
from `now()`, which tests replace. See docs/security.md.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core import signing
from django.core.cache import caches
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

KNOWN_COOKIE = "cchc_known_login"
KNOWN_SALT = "cchc.accounts.throttle.known-browser"
# The accounts a browser remembers: a shared office computer serves a few people.
KNOWN_MAX = 5
KNOWN_MAX_AGE = 365 * 24 * 3600
# Set on the request when an attempt is refused for its wait, for the form's message.
REQUEST_ATTRIBUTE = "cchc_login_wait"


def now() -> float:
    """Seconds since the epoch; tests replace this to move time without sleeping."""
    return time.time()


@dataclass(frozen=True)
class Rule:
    free: int
    max_delay: float
    forget_after: float

    def delay(self, failures: int) -> float:
        """The wait after the last of `failures` failures before the next attempt."""
        if failures < self.free:
            return 0.0
        return float(min(2 ** min(failures - self.free, 32), self.max_delay))


def account_rule() -> Rule:
    return Rule(
        free=settings.CCHC_LOGIN_FREE_FAILURES,
        max_delay=settings.CCHC_LOGIN_MAX_DELAY_SECONDS,
        forget_after=settings.CCHC_LOGIN_FORGET_SECONDS,
    )


def address_rule() -> Rule:
    return Rule(
        free=settings.CCHC_LOGIN_ADDRESS_FREE_FAILURES,
        max_delay=settings.CCHC_LOGIN_MAX_DELAY_SECONDS,
        forget_after=settings.CCHC_LOGIN_FORGET_SECONDS,
    )


def _cache() -> Any:
    return caches[settings.CCHC_LOGIN_CACHE]


def account_id(username: str) -> str:
    """The account as the throttle names it: case and spaces do not make a new one, and
    the cookie and the cache keys do not show the name (keyed by SECRET_KEY)."""
    normal = username.strip().casefold()
    return salted_hmac("cchc.accounts.throttle.account", normal).hexdigest()[:32]


def client_address(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    header = settings.CCHC_LOGIN_CLIENT_IP_HEADER
    if header:
        # The last hop is the one the trusted proxy added; earlier ones the client wrote.
        forwarded = request.META.get(header, "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return str(request.META.get("REMOTE_ADDR", ""))


def known_accounts(request: HttpRequest | None) -> list[str]:
    if request is None:
        return []
    token = request.COOKIES.get(KNOWN_COOKIE)
    if not token:
        return []
    try:
        value = signing.loads(token, salt=KNOWN_SALT, max_age=KNOWN_MAX_AGE)
    except signing.BadSignature:
        return []
    return [str(item) for item in value][:KNOWN_MAX] if isinstance(value, list) else []


@dataclass(frozen=True)
class Counter:
    key: str
    rule: Rule

    def _read(self, at: float) -> tuple[int, float]:
        entry = _cache().get(self.key)
        if not isinstance(entry, list | tuple) or len(entry) != 2:
            return 0, 0.0
        failures, last = int(entry[0]), float(entry[1])
        if at - last > self.rule.forget_after:
            return 0, 0.0
        return failures, last

    def _write(self, failures: int, last: float) -> None:
        timeout = int(self.rule.forget_after + self.rule.max_delay) + 60
        _cache().set(self.key, [failures, last], timeout=timeout)

    def wait(self, at: float) -> float:
        failures, last = self._read(at)
        return max(0.0, last + self.rule.delay(failures) - at)

    def claim(self, at: float) -> None:
        """Start the next wait now, before the password is checked: attempts sent at the
        same moment find the wait already running, and only one of them is judged."""
        failures, _last = self._read(at)
        if self.rule.delay(failures):
            self._write(failures, at)

    def fail(self, at: float) -> None:
        failures, _last = self._read(at)
        self._write(failures + 1, at)

    def clear(self) -> None:
        _cache().delete(self.key)


@dataclass(frozen=True)
class Attempt:
    """One login attempt: which counters it is judged by."""

    counters: tuple[Counter, ...]

    @classmethod
    def of(cls, request: HttpRequest | None, username: str) -> Attempt:
        account = account_id(username)
        if account in known_accounts(request):
            return cls((Counter(f"cchc:login:known:{account}", account_rule()),))
        counters = [Counter(f"cchc:login:account:{account}", account_rule())]
        address = client_address(request)
        if address:
            # Hashed: a header's value must not shape a cache key (length, characters).
            key = hashlib.sha256(address.encode()).hexdigest()[:32]
            counters.append(Counter(f"cchc:login:address:{key}", address_rule()))
        return cls(tuple(counters))

    def wait(self, at: float) -> float:
        return max(counter.wait(at) for counter in self.counters)

    def claim(self, at: float) -> None:
        for counter in self.counters:
            counter.claim(at)

    def fail(self, at: float) -> None:
        for counter in self.counters:
            counter.fail(at)

    def succeed(self) -> None:
        # The account's count ends; an address's does not, or one's own good password
        # would let one go on guessing others'.
        self.counters[0].clear()


def wait_message(seconds: float, at: float) -> str:
    """What the user reads: how long, and at what time to try again."""
    whole = max(1, int(seconds + 0.999))
    retry = datetime.fromtimestamp(at + whole, tz=UTC).astimezone(timezone.get_current_timezone())
    minutes, seconds = divmod(whole, 60)
    parts = []
    if minutes:
        parts.append(ngettext("%(count)s phút", "%(count)s phút", minutes) % {"count": minutes})
    if seconds:
        parts.append(ngettext("%(count)s giây", "%(count)s giây", seconds) % {"count": seconds})
    wait = " ".join(parts)
    return _(
        "Đã đăng nhập sai nhiều lần nên tài khoản tạm phải chờ giữa hai lần thử. Hãy thử "
        "lại sau %(wait)s (lúc %(time)s). Tài khoản không bị khóa: khi hết thời gian chờ, "
        "mật khẩu đúng sẽ đăng nhập được."
    ) % {"wait": wait, "time": retry.strftime("%H:%M:%S")}


class ThrottledModelBackend(ModelBackend):
    """Django's password check behind the throttle above.

    During a wait the password is not even checked and PermissionDenied stops Django from
    asking another backend; the wait is put on the request for the login form's message.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is None:
            username = kwargs.get(self._username_field(), "")
        if not username or password is None:
            return None
        attempt = Attempt.of(request, str(username))
        at = now()
        wait = attempt.wait(at)
        if wait > 0:
            if request is not None:
                setattr(request, REQUEST_ATTRIBUTE, wait_message(wait, at))
            raise PermissionDenied("login throttled")
        attempt.claim(at)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            attempt.fail(at)
        else:
            attempt.succeed()
        return user

    def get_user(self, user_id: Any) -> Any:
        """The session's user in one query with what every page's header shows of them:
        their agency (`user.agency`) and their unread notifications, counted as the
        request begins (`cchc.reminders.context`). Django's own reads the user alone, and
        the header then costs two queries more on every page."""
        from django.contrib.auth import get_user_model

        from cchc.reminders.context import with_unread_count

        users = get_user_model()._default_manager.select_related("agency")
        try:
            user = with_unread_count(users).get(pk=user_id)
        except ObjectDoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return str(get_user_model().USERNAME_FIELD)


def remember_browser(request: HttpRequest, response: HttpResponse, username: str) -> None:
    """After a successful login: this browser is now one the account knows."""
    account = account_id(username)
    accounts = [account, *(a for a in known_accounts(request) if a != account)][:KNOWN_MAX]
    response.set_cookie(
        KNOWN_COOKIE,
        signing.dumps(accounts, salt=KNOWN_SALT),
        max_age=KNOWN_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
