from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficialConfig(AppConfig):
    name = "cchc.official"
    label = "official"
    verbose_name = _("Báo cáo CCHC định kỳ")

    def ready(self) -> None:
        # The actions join the one policy, the file formats the job registry, wherever the
        # app runs (pages, API, workers).
        from cchc.official import exporters, policy  # noqa: F401
