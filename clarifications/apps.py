from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClarificationsConfig(AppConfig):
    name = "clarifications"
    verbose_name = _("Clarification cases (澄清正名事项)")
    default_auto_field = "django.db.models.BigAutoField"
