from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "cchc.monitoring"
    verbose_name = _("Theo dõi tiến độ")

    def ready(self) -> None:
        from cchc.monitoring import receivers  # noqa: F401
