from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParConfig(AppConfig):
    """PAR INDEX scoring: criteria sets, classification bands and campaigns."""

    name = "cchc.par"
    verbose_name = _("Chỉ số CCHC (PAR INDEX)")

    def ready(self) -> None:
        # The app's actions join the one policy as soon as Django starts.
        from cchc.par import (
            exporters,  # noqa: F401  (the downloads' job kinds)
            outputs_policy,  # noqa: F401  (ratings, inspections, downloads)
            policy,  # noqa: F401
        )
