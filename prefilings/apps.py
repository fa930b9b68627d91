from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrefilingsConfig(AppConfig):
    name = "prefilings"
    verbose_name = _("Pre-filings (error prevention)")
    default_auto_field = "django.db.models.BigAutoField"
