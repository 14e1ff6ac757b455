from django.urls import path, re_path

from cchc.reminders import views

urlpatterns = [
    path("thong-bao/", views.notifications, name="notifications"),
    path("thong-bao/da-doc/", views.notifications_read_all, name="notifications_read_all"),
    path(
        "thong-bao/<int:notification_id>/da-doc/",
        views.notification_read,
        name="notification_read",
    ),
    path("lich/", views.feed_mine, name="feed_mine"),
    path("lich/co-quan/<int:agency_id>/", views.feed_page, name="feed_page"),
    path("lich/co-quan/<int:agency_id>/tao-moi/", views.feed_regenerate, name="feed_regenerate"),
    re_path(r"^lich/(?P<token>[A-Za-z0-9_-]{16,64})\.ics$", views.feed_ics, name="feed_ics"),
]
