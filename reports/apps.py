from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Reports filed upward (年度容错纠错工作情况统计表). Above dashboard in
    the import order: it reads every workflow app and nothing imports it."""

    name = "reports"
    verbose_name = _("Reports")
    default_auto_field = "django.db.models.BigAutoField"
