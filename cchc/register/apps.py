from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegisterConfig(AppConfig):
    """The plan register's pages: plans, their appendix, agencies and search."""

    name = "cchc.register"
    verbose_name = _("Sổ kế hoạch")
