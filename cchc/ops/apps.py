from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "cchc.ops"
    verbose_name = _("Vận hành")
