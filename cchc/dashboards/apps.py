from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "cchc.dashboards"
    label = "dashboards"
    verbose_name = _("Bảng điều khiển và trang công khai")
