"""Pages: the user's notifications, the agency's calendar feed, and the feed itself."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cchc.accounts.models import User
from cchc.accounts.permissions import can_see_agency_data, has_perm, permission_required
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
@permission_required("notification.view")
def notifications(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    page = Paginator(Notification.objects.filter(user=user), PAGE_SIZE).get_page(
        request.GET.get("trang")
    )
    unread = sum(1 for n in page.object_list if n.read_at is None)
    return render(request, "reminders/notifications.html", {"page": page, "unread": unread})


@require_POST
@permission_required("notification.view")
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    # Another user's notification is as good as absent.
    notification = get_object_or_404(Notification, pk=notification_id, user=_user(request))
    notification_mark_read(user=_user(request), notification_id=notification.pk)
    return redirect(f"{reverse('notifications')}#notification-{notification.pk}")


@require_POST
@permission_required("notification.view")
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = notification_mark_read(user=_user(request))
    messages.success(request, _("Đã đánh dấu %(count)s thông báo là đã đọc.") % {"count": count})
    return redirect("notifications")


def _agency_for(request: HttpRequest, agency_id: int) -> Agency:
    """The agency whose feed the user asks for; 404 for another agency's officer."""
    agency = get_object_or_404(Agency, pk=agency_id)
    if not can_see_agency_data(request.user, agency.pk):
        raise Http404
    return agency


@require_GET
@permission_required("feed.view")
def feed_mine(request: HttpRequest) -> HttpResponse:
    agency_id = _user(request).agency_id
    if agency_id is None:
        raise Http404
    return redirect("feed_page", agency_id=agency_id)


@require_GET
@permission_required("feed.view")
def feed_page(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency = _agency_for(request, agency_id)
    feed = calendar_feed_active(agency)
    url = request.build_absolute_uri(reverse("feed_ics", args=[feed.token])) if feed else ""
    context = {
        "agency": agency,
        "feed": feed,
        "feed_url": url,
        "webcal_url": url.replace("https://", "webcal://", 1).replace("http://", "webcal://", 1),
        "can_regenerate": has_perm(request.user, "feed.regenerate"),
    }
    return render(request, "reminders/feed.html", context)


@require_POST
@permission_required("feed.regenerate")
def feed_regenerate(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency = _agency_for(request, agency_id)
    replaced = calendar_feed_active(agency) is not None
    calendar_feed_regenerate(agency=agency, actor=_user(request))
    if replaced:
        messages.success(request, _("Đã tạo đường dẫn mới. Đường dẫn cũ không còn dùng được."))
    else:
        messages.success(request, _("Đã tạo đường dẫn lịch."))
    return redirect("feed_page", agency_id=agency.pk)


@require_GET
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
