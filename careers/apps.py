from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareersConfig(AppConfig):
    """After the ruling, the cadre's career (干部的使用): what reaches the
    organization department (result uses, follow-up care), the
    accountability organ's decision, and the revocation of a ruling
    obtained by fraud. Sits above cases, reviews, corrections and
    publication (it imports them); no lower app imports it."""

    name = "careers"
    verbose_name = _("Result uses and follow-up")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cases.registry import register_case_panel, register_event_labels
        from core.selectors import register_workbench_section
        from deadlines.services import register_clock_expiry
        from policies.models import TimeLimitStage

        from . import selectors, services
        from .models import EventKind

        register_event_labels(EventKind)
        register_case_panel(order=40, template="careers/case_panel.html", context=selectors.case_panel_context)
        # An impact period that ends closes itself (not an overdue step).
        register_clock_expiry(TimeLimitStage.USE_PERIOD, services.use_period_end)
        register_workbench_section(selectors.WORKBENCH_SECTION)
