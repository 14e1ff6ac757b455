"""What a locked-out login sees: the login page again, with a message saying why.

django-axes calls `lockout_response` (settings.AXES_LOCKOUT_CALLABLE) instead of
checking the password once an account and address pair has failed too often.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _(
        "Tài khoản tạm bị khóa do đăng nhập sai quá %(limit)s lần. Hãy thử lại sau "
        "%(minutes)s phút hoặc liên hệ quản trị hệ thống."
    ) % {"limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    messages.error(request, lockout_message())
    # Back to the same login page (the site's or the admin's) with its `next`, by GET,
    # so that the page shows the message and a reload does not post the password again.
    target = request.get_full_path()
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = settings.LOGIN_URL
    response = HttpResponseRedirect(target)
    response.status_code = 302
    return response
