from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CorrectionsConfig(AppConfig):
    name = "corrections"
    verbose_name = _("Correction and clarification")
    default_auto_field = "django.db.models.BigAutoField"
