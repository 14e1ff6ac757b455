"""Pages: the user's notifications, the agency's calendar feed, and the feed itself."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cchc.accounts import policy
from cchc.accounts.models import User
from cchc.accounts.policy import requires
from cchc.agencies.models import Agency
from cchc.reminders.models import CalendarFeed, Notification
from cchc.reminders.services import (
    calendar_feed_active,
    calendar_feed_ics,
    calendar_feed_regenerate,
    notification_mark_read,
)

PAGE_SIZE = 20


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@require_GET
@requires("notification.view")
def notifications(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    page = Paginator(Notification.objects.filter(user=user), PAGE_SIZE).get_page(
        request.GET.get("trang")
    )
    unread = sum(1 for n in page.object_list if n.read_at is None)
    return render(request, "reminders/notifications.html", {"page": page, "unread": unread})


@require_POST
@requires("notification.view")
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    # Another user's notification is as good as absent.
    notification = cast(Notification, policy.get_notification_for_user(request, notification_id))
    notification_mark_read(user=_user(request), notification_id=notification.pk)
    return redirect(f"{reverse('notifications')}#notification-{notification.pk}")


@require_POST
@requires("notification.view")
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = notification_mark_read(user=_user(request))
    messages.success(request, _("Đã đánh dấu %(count)s thông báo là đã đọc.") % {"count": count})
    return redirect("notifications")


def _agency_for(request: HttpRequest, agency_id: int, *, write: bool = False) -> Agency:
    """The agency whose feed the user asks for; 404 for another agency's officer."""
    return policy.get_for_user(
        request,
        Agency.objects.all(),
        agency_id,
        view="feed.view",
        write="feed.regenerate" if write else None,
    )


@require_GET
@requires("feed.view")
def feed_mine(request: HttpRequest) -> HttpResponse:
    agency_id = _user(request).agency_id
    if agency_id is None:
        raise Http404
    return redirect("feed_page", agency_id=agency_id)


@require_GET
@requires("feed.view")
def feed_page(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency = _agency_for(request, agency_id)
    feed = calendar_feed_active(agency)
    url = request.build_absolute_uri(reverse("feed_ics", args=[feed.token])) if feed else ""
    context = {
        "agency": agency,
        "feed": feed,
        "feed_url": url,
        "webcal_url": url.replace("https://", "webcal://", 1).replace("http://", "webcal://", 1),
        "can_regenerate": policy.can(request.user, "feed.regenerate", agency),
        # Somewhere to go from an agency whose address the user cannot make.
        "own_agency": own
        if (own := _user(request).agency) is not None
        and own.pk != agency.pk
        and policy.can(request.user, "feed.regenerate", own)
        else None,
    }
    return render(request, "reminders/feed.html", context)


@require_POST
@requires("feed.regenerate")
def feed_regenerate(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency = _agency_for(request, agency_id, write=True)
    replaced = calendar_feed_active(agency) is not None
    calendar_feed_regenerate(agency=agency, actor=_user(request))
    if replaced:
        messages.success(request, _("Đã tạo đường dẫn mới. Đường dẫn cũ không còn dùng được."))
    else:
        messages.success(request, _("Đã tạo đường dẫn lịch."))
    return redirect("feed_page", agency_id=agency.pk)


@require_GET
@requires("feed.read")
def feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """No login: the token is the secret. A revoked or unknown token is not found."""
    feed = get_object_or_404(
        CalendarFeed.objects.select_related("agency"), token=token, revoked_at__isnull=True
    )
    response = HttpResponse(calendar_feed_ics(feed), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="cchc.ics"'
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
