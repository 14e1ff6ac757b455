from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitizensConfig(AppConfig):
    name = "cchc.citizens"
    label = "citizens"
    verbose_name = _("Người dân: khảo sát, phản ánh, chỉ tiêu")

    def ready(self) -> None:
        # The responses' XLSX export is a job kind: registered wherever jobs run. The
        # receivers keep the citizens' panel's stamps (cchc.citizens.stamps).
        from cchc.citizens import exports, indicator_files, receivers  # noqa: F401
