from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Security audit")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Sign-ins happen in Django's and django-axes' code: their signals
        # are the one place to hear of them (signals connect apps that must
        # not know each other, STYLE §12).
        from . import receivers  # noqa: F401
