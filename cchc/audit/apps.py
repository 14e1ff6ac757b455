from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "cchc.audit"
    verbose_name = _("Nhật ký thay đổi")

    def ready(self) -> None:
        # Account changes are recorded by signals so that the admin, the shell and any
        # future page all leave the same trail.
        from cchc.audit import signals  # noqa: F401
