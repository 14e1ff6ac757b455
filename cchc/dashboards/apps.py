from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "cchc.dashboards"
    label = "dashboards"
    verbose_name = _("Bảng điều khiển và trang công khai")

    def ready(self) -> None:
        from cchc.dashboards.queries.trend import carry_trend
        from cchc.monitoring.figures import CARRIERS

        # A report's change carries the trend over too (docs/dashboards.md).
        if carry_trend not in CARRIERS:
            CARRIERS.append(carry_trend)
